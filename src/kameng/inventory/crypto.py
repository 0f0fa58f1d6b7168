"""The card-key keyring: AES-256-GCM keys by id, one active, plus one HMAC-SHA256 fingerprint key.

Loaded from ``settings.KAMENG_KEYRING`` (a JSON string) when set, else from
``settings.KAMENG_KEYRING_FILE``, which is created with random keys and mode 0600 on first use.
The file form is::

    {"version": 1, "active": "<id>", "aes": {"<id>": "<base64 32 bytes>", ...},
     "fingerprint": "<base64 32 bytes>"}

The fingerprint key never rotates: every fingerprint ever stored must stay comparable, or the
global duplicate check would silently stop working. Only AES keys rotate (see ``rotate``).

Decryption is deliberately narrow: ``decrypt`` is called only by ``services.reveal_card_key``
(the buyer) and by key rotation, which re-encrypts without returning plaintext.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.signals import setting_changed
from django.utils import timezone

from kameng.core.errors import DomainError

NONCE_BYTES = 12  # 96-bit nonce, the size GCM is designed for
KEY_BYTES = 32  # AES-256, HMAC-SHA256


class KeyringError(Exception):
    """The keyring is missing, malformed, or does not hold a key a row needs."""


class DecryptionError(Exception):
    """Ciphertext failed authentication: tampered, moved to another row, or the wrong key."""


@dataclass
class Keyring:
    active: str
    aes: dict[str, bytes]
    fingerprint_key: bytes
    source: str = "file"  # "file" or "setting"; only a file keyring can be rotated in place

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": 1,
                "active": self.active,
                "aes": {kid: _b64(key) for kid, key in self.aes.items()},
                "fingerprint": _b64(self.fingerprint_key),
            },
            indent=2,
            sort_keys=True,
        )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as exc:
        raise KeyringError(f"{what} is not base64") from exc
    if len(raw) != KEY_BYTES:
        raise KeyringError(f"{what} must be {KEY_BYTES} bytes")
    return raw


def new_key_id() -> str:
    return "k" + timezone.now().strftime("%Y%m%d%H%M%S") + secrets.token_hex(3)


def parse_keyring(text: str, *, source: str) -> Keyring:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise KeyringError("keyring is not valid JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("aes"), dict) or not data["aes"]:
        raise KeyringError("keyring needs an 'aes' object with at least one key")
    aes = {str(kid): _unb64(key, f"aes key {kid}") for kid, key in data["aes"].items()}
    if any(len(kid) > 32 or not kid for kid in aes):
        raise KeyringError("key ids are 1 to 32 characters")
    active = data.get("active")
    if active not in aes:
        raise KeyringError("'active' must name one of the aes keys")
    return Keyring(
        active=active, aes=aes, fingerprint_key=_unb64(data.get("fingerprint", ""), "fingerprint key"), source=source
    )


def generate_keyring() -> Keyring:
    kid = new_key_id()
    return Keyring(
        active=kid, aes={kid: secrets.token_bytes(KEY_BYTES)}, fingerprint_key=secrets.token_bytes(KEY_BYTES)
    )


def _write_new_file(path: Path, text: str) -> None:
    """Create the keyring file atomically and only if absent, so two processes starting at once can
    never each invent a different keyring: the loser of the link() race reads the winner's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)


