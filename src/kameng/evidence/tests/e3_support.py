"""Shared by the E3 tests (bundle, verify, audit, offline): two real cases with uploaded evidence,
sealed with an Ed25519 key made for the test, and helpers to rewrite a bundle ZIP."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.files.uploadedfile import SimpleUploadedFile

from kameng.aftersales import services as cases
from kameng.aftersales.tests.conftest import buy
from kameng.evidence import services, tsa
from kameng.evidence.sealing import seal_now
from kameng.orders.models import OrderKey
from kameng.orders.services import reveal_key


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KAMENG_SEAL_KEY_FILE = tmp_path / "seal_ed25519.pem"
    settings.KAMENG_TSA_URL = ""
    return settings.MEDIA_ROOT


@pytest.fixture
def stamper(settings, _media):
    # The configured seal key: the audit and `kameng evidence verify` trust exactly that one.
    return tsa.Ed25519Timestamper(settings.KAMENG_SEAL_KEY_FILE, clock=lambda: datetime.now(UTC))


@pytest.fixture
def trusted_key(stamper) -> str:
    """The platform's public key as /evidence/keys/seal-ed25519.pem publishes it."""
    return stamper.public_pem


@pytest.fixture
def forger():
    """Someone else's key: what a bundle forged from scratch is signed with."""
    return tsa.Ed25519Timestamper(Ed25519PrivateKey.generate(), clock=lambda: datetime.now(UTC))


def png(color=(200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 6), color).save(out, format="PNG")
    return out.getvalue()


def open_case_with_evidence(buyer, merchant, product, *, color=(200, 30, 30)):
    """A card-key case with two uploads: the buyer's screenshot and the merchant's text, withdrawn."""
    order = buy(buyer, product, quantity=1)
    key = OrderKey.objects.get(batch__order=order)
    reveal_key(buyer=buyer, order_id=order.pk, order_key_id=key.pk, ip="1.2.3.4", user_agent="t")
    case = cases.open_case(
        buyer=buyer, order_id=order.pk, subtype="invalid_key", demand="full_refund", description="卡密无效"
    )
    shot = services.upload_evidence(
        user=buyer,
        case_id=case.pk,
        file=SimpleUploadedFile("shot.png", png(color), content_type="image/png"),
        kind="activation_error",
        caption="激活失败截图",
    )
    note = services.upload_evidence(
        user=merchant,
        case_id=case.pk,
        file=SimpleUploadedFile("log.txt", "供货商回执：成功\n".encode(), content_type="text/plain"),
        kind="supplier_proof",
        caption="供货商回执",
    )
    services.withdraw_evidence(user=merchant, item_id=note.pk, reason="传错了")
    return case, shot, note


@pytest.fixture
def sealed_case(buyer, merchant, card_product, stamper):
    """A case whose order and case chains are sealed, plus one later (unsealed) message."""
    case, _shot, _note = open_case_with_evidence(buyer, merchant, card_product)
    seal = seal_now(timestamper=stamper)
    assert seal is not None
    cases.post_message(user=merchant, case_id=case.pk, text="我们在核实")
    return case


@pytest.fixture
def other_case(other_buyer, merchant, card_product, stamper):
    case, _shot, _note = open_case_with_evidence(other_buyer, merchant, card_product, color=(30, 200, 30))
    return case


# --- rewriting a bundle ------------------------------------------------------------------------


def read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_zip(path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)


def load(files: dict[str, bytes], name: str):
    return json.loads(files[name])


def dump(files: dict[str, bytes], name: str, value) -> None:
    files[name] = json.dumps(value, ensure_ascii=False, indent=2).encode()


def reseal_manifest(files: dict[str, bytes]) -> None:
    """A careful forger: after changing a file, fix its hash in the manifest and checksums too, so
    only the timeline and the seals can give the change away."""
    import hashlib

    manifest = load(files, "manifest.json")
    for entry in manifest["files"]:
        if entry["path"] in files:
            entry["sha256"] = hashlib.sha256(files[entry["path"]]).hexdigest()
            entry["size"] = len(files[entry["path"]])
    dump(files, "manifest.json", manifest)
    lines = [
        f"{hashlib.sha256(data).hexdigest()}  {name}\n"
        for name, data in sorted(files.items())
        if name != "checksums.sha256"
    ]
    files["checksums.sha256"] = "".join(lines).encode()
