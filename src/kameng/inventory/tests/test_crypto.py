import json
import stat

import pytest

from kameng.inventory import crypto


def test_keyring_file_created_on_first_use_with_mode_0600(keyring_file):
    assert not keyring_file.exists()
    ring = crypto.load_keyring()
    assert keyring_file.exists()
    assert stat.S_IMODE(keyring_file.stat().st_mode) == 0o600
    data = json.loads(keyring_file.read_text())
    assert data["active"] == ring.active and set(data["aes"]) == {ring.active}
    assert len(ring.aes[ring.active]) == 32 and len(ring.fingerprint_key) == 32
    # same file, same keys on the next load
    crypto.reset_cache()
    assert crypto.load_keyring().aes == ring.aes


def test_keyring_from_setting_wins_over_file(settings, keyring_file):
    ring = crypto.generate_keyring()
    settings.KAMENG_KEYRING = ring.to_json()
    loaded = crypto.load_keyring()
    assert loaded.aes == ring.aes and loaded.source == "setting"
    assert not keyring_file.exists()


@pytest.mark.parametrize(
    "text",
    ["not json", "{}", '{"aes": {"k": "AAAA"}, "active": "k", "fingerprint": "AAAA"}', '{"aes": {"k": "x"}}'],
)
def test_damaged_keyring_is_an_error(settings, text):
    settings.KAMENG_KEYRING = text
    with pytest.raises(crypto.KeyringError):
        crypto.load_keyring()


def test_round_trip_with_and_without_password():
    fp = crypto.fingerprint("ABC123")
    for password in ("secret", None, "含中文"):
        key_id, blob = crypto.encrypt(code="ABC123", password=password, fingerprint=fp)
        assert b"ABC123" not in blob
        assert crypto.decrypt(key_id=key_id, blob=blob, fingerprint=fp) == ("ABC123", password)


def test_fresh_nonce_every_time():
    fp = crypto.fingerprint("ABC123")
    blobs = {crypto.encrypt(code="ABC123", password=None, fingerprint=fp)[1] for _ in range(20)}
    assert len(blobs) == 20
    assert len({b[:12] for b in blobs}) == 20


def test_tampered_ciphertext_fails():
    fp = crypto.fingerprint("ABC123")
    key_id, blob = crypto.encrypt(code="ABC123", password="pw", fingerprint=fp)
    bad = bytearray(blob)
    bad[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(key_id=key_id, blob=bytes(bad), fingerprint=fp)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(key_id=key_id, blob=blob[:5], fingerprint=fp)


def test_ciphertext_moved_to_another_row_fails():
    fp_a, fp_b = crypto.fingerprint("AAA"), crypto.fingerprint("BBB")
    key_id, blob = crypto.encrypt(code="AAA", password=None, fingerprint=fp_a)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(key_id=key_id, blob=blob, fingerprint=fp_b)


def test_unknown_key_id_fails():
    fp = crypto.fingerprint("AAA")
    _kid, blob = crypto.encrypt(code="AAA", password=None, fingerprint=fp)
    with pytest.raises(crypto.KeyringError):
        crypto.decrypt(key_id="nope", blob=blob, fingerprint=fp)


def test_fingerprint_is_of_normalised_code_only():
    fp = crypto.fingerprint("ABC123")
    assert len(fp) == 64
    assert crypto.fingerprint(" ABC123\t") == fp
    assert crypto.fingerprint("ＡＢＣ１２３") == fp  # full-width
    assert crypto.fingerprint("abc123") == fp  # case-folded: no re-import in other case
    assert crypto.fingerprint("0ABC123") != fp
    assert crypto.fingerprint("00123") != crypto.fingerprint("123")  # leading zeros matter


def test_fingerprint_is_keyed(settings):
    fp = crypto.fingerprint("ABC123")
    settings.KAMENG_KEYRING = crypto.generate_keyring().to_json()
    assert crypto.fingerprint("ABC123") != fp


def test_keyring_reloaded_when_file_changes(keyring_file):
    ring = crypto.load_keyring()
    rotated = crypto.with_new_active_key(ring)
    crypto.save_keyring_file(rotated)
    assert crypto.load_keyring().active == rotated.active
    assert stat.S_IMODE(keyring_file.stat().st_mode) == 0o600


def test_active_key_cannot_be_retired():
    ring = crypto.load_keyring()
    with pytest.raises(crypto.KeyringError):
        crypto.without_keys(ring, {ring.active})


def test_only_services_decrypt():
    """No code path but the buyer's reveal (and rotation, which re-seals) may decrypt."""
    from pathlib import Path

    package = Path(crypto.__file__).resolve().parents[1]
    users = sorted(
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if "tests" not in p.parts and p.name != "crypto.py" and "decrypt(" in p.read_text(encoding="utf-8")
    )
    assert users == ["inventory/services.py"]
