"""The HTTP client for an upstream supplier (PROTOCOL.md), standard library only.

Only a *signed* answer counts. Anything else (timeout, refused connection, 5xx, an unsigned or
malformed reply) raises a ``SupplierError``: the outcome is then unknown, never "failed", because
the supplier may have topped up the account and money is refunded only on a definite failure.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from kameng.suppliers.conf import SupplierConfig, supplier_config
from kameng.suppliers.signing import SIGNATURE_HEADER, request_signature, verify_answer

ANSWER_STATUSES = ("accepted", "succeeded", "failed")
MAX_ANSWER_BYTES = 64 * 1024


class SupplierError(Exception):
    """No definite answer. ``kind`` says why, for the request's log."""

    kind = "error"


class SupplierTimeout(SupplierError):
    kind = "timeout"


class SupplierUnreachable(SupplierError):
    kind = "unreachable"


class SupplierProtocolError(SupplierError):
    kind = "protocol"


class SupplierRejected(SupplierError):
    """A signed 400: the supplier refused the request as invalid, so it topped up nothing."""

    kind = "rejected"


class SupplierNotFound(SupplierError):
    """A signed 404 to a query: the supplier never received this request_id (safe to send again)."""

    kind = "not_found"


@dataclass(frozen=True)
class SupplierAnswer:
    request_id: str
    status: str  # accepted | succeeded | failed
    supplier_ref: str
    message: str
    raw: dict


class SupplierClient:
    def __init__(self, config: SupplierConfig | None = None) -> None:
        self.config = config or supplier_config()

    def submit(
        self, *, request_id: str, sku: str, face_value_fen: int, quantity: int, fields: dict, timestamp: datetime
    ) -> SupplierAnswer:
        body = json.dumps(
            {
                "request_id": request_id,
                "sku": sku,
                "face_value_fen": face_value_fen,
                "quantity": quantity,
                "fields": fields,
                "timestamp": timestamp.isoformat(),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        return self._call("POST", "/topups", body, request_id)

    def query(self, *, request_id: str) -> SupplierAnswer:
        return self._call("GET", f"/topups/{quote(request_id, safe='')}", b"", request_id)

    def _call(self, method: str, path: str, body: bytes, request_id: str) -> SupplierAnswer:
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            SIGNATURE_HEADER: request_signature(self.config.secret, method, path, body),
        }
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's configured supplier
            self.config.url + path, data=body if method == "POST" else None, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:  # noqa: S310
                status, reply, signature = response.status, response.read(MAX_ANSWER_BYTES + 1), response.headers
        except urllib.error.HTTPError as exc:
            status, reply, signature = exc.code, exc.read(MAX_ANSWER_BYTES + 1), exc.headers
        except TimeoutError as exc:
            raise SupplierTimeout(f"no answer within {self.config.timeout:g} s") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise SupplierTimeout(f"no answer within {self.config.timeout:g} s") from exc
            raise SupplierUnreachable(f"cannot reach the supplier: {exc.reason}") from exc
        except (ConnectionError, OSError) as exc:  # reset or closed mid-answer
            raise SupplierUnreachable(f"connection lost: {exc}") from exc
        return self._parse(status, reply, signature.get(SIGNATURE_HEADER), request_id)

    def _parse(self, status: int, reply: bytes, signature: str | None, request_id: str) -> SupplierAnswer:
        if len(reply) > MAX_ANSWER_BYTES:
            raise SupplierProtocolError("answer too large")
        if not verify_answer(self.config.secret, reply, signature):
            raise SupplierProtocolError(f"HTTP {status}: answer without a valid signature")
        try:
            data = json.loads(reply)
        except ValueError as exc:
            raise SupplierProtocolError(f"HTTP {status}: answer is not JSON") from exc
        if not isinstance(data, dict):
            raise SupplierProtocolError(f"HTTP {status}: answer is not an object")
        if status == 404:
            raise SupplierNotFound(str(data.get("message", "not found"))[:200])
        if status == 400:
            raise SupplierRejected(f"{data.get('error', '')}: {data.get('message', '')}"[:200])
        if status != 200:
            raise SupplierProtocolError(f"HTTP {status}: {data.get('error', '')} {data.get('message', '')}"[:200])
        if data.get("request_id") != request_id or data.get("status") not in ANSWER_STATUSES:
            raise SupplierProtocolError("answer does not match the request")
        return SupplierAnswer(
            request_id=request_id,
            status=data["status"],
            supplier_ref=str(data.get("supplier_ref") or "")[:64],
            message=str(data.get("message") or "")[:255],
            raw=data,
        )
