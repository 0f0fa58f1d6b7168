"""The supplier protocol's signature (see PROTOCOL.md): HMAC-SHA256, hex, in one header.

A request is signed over ``METHOD \\n PATH \\n BODY`` rather than the body alone, because a GET has
an empty body: signing only the body would give every query the same signature. An answer is
signed over its body, which names the request_id it answers.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Kameng-Signature"


def request_signature(secret: str, method: str, path: str, body: bytes) -> str:
    message = method.upper().encode() + b"\n" + path.encode() + b"\n" + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def answer_signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_request(secret: str, method: str, path: str, body: bytes, signature: str | None) -> bool:
    if not signature:
        return False
    return hmac.compare_digest(request_signature(secret, method, path, body), signature.strip().lower())


def verify_answer(secret: str, body: bytes, signature: str | None) -> bool:
    if not signature:
        return False
    return hmac.compare_digest(answer_signature(secret, body), signature.strip().lower())
