import base64
import json
import shutil
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kameng.evidence import merkle, tsa
from kameng.evidence.tests.tsa_server import start_tsa

ROOT = merkle.root([merkle.leaf_hash("order:1", 1, "a" * 64)]).hex()
OTHER_ROOT = merkle.root([merkle.leaf_hash("order:1", 2, "b" * 64)]).hex()
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")


@pytest.fixture
def stamper():
    moment = datetime(2025, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
    return tsa.Ed25519Timestamper(Ed25519PrivateKey.generate(), clock=lambda: moment)


def test_ed25519_round_trip(stamper):
    stamp = stamper.stamp(ROOT)
    assert stamp.stamped_at == datetime(2025, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
    assert tsa.verify_stamp("ed25519", ROOT, stamp.token, stamp.verifier_pem) == stamp.stamped_at


def test_ed25519_tampered_root_time_token_or_key_fails(stamper):
    stamp = stamper.stamp(ROOT)
    with pytest.raises(ValueError, match="signature"):
        tsa.verify_stamp("ed25519", OTHER_ROOT, stamp.token, stamp.verifier_pem)
    doc = json.loads(stamp.token)
    doc["stamped_at"] = "2025-03-04T05:06:07.890124Z"
    with pytest.raises(ValueError, match="signature"):
        tsa.verify_stamp("ed25519", ROOT, json.dumps(doc).encode(), stamp.verifier_pem)
    doc = json.loads(stamp.token)
    sig = bytearray(base64.b64decode(doc["sig"]))
    sig[0] ^= 1
    doc["sig"] = base64.b64encode(bytes(sig)).decode()
    with pytest.raises(ValueError, match="signature"):
        tsa.verify_stamp("ed25519", ROOT, json.dumps(doc).encode(), stamp.verifier_pem)
    with pytest.raises(ValueError, match="malformed"):
        tsa.verify_stamp("ed25519", ROOT, b"garbage", stamp.verifier_pem)
    other_key = tsa.Ed25519Timestamper(Ed25519PrivateKey.generate()).public_pem
    with pytest.raises(ValueError, match="signature"):
        tsa.verify_stamp("ed25519", ROOT, stamp.token, other_key)
    with pytest.raises(ValueError, match="unknown timestamp method"):
        tsa.verify_stamp("md5", ROOT, stamp.token, stamp.verifier_pem)


def test_ed25519_key_file_is_created_once_private(tmp_path):
    path = tmp_path / "seal.pem"
    first = tsa.Ed25519Timestamper(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert tsa.Ed25519Timestamper(path).public_pem == first.public_pem


def test_current_timestamper_follows_settings(settings, tmp_path):
    settings.KAMENG_TSA_URL = ""
    settings.KAMENG_SEAL_KEY_FILE = tmp_path / "seal.pem"
    assert isinstance(tsa.current_timestamper(), tsa.Ed25519Timestamper)
    settings.KAMENG_TSA_URL = "http://127.0.0.1:9/"
    settings.KAMENG_TSA_CERT_FILE = ""
    with pytest.raises(ValueError, match="KAMENG_TSA_CERT_FILE"):
        tsa.current_timestamper()


@pytest.fixture(scope="module")
def tsa_server(tmp_path_factory):
    server = start_tsa(tmp_path_factory.mktemp("tsa"))
    yield server
    server.close()


@needs_openssl
def test_rfc3161_round_trip_against_openssl_ts(tsa_server):
    stamp = tsa.Rfc3161Timestamper(tsa_server.url, tsa_server.cert_pem).stamp(ROOT)
    assert abs((datetime.now(UTC) - stamp.stamped_at).total_seconds()) < 120
    assert tsa.verify_stamp("rfc3161", ROOT, stamp.token, stamp.verifier_pem) == stamp.stamped_at
    with pytest.raises(ValueError, match="does not verify"):
        tsa.verify_stamp("rfc3161", OTHER_ROOT, stamp.token, stamp.verifier_pem)
    corrupt = bytearray(stamp.token)
    corrupt[-10] ^= 0xFF
    with pytest.raises(ValueError):
        tsa.verify_stamp("rfc3161", ROOT, bytes(corrupt), stamp.verifier_pem)


@needs_openssl
def test_rfc3161_token_from_another_authority_fails(tsa_server, tmp_path):
    stranger = start_tsa(tmp_path)
    try:
        stamp = tsa.Rfc3161Timestamper(stranger.url, stranger.cert_pem).stamp(ROOT)
    finally:
        stranger.close()
    with pytest.raises(ValueError, match="does not verify"):
        tsa.verify_stamp("rfc3161", ROOT, stamp.token, tsa_server.cert_pem)
