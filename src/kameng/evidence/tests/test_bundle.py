"""The evidence bundle: what is inside, who may have it, and that standard tools check it."""

# ruff: noqa: F811 (fixtures imported from e3_support are taken as parameters)

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import zipfile

import pytest

from kameng.core.errors import DomainError
from kameng.evidence import tsa
from kameng.evidence.bundle import build_bundle
from kameng.evidence.models import EvidenceItem, Seal
from kameng.evidence.sealing import seal_now
from kameng.evidence.tests.e3_support import (  # noqa: F401 (fixtures)
    _media,
    open_case_with_evidence,
    read_zip,
    sealed_case,
    stamper,
    trusted_key,
)
from kameng.evidence.verify import NOT_TRUSTED, check_bundle, verify_bundle
from kameng.orders.tests.conftest import card_product  # noqa: F401 (a fixture)
from tests.helpers import assert_error


def _tool(name: str) -> str:
    # Required, not skipped: the README promises these checks work (CI installs openssl, coreutils).
    path = shutil.which(name)
    assert path, f"{name} is not installed; the bundle's hand checks need it"
    return path


def test_bundle_holds_timelines_files_proofs_seals_list_and_readme(sealed_case, buyer, tmp_path):
    case = sealed_case
    files = read_zip(build_bundle(user=buyer, case_id=case.pk))
    manifest = json.loads(files["manifest.json"])
    assert manifest["format"] == "kameng-evidence-bundle" and manifest["version"] == 2
    assert manifest["case_id"] == case.pk
    assert manifest["streams"] == {"order": case.order.stream, "case": case.stream}
    # Every evidence file, withdrawn ones too, with its metadata.
    items = list(EvidenceItem.objects.filter(case=case).order_by("pk"))
    assert [e["item"] for e in manifest["evidence"]] == [i.pk for i in items]
    assert [e["path"] for e in manifest["evidence"]] == [
        "evidence/01-activation_error.png",
        "evidence/02-supplier_proof.txt",
    ]
    assert manifest["evidence"][1]["withdrawn_at"] and manifest["evidence"][1]["withdraw_reason"] == "传错了"
    assert manifest["attachments"] == []  # none on this case (test_attachments has them)
    for entry, item in zip(manifest["evidence"], items, strict=True):
        assert hashlib.sha256(files[entry["path"]]).hexdigest() == item.sha256
    # Timelines with every hashed field, the hash and prev_hash.
    events = json.loads(files["case-timeline.json"])["events"]
    assert events[0]["seq"] == 1 and events[0]["prev_hash"] == "0" * 64
    assert {"stream", "seq", "kind", "actor_id", "actor_role", "payload", "created_at", "prev_hash", "hash"} <= set(
        events[0]
    )
    assert any(e["kind"] == "evidence.added" for e in events)
    # One proof per stream (its last sealed event), and the seal it leads to with openssl files.
    proofs = sorted(n for n in files if n.startswith("proofs/"))
    assert len(proofs) == 2
    seal_files = sorted(n for n in files if n.startswith("seals/"))
    assert [n.rsplit(".", 1)[1] for n in seal_files] == ["json", "msg", "pem", "sig"]
    assert isinstance(json.loads(files["evidence-list.json"]), list)
    readme = files["README.txt"].decode()
    for words in ("sha256sum -c checksums.sha256", "openssl ts -verify", "openssl pkeyutl -verify", "json.tool"):
        assert words in readme
    assert "kameng evidence verify" in readme and "证据包" in readme
    # Every file is in the manifest with its hash, and in checksums.sha256.
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert set(listed) == set(files) - {"manifest.json", "checksums.sha256"}
    assert all(hashlib.sha256(files[p]).hexdigest() == h for p, h in listed.items())


def test_untouched_bundle_verifies_and_notes_the_unsealed_tail(sealed_case, buyer, tmp_path, trusted_key):
    path = tmp_path / "bundle.zip"
    path.write_bytes(build_bundle(user=buyer, case_id=sealed_case.pk))
    report = check_bundle(path, trusted_keys=[trusted_key])
    assert report.problems == []
    assert report.seals == 1 and report.events > 5
    # The message posted after the seal is chained, not yet sealed: a note, not a failure.
    assert any(sealed_case.stream in note and "not yet sealed" in note for note in report.notes)


