"""Timestamps for seals: who vouches that a Merkle root existed at a given moment.

Two methods, one interface (``Timestamper.stamp(root_hex) -> Stamp``) and one offline check
(``verify_stamp(method, root_hex, token, verifier_pem) -> datetime``, raising ValueError with the
reason). The check needs no Django and no database: the bundle verifier runs it on its own.

``ed25519`` (default): the platform signs ``b"kameng-seal:v1:" + root_hex + ":" + stamped_at``
with its own Ed25519 key (``KAMENG_SEAL_KEY_FILE``, generated on first use). ``stamped_at`` is UTC
with six fractional digits and a ``Z`` (the timeline's format). The token is UTF-8 JSON::

    {"v": 1, "alg": "ed25519", "stamped_at": "2025-01-02T03:04:05.000006Z", "sig": "<base64>"}

and ``verifier_pem`` is the public key (SubjectPublicKeyInfo PEM). This proves the platform's
claim, no more: a platform that wants to lie can sign any time. Hence:

``rfc3161``: an outside time-stamping authority (``KAMENG_TSA_URL``, certificates in
``KAMENG_TSA_CERT_FILE``) signs the SHA-256 of the 32 root bytes. The request carries a nonce and
asks for the TSA certificate; the response is checked against the configured certificates, the
message imprint and the nonce before it is kept. The token stored is the whole DER
TimeStampResp (status + TimeStampToken), which ``rfc3161-client`` parses and verifies as is;
``verifier_pem`` is the configured certificate file (TSA certificate and its CA chain).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import urllib.request
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kameng.timeline.canonical import format_time

ED25519 = "ed25519"
RFC3161 = "rfc3161"
SIGNING_PREFIX = b"kameng-seal:v1:"
TSA_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Stamp:
    token: bytes
    stamped_at: datetime
    verifier_pem: str


class Timestamper(ABC):
    method: str

    @abstractmethod
    def stamp(self, root_hex: str) -> Stamp: ...


def _root_bytes(root_hex: str) -> bytes:
    try:
        raw = bytes.fromhex(root_hex)
    except (ValueError, TypeError) as exc:
        raise ValueError("the root is not hex") from exc
    if len(raw) != 32:
        raise ValueError("the root is not 32 bytes")
    return raw


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("stamped_at has no time zone")
    return moment.astimezone(UTC)


# --- Ed25519 ----------------------------------------------------------------------------------


def _signed_message(root_hex: str, stamped_at: str) -> bytes:
    return SIGNING_PREFIX + root_hex.encode("ascii") + b":" + stamped_at.encode("ascii")


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The platform's seal key, created on first use like the secret key (0600, never replaced:
    O_EXCL makes a second process racing to create it read the winner's key instead)."""
    path = Path(path)
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


class Ed25519Timestamper(Timestamper):
    method = ED25519

    def __init__(self, key: Ed25519PrivateKey | Path | str, *, clock=None):
        self._key = key if isinstance(key, Ed25519PrivateKey) else load_or_create_key(Path(key))
        self._clock = clock or (lambda: datetime.now(UTC))

    @property
    def public_pem(self) -> str:
        return (
            self._key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode("ascii")
        )

    def stamp(self, root_hex: str) -> Stamp:
        _root_bytes(root_hex)
        stamped_at = format_time(self._clock())
        signature = self._key.sign(_signed_message(root_hex, stamped_at))
        token = {"v": 1, "alg": ED25519, "stamped_at": stamped_at, "sig": base64.b64encode(signature).decode()}
        body = json.dumps(token, sort_keys=True, separators=(",", ":")).encode()
        return Stamp(token=body, stamped_at=_parse_time(stamped_at), verifier_pem=self.public_pem)


