"""The gunicorn worker ``kameng serve`` runs.

gunicorn answers some malformed requests itself, before Django sees them: a request line over its
limit (414), headers over theirs (431), a request it cannot parse (400). Its answer is an HTML page;
ours is the API's error shape, so a client never has to parse two kinds of error."""

from __future__ import annotations

import json

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

# gunicorn's status → our error code; anything else it answers is a malformed request.
_CODES = {403: "permission_denied", 414: "uri_too_long", 431: "headers_too_large", 500: "internal_error"}


def write_error(sock, status_int: int, reason: str, mesg: str) -> None:
    from django.conf import settings
    from django.utils import translation

    from kameng.core.errors import payload_for

    with translation.override(settings.LANGUAGE_CODE):
        _status, payload = payload_for(_CODES.get(status_int, "bad_request"))
        body = json.dumps(payload, ensure_ascii=False).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin1") + body)


class Worker(ThreadWorker):
    def init_process(self):
        # The base worker's handle_error writes through ``util.write_error``: answer in our shape.
        util.write_error = write_error
        super().init_process()