def test_bundle_before_any_seal_still_verifies_its_chains(buyer, merchant, card_product, tmp_path):
    case, _shot, _note = open_case_with_evidence(buyer, merchant, card_product)
    path = tmp_path / "bundle.zip"
    path.write_bytes(build_bundle(user=buyer, case_id=case.pk))
    report = check_bundle(path)
    assert report.problems == [] and report.seals == 0
    assert len(report.notes) == 2


def test_someone_elses_case_is_not_found(sealed_case, other_buyer):
    with pytest.raises(DomainError) as err:
        build_bundle(user=other_buyer, case_id=sealed_case.pk)
    assert err.value.code == "not_found"


def test_merchant_of_the_case_gets_the_same_bundle(sealed_case, merchant, tmp_path, trusted_key):
    path = tmp_path / "m.zip"
    path.write_bytes(build_bundle(user=merchant, case_id=sealed_case.pk))
    assert verify_bundle(path, trusted_keys=[trusted_key]) == []
    # The key it carries is not enough: the seal is named until a trusted key is given.
    assert [str(p) for p in verify_bundle(path)] == [f"seal {Seal.objects.get().pk}: {NOT_TRUSTED}"]


def test_sha256sum_and_openssl_check_the_bundle_by_hand(sealed_case, buyer, tmp_path, client, settings):
    with zipfile.ZipFile(io.BytesIO(build_bundle(user=buyer, case_id=sealed_case.pk))) as zf:
        zf.extractall(tmp_path)
    done = subprocess.run([_tool("sha256sum"), "-c", "checksums.sha256"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    # As the README says: the key comes from the platform's page, not from the bundle.
    key = tmp_path / "seal-ed25519.pem"
    key.write_bytes(client.get("/evidence/keys/seal-ed25519.pem").content)
    stem = next(p for p in (tmp_path / "seals").iterdir() if p.suffix == ".sig").with_suffix("")
    assert key.read_text() == stem.with_suffix(".pem").read_text()  # `cmp`: the bundled copy is that key
    done = subprocess.run(
        [_tool("openssl"), "pkeyutl", "-verify", "-pubin", "-inkey", str(key), "-rawin",
         "-in", f"{stem}.msg", "-sigfile", f"{stem}.sig"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    # The fingerprint the page shows is what openssl + sha256sum print for that file.
    der = subprocess.run(
        [_tool("openssl"), "pkey", "-pubin", "-in", str(key), "-outform", "DER"], capture_output=True, check=True
    ).stdout
    assert hashlib.sha256(der).hexdigest() in client.get("/evidence/keys/").content.decode()
    readme = (tmp_path / "README.txt").read_text()
    assert "-inkey seal-ed25519.pem" in readme and "-CAfile tsa-ca.pem" in readme
    assert f"{settings.SITE_URL.rstrip('/')}/evidence/keys/seal-ed25519.pem" in readme


def test_rfc3161_bundle_verifies_offline_and_with_openssl_ts(buyer, merchant, card_product, tmp_path, settings, client):
    from kameng.evidence.tests.tsa_server import start_tsa

    _tool("openssl")
    case, _shot, _note = open_case_with_evidence(buyer, merchant, card_product)
    server = start_tsa(tmp_path / "tsa")
    try:
        seal = seal_now(timestamper=tsa.Rfc3161Timestamper(server.url, server.cert_pem))
    finally:
        server.close()
    assert seal.method == "rfc3161"
    cert_file = tmp_path / "configured-tsa.pem"
    cert_file.write_text(server.cert_pem)
    settings.KAMENG_TSA_CERT_FILE = str(cert_file)
    path = tmp_path / "bundle.zip"
    path.write_bytes(build_bundle(user=buyer, case_id=case.pk))
    ca = client.get("/evidence/keys/tsa-ca.pem").content.decode()
    assert verify_bundle(path, tsa_ca=[ca]) == []
    assert [str(p) for p in verify_bundle(path)] == [f"seal {seal.pk}: {NOT_TRUSTED}"]
    # An Ed25519 key does not vouch for a TSA's token.
    assert [str(p) for p in verify_bundle(path, trusted_keys=[tsa.published_seal_keys()[0]])] == [
        f"seal {seal.pk}: {NOT_TRUSTED}"
    ]
    out = tmp_path / "out"
    with zipfile.ZipFile(path) as zf:
        zf.extractall(out)
    (out / "tsa-ca.pem").write_text(ca)
    stem = out / "seals" / str(seal.pk)
    done = subprocess.run(
        ["openssl", "ts", "-verify", "-data", f"{stem}.data", "-in", f"{stem}.tsr", "-CAfile", str(out / "tsa-ca.pem")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0 and "OK" in done.stdout, done.stdout + done.stderr


def test_keys_page_publishes_the_seal_key_and_the_tsa_ca(client, settings, tmp_path, trusted_key):
    page = client.get("/evidence/keys/")  # public: no login
    assert page.status_code == 200
    body = page.content.decode()
    assert tsa.key_fingerprint(trusted_key) in body and 'data-testid="seal-keys"' in body
    assert "证据核验密钥" in body and "切勿使用证据包里附带的副本" in body  # Chinese by default
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Evidence verification keys" in client.get("/evidence/keys/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    pem = client.get("/evidence/keys/seal-ed25519.pem")
    assert pem.status_code == 200 and pem.content.decode() == trusted_key
    assert pem["Content-Type"] == "application/x-pem-file" and pem["X-Content-Type-Options"] == "nosniff"
    assert client.get("/evidence/keys/tsa-ca.pem").status_code == 404  # no TSA configured
    cert_file = tmp_path / "tsa.pem"
    from kameng.evidence.tests.tsa_server import make_ca_and_tsa

    (tmp_path / "ca").mkdir()
    make_ca_and_tsa(tmp_path / "ca")
    chain = (tmp_path / "ca" / "tsa.crt").read_text() + (tmp_path / "ca" / "ca.crt").read_text()
    cert_file.write_text(chain)
    settings.KAMENG_TSA_CERT_FILE = str(cert_file)
    assert client.get("/evidence/keys/tsa-ca.pem").content.decode() == chain
    assert 'data-testid="tsa-ca-download"' in client.get("/evidence/keys/").content.decode()


# --- pages and API -----------------------------------------------------------------------------


def test_download_page_and_api_give_the_zip_to_a_party_only(sealed_case, buyer, other_buyer, client, api_client):
    client.force_login(buyer)
    response = client.get(f"/cases/{sealed_case.pk}/evidence/bundle.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    # Like every file response (kameng.core.files): nothing in it runs, even opened directly.
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert zipfile.is_zipfile(__import__("io").BytesIO(response.content))
    client.force_login(other_buyer)
    assert client.get(f"/cases/{sealed_case.pk}/evidence/bundle.zip").status_code == 404

    api = api_client(buyer)
    response = api.get(f"/api/v1/evidence/cases/{sealed_case.pk}/bundle.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert_error(api_client(other_buyer).get(f"/api/v1/evidence/cases/{sealed_case.pk}/bundle.zip"), 404, "not_found")
    assert_error(api.get("/api/v1/evidence/cases/0/bundle.zip"), 422, "invalid_input")
    assert_error(api_client().get(f"/api/v1/evidence/cases/{sealed_case.pk}/bundle.zip"), 401)


def test_status_api_is_for_operators(sealed_case, operator, buyer, api_client):
    assert_error(api_client(buyer).get("/api/v1/evidence/status"), 403)
    body = api_client(operator).get("/api/v1/evidence/status").json()
    assert body["seal"]["leaf_count"] >= 2 and body["seal"]["method"] == "ed25519"
    assert body["audit"] is None


def test_operator_dashboard_shows_seal_and_runs_audit_and_seal(sealed_case, operator, buyer, client):
    client.force_login(buyer)
    assert client.get("/operator/evidence/").status_code == 403
    client.force_login(operator)
    page = client.get("/operator/evidence/").content.decode()
    assert 'data-testid="last-seal"' in page and 'data-testid="audit-now"' in page
    response = client.post("/operator/evidence/", {"action": "audit"}, follow=True)
    assert 'data-testid="audit-ok"' in response.content.decode()
    response = client.post("/operator/evidence/", {"action": "seal"}, follow=True)
    assert response.status_code == 200
    assert client.post("/operator/evidence/", {"action": "nope"}).status_code == 422
