"""A local upstream supplier that speaks PROTOCOL.md over real HTTP, for the demo and the tests.

Standard library only and no Django models: it keeps its state in memory, like a stranger's server
we cannot look into. What it does is chosen by the last character of the target account in
``fields`` (see ``target_account``):

    …0  fails at once                      …7  accepted, succeeds ``late_seconds`` later
    …8  accepted, fails ``late_seconds`` later   …9  never answers (POST and GET hang)
    anything else: succeeds at once

Run it with ``kameng supplier-sim`` or, in tests, ``SupplierSimulator(port=0).start()``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kameng.suppliers.signing import SIGNATURE_HEADER, answer_signature, verify_request

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
ACCOUNT_KEYS = ("account", "game_account", "phone", "qq", "uid")
TOPUP_PATH = re.compile(r"^/topups/([A-Za-z0-9_.:-]{1,64})$")


def target_account(fields: dict) -> str:
    """The account being topped up: the first of ACCOUNT_KEYS present, else the first field."""
    for key in ACCOUNT_KEYS:
        if key in fields:
            return str(fields[key])
    return str(next(iter(fields.values()), ""))


@dataclass
class SimulatedTopup:
    request_id: str
    digest: str  # what was asked, so a repeat with other content is refused
    account: str
    face_value_fen: int
    quantity: int
    plan: str  # "succeed" | "fail" | "late_succeed" | "late_fail" | "silent"
    received_at: float
    supplier_ref: str
    topped_up: bool = False


class SupplierSimulator:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        secret: str,
        late_seconds: float = 10.0,
        hang_seconds: float = 120.0,
    ) -> None:
        self.host, self.port, self.secret = host, port, secret
        self.late_seconds, self.hang_seconds = late_seconds, hang_seconds
        self.topups: dict[str, SimulatedTopup] = {}
        self.topup_count: dict[str, int] = {}  # account -> top-ups actually performed
        self.posts = 0
        self.queries = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SupplierSimulator:
        self._stopping.clear()
        self._server = ThreadingHTTPServer((self.host, self.port), _handler_for(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        if self._server is None:
            self.start()
        try:
            while self._thread and self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def stop(self) -> None:
        self._stopping.set()  # wakes every hanging handler
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def hang(self) -> None:
        self._stopping.wait(self.hang_seconds)

    # --- behaviour -----------------------------------------------------------------------------
    @staticmethod
    def plan_for(account: str) -> str:
        return {"0": "fail", "7": "late_succeed", "8": "late_fail", "9": "silent"}.get(account[-1:], "succeed")

    def submit(self, payload: dict) -> tuple[int, dict | None]:
        """(http status, answer); answer None means: hang, never answer."""
        digest = hashlib.sha256(
            json.dumps(
                [payload["sku"], payload["face_value_fen"], payload["quantity"], payload["fields"]], sort_keys=True
            ).encode()
        ).hexdigest()
        with self._lock:
            self.posts += 1
            topup = self.topups.get(payload["request_id"])
            if topup is not None and topup.digest != digest:
                return 409, {"error": "request_id_reused", "message": "request_id was used for a different top-up"}
            if topup is None:
                account = target_account(payload["fields"])
                topup = SimulatedTopup(
                    request_id=payload["request_id"],
                    digest=digest,
                    account=account,
                    face_value_fen=payload["face_value_fen"],
                    quantity=payload["quantity"],
                    plan=self.plan_for(account),
                    received_at=time.time(),
                    supplier_ref=f"SIM{len(self.topups) + 1:08d}",
                )
                self.topups[topup.request_id] = topup
            if topup.plan == "silent":
                return 200, None
            return 200, self._answer(topup)

    def query(self, request_id: str) -> tuple[int, dict | None]:
        with self._lock:
            self.queries += 1
            topup = self.topups.get(request_id)
            if topup is None:
                return 404, {"error": "not_found", "message": "no such request_id"}
            if topup.plan == "silent":
                return 200, None
            return 200, self._answer(topup)

    def _answer(self, topup: SimulatedTopup) -> dict:
        # Called under the lock; the top-up happens at most once per request_id.
        late = time.time() >= topup.received_at + self.late_seconds
        if topup.plan == "succeed" or (topup.plan == "late_succeed" and late):
            if not topup.topped_up:
                topup.topped_up = True
                self.topup_count[topup.account] = self.topup_count.get(topup.account, 0) + topup.quantity
            status, message = "succeeded", "topped up"
        elif topup.plan == "fail":
            status, message = "failed", "account does not exist"
        elif topup.plan == "late_fail" and late:
            status, message = "failed", "upstream refused the top-up"
        else:
            status, message = "accepted", "processing"
        return {
            "request_id": topup.request_id,
            "status": status,
            "supplier_ref": topup.supplier_ref,
            "message": message,
        }


def _valid_payload(payload) -> str | None:
    """The reason a POST body is not a valid top-up, or None."""
    if not isinstance(payload, dict):
        return "body must be a JSON object"
    rid = payload.get("request_id")
    if not isinstance(rid, str) or not re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", rid):
        return "request_id: 1-64 characters of A-Z a-z 0-9 _ . : -"
    if not isinstance(payload.get("sku"), str) or not 1 <= len(payload["sku"]) <= 64:
        return "sku: a string of 1-64 characters"
    for name in ("face_value_fen", "quantity"):
        value = payload.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            return f"{name}: a positive integer"
    fields = payload.get("fields")
    if not isinstance(fields, dict) or not fields or not all(isinstance(v, str) for v in fields.values()):
        return "fields: a non-empty object of strings"
    if not isinstance(payload.get("timestamp"), str):
        return "timestamp: an ISO 8601 string"
    return None


def _handler_for(sim: SupplierSimulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "KamengSupplierSim/1"

        def log_message(self, format, *args):
            log.debug("supplier-sim %s " + format, self.address_string(), *args)

        def _send(self, status: int, answer: dict) -> None:
            body = json.dumps(answer, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header(SIGNATURE_HEADER, answer_signature(sim.secret, body))
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, code: str, message: str) -> None:
            self._send(status, {"error": code, "message": message})

        def _authentic(self, body: bytes) -> bool:
            if verify_request(sim.secret, self.command, self.path, body, self.headers.get(SIGNATURE_HEADER)):
                return True
            self._error(401, "bad_signature", "missing or wrong signature")
            return False

        def do_POST(self):
            if self.path != "/topups":
                return self._error(404, "not_found", "no such endpoint")
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                return self._error(400, "bad_request", "bad Content-Length")
            if length > MAX_BODY_BYTES:
                return self._error(413, "too_large", "body too large")
            body = self.rfile.read(length) if length > 0 else b""
            if not self._authentic(body):
                return None
            try:
                payload = json.loads(body)
            except ValueError:
                return self._error(400, "bad_request", "body is not JSON")
            reason = _valid_payload(payload)
            if reason:
                return self._error(400, "bad_request", reason)
            status, answer = sim.submit(payload)
            if answer is None:
                sim.hang()  # never answer; the connection closes when the client gives up or we stop
                return None
            return self._send(status, answer)

        def do_GET(self):
            match = TOPUP_PATH.match(self.path)
            if not match:
                return self._error(404, "not_found", "no such endpoint")
            if not self._authentic(b""):
                return None
            status, answer = sim.query(match.group(1))
            if answer is None:
                sim.hang()
                return None
            return self._send(status, answer)

    return Handler