def _verify_ed25519(root_hex: str, token: bytes, verifier_pem: str) -> datetime:
    try:
        doc = json.loads(bytes(token).decode("utf-8"))
        stamped_at, signature = doc["stamped_at"], base64.b64decode(doc["sig"], validate=True)
        if doc.get("v") != 1 or doc.get("alg") != ED25519:
            raise ValueError("unknown token version or algorithm")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise ValueError(f"malformed Ed25519 token: {exc}") from exc
    try:
        public = serialization.load_pem_public_key(verifier_pem.encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise ValueError("the verifier is not a PEM public key") from exc
    if not isinstance(public, Ed25519PublicKey):
        raise ValueError("the verifier is not an Ed25519 public key")
    try:
        public.verify(signature, _signed_message(root_hex, stamped_at))
    except (InvalidSignature, UnicodeEncodeError) as exc:
        raise ValueError("the Ed25519 signature does not match this root and time") from exc
    return _parse_time(stamped_at)


# --- RFC 3161 ---------------------------------------------------------------------------------


def _certificates(pem: str) -> list[x509.Certificate]:
    try:
        certs = x509.load_pem_x509_certificates(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise ValueError("the verifier is not a PEM certificate chain") from exc
    if not certs:
        raise ValueError("the verifier holds no certificate")
    return certs


def _is_tsa(cert: x509.Certificate) -> bool:
    try:
        usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return x509.ExtendedKeyUsageOID.TIME_STAMPING in usage


def _verifier(verifier_pem: str, *, nonce: int | None = None):
    from rfc3161_client import VerifierBuilder

    certs = _certificates(verifier_pem)
    # Every configured certificate is trusted (they are what the operator chose); the one with the
    # timeStamping usage is pinned as the signer so another cert of the same CA cannot stand in.
    builder = VerifierBuilder(roots=list(certs), nonce=nonce)
    signers = [cert for cert in certs if _is_tsa(cert)]
    if len(signers) == 1:
        builder = builder.tsa_certificate(signers[0])
    return builder.build()


def _check_response(response, root_hex: str, verifier_pem: str, *, nonce: int | None = None) -> datetime:
    from rfc3161_client import VerificationError

    root = _root_bytes(root_hex)
    try:
        _verifier(verifier_pem, nonce=nonce).verify(response, hashlib.sha256(root).digest())
    except VerificationError as exc:
        raise ValueError(f"RFC 3161 token does not verify: {exc}") from exc
    moment = response.tst_info.gen_time
    if moment.tzinfo is None:  # genTime is GeneralizedTime in UTC (RFC 3161 section 2.4.2)
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _verify_rfc3161(root_hex: str, token: bytes, verifier_pem: str) -> datetime:
    from rfc3161_client import decode_timestamp_response

    try:
        response = decode_timestamp_response(bytes(token))
    except Exception as exc:  # the parser raises its own error types
        raise ValueError(f"malformed RFC 3161 response: {exc}") from exc
    return _check_response(response, root_hex, verifier_pem)


class Rfc3161Timestamper(Timestamper):
    method = RFC3161

    def __init__(self, url: str, cert_pem: str):
        if not url.startswith(("http://", "https://")):
            raise ValueError("the TSA URL must be http(s)")
        _certificates(cert_pem)
        self.url, self.cert_pem = url, cert_pem

    def stamp(self, root_hex: str) -> Stamp:
        from rfc3161_client import HashAlgorithm, TimestampRequestBuilder, decode_timestamp_response

        root = _root_bytes(root_hex)
        request = (
            TimestampRequestBuilder()
            .data(root)
            .hash_algorithm(HashAlgorithm.SHA256)
            .nonce(nonce=True)
            .cert_request(cert_request=True)
            .build()
        )
        http_request = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
            self.url,
            data=request.as_bytes(),
            headers={"Content-Type": "application/timestamp-query", "Accept": "application/timestamp-reply"},
            method="POST",
        )
        with urllib.request.urlopen(http_request, timeout=TSA_TIMEOUT_SECONDS) as reply:  # noqa: S310
            body = reply.read()
        try:
            response = decode_timestamp_response(body)
        except Exception as exc:
            raise ValueError(f"the TSA sent no valid response: {exc}") from exc
        stamped_at = _check_response(response, root_hex, self.cert_pem, nonce=request.nonce)
        if response.tst_info.message_imprint.message != hashlib.sha256(root).digest():
            raise ValueError("the TSA stamped another message")
        return Stamp(token=response.as_bytes(), stamped_at=stamped_at, verifier_pem=self.cert_pem)


# --- Offline check and configuration ----------------------------------------------------------


def verify_stamp(method: str, root_hex: str, token: bytes, verifier_pem: str) -> datetime:
    """The time the token asserts for ``root_hex``; ValueError with the reason if it does not verify."""
    if method == ED25519:
        return _verify_ed25519(root_hex, token, verifier_pem)
    if method == RFC3161:
        return _verify_rfc3161(root_hex, token, verifier_pem)
    raise ValueError(f"unknown timestamp method {method!r}")


# --- Trust anchors --------------------------------------------------------------------------------
# A seal proves something only if its key is the platform's (or its TSA's): a forger can sign a
# whole fabricated bundle with a fresh key and ship that key inside. So seals are verified against
# keys the relying party got elsewhere (the platform publishes them at /evidence/keys/), never
# against the verifier a bundle or a database row carries.


def public_pem_of(pem: str) -> str:
    """An Ed25519 public key in the platform's own PEM form (SubjectPublicKeyInfo, LF line ends), so
    keys copied through other tools compare equal; ValueError if ``pem`` is not one."""
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise ValueError("not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def check_tsa_ca(pem: str) -> str:
    """``pem`` if it holds at least one PEM certificate (a TSA chain to trust); ValueError if not."""
    _certificates(pem)
    return pem


def key_fingerprint(pem: str) -> str:
    """SHA-256 of the key's DER form (SubjectPublicKeyInfo), in hex: what people compare by eye;
    ``openssl pkey -pubin -in KEY.pem -outform DER | sha256sum`` prints the same."""
    der = serialization.load_pem_public_key(public_pem_of(pem).encode("ascii")).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def verify_stamp_trusted(
    method: str, root_hex: str, token: bytes, *, trusted_keys: list[str], tsa_ca: list[str]
) -> tuple[datetime, str]:
    """Like verify_stamp, but only against anchors the caller trusts: an Ed25519 token must verify
    with one of ``trusted_keys``, an RFC 3161 token must chain to ``tsa_ca`` (PEM texts). Returns
    the asserted time and the anchor that vouched for it; ValueError if none does."""
    if method == ED25519:
        anchors = [public_pem_of(pem) for pem in trusted_keys]
        if not anchors:
            raise ValueError("no trusted Ed25519 key was given")
        failure: ValueError | None = None
        for anchor in anchors:
            try:
                return _verify_ed25519(root_hex, token, anchor), anchor
            except ValueError as exc:
                failure = exc
        raise ValueError(str(failure))
    if method == RFC3161:
        if not tsa_ca:
            raise ValueError("no trusted TSA certificate was given")
        chain = "\n".join(pem.strip() for pem in tsa_ca) + "\n"
        return _verify_rfc3161(root_hex, token, chain), chain
    raise ValueError(f"unknown timestamp method {method!r}")


def published_seal_keys() -> list[str]:
    """The platform's Ed25519 public keys relying parties should trust: the current one (from
    KAMENG_SEAL_KEY_FILE, created on first use like the secret key)."""
    from django.conf import settings

    key = load_or_create_key(Path(settings.KAMENG_SEAL_KEY_FILE))
    return [Ed25519Timestamper(key).public_pem]


def published_tsa_ca() -> str:
    """The TSA certificate chain (KAMENG_TSA_CERT_FILE), or "" when no TSA is configured."""
    from django.conf import settings

    cert_file = getattr(settings, "KAMENG_TSA_CERT_FILE", "")
    return Path(cert_file).read_text() if cert_file else ""


def configured_trust() -> tuple[list[str], list[str]]:
    """(trusted Ed25519 keys, trusted TSA chains) of this installation, for the audit and for
    ``kameng evidence verify`` run on the platform host."""
    ca = published_tsa_ca()
    return published_seal_keys(), [ca] if ca else []


def current_timestamper() -> Timestamper:
    """The configured timestamper: RFC 3161 when KAMENG_TSA_URL is set, else the platform key."""
    from django.conf import settings

    url = getattr(settings, "KAMENG_TSA_URL", "")
    if url:
        cert_file = getattr(settings, "KAMENG_TSA_CERT_FILE", "")
        if not cert_file:
            raise ValueError("KAMENG_TSA_URL is set but KAMENG_TSA_CERT_FILE is not")
        return Rfc3161Timestamper(url, Path(cert_file).read_text())
    return Ed25519Timestamper(Path(settings.KAMENG_SEAL_KEY_FILE))