def save_keyring_file(keyring: Keyring, path: Path | None = None) -> None:
    """Replace the keyring file atomically (write a 0600 temp file, fsync, rename)."""
    path = Path(path or settings.KAMENG_KEYRING_FILE)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(keyring.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    reset_cache()


_lock = threading.Lock()
_cache: dict[str, tuple[object, Keyring]] = {}


def reset_cache(**_kwargs) -> None:
    with _lock:
        _cache.clear()


def _on_setting_changed(*, setting, **kwargs) -> None:
    if setting in ("KAMENG_KEYRING", "KAMENG_KEYRING_FILE"):
        reset_cache()


setting_changed.connect(_on_setting_changed)


def load_keyring() -> Keyring:
    """The current keyring. A file keyring is re-read when the file changes (another process
    rotated it), so every server process picks up a new active key without a restart."""
    inline = getattr(settings, "KAMENG_KEYRING", "") or ""
    if inline.strip():
        stamp: object = ("setting", inline)
        with _lock:
            cached = _cache.get("keyring")
            if cached and cached[0] == stamp:
                return cached[1]
        keyring = parse_keyring(inline, source="setting")
    else:
        path = Path(settings.KAMENG_KEYRING_FILE)
        if not path.exists():
            _write_new_file(path, generate_keyring().to_json())
        st = path.stat()
        stamp = ("file", str(path), st.st_mtime_ns, st.st_size, st.st_ino)
        with _lock:
            cached = _cache.get("keyring")
            if cached and cached[0] == stamp:
                return cached[1]
        keyring = parse_keyring(path.read_text(encoding="utf-8"), source="file")
    with _lock:
        _cache["keyring"] = (stamp, keyring)
    return keyring


def keyring_or_error() -> Keyring:
    try:
        return load_keyring()
    except (KeyringError, OSError) as exc:
        raise DomainError("inventory.keyring_error") from exc


# --- fingerprints --------------------------------------------------------------------------------


def normalise_code(code: str) -> str:
    """The form a code is compared in: NFKC (full-width → ASCII), trimmed, case-folded.

    Case-folded on purpose: re-importing a code in other letter case must not pass as a new code;
    the ciphertext keeps the code exactly as the merchant supplied it."""
    return unicodedata.normalize("NFKC", code).strip().casefold()


def fingerprint(code: str, *, keyring: Keyring | None = None) -> str:
    """HMAC-SHA256 over the normalised code only: the same code with another password is the same
    card and must count as a duplicate."""
    keyring = keyring or keyring_or_error()
    return hmac.new(keyring.fingerprint_key, normalise_code(code).encode("utf-8"), hashlib.sha256).hexdigest()


# --- encryption ----------------------------------------------------------------------------------

_SEP = "\n"  # codes and passwords never contain control characters (parsing rejects them)


def _pack(code: str, password: str | None) -> bytes:
    return (code if password is None else f"{code}{_SEP}{password}").encode("utf-8")


def _unpack(raw: bytes) -> tuple[str, str | None]:
    text = raw.decode("utf-8")
    code, sep, password = text.partition(_SEP)
    return code, (password if sep else None)


def encrypt(*, code: str, password: str | None, fingerprint: str, keyring: Keyring | None = None) -> tuple[str, bytes]:
    """→ (key_id, nonce + ciphertext). The fingerprint is the associated data, so a ciphertext
    copied onto another row fails to decrypt there."""
    keyring = keyring or keyring_or_error()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(keyring.aes[keyring.active]).encrypt(nonce, _pack(code, password), fingerprint.encode("ascii"))
    return keyring.active, nonce + sealed


def decrypt(*, key_id: str, blob: bytes, fingerprint: str, keyring: Keyring | None = None) -> tuple[str, str | None]:
    keyring = keyring or keyring_or_error()
    key = keyring.aes.get(key_id)
    if key is None:
        raise KeyringError(f"no key {key_id!r} in the keyring")
    blob = bytes(blob)
    if len(blob) <= NONCE_BYTES:
        raise DecryptionError("ciphertext too short")
    try:
        raw = AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], fingerprint.encode("ascii"))
    except InvalidTag as exc:
        raise DecryptionError("card key failed authentication") from exc
    return _unpack(raw)


def reencrypt(*, key_id: str, blob: bytes, fingerprint: str, keyring: Keyring) -> tuple[str, bytes]:
    """Rotation: open under the old key, seal under the active key; plaintext never leaves here."""
    code, password = decrypt(key_id=key_id, blob=blob, fingerprint=fingerprint, keyring=keyring)
    return encrypt(code=code, password=password, fingerprint=fingerprint, keyring=keyring)


def with_new_active_key(keyring: Keyring) -> Keyring:
    kid = new_key_id()
    while kid in keyring.aes:
        kid = new_key_id()
    return Keyring(
        active=kid,
        aes={**keyring.aes, kid: secrets.token_bytes(KEY_BYTES)},
        fingerprint_key=keyring.fingerprint_key,
        source=keyring.source,
    )


def without_keys(keyring: Keyring, retired: set[str]) -> Keyring:
    if keyring.active in retired:
        raise KeyringError("the active key cannot be retired")
    return Keyring(
        active=keyring.active,
        aes={kid: key for kid, key in keyring.aes.items() if kid not in retired},
        fingerprint_key=keyring.fingerprint_key,
        source=keyring.source,
    )
