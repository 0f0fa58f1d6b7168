"""`kameng serve` runs the real WSGI server (gunicorn), not runserver."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_kameng_serve_answers_health_checks(tmp_path):
    port = _free_port()
    kameng = Path(sys.executable).with_name("kameng")
    env = {**os.environ, "KAMENG_DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    proc = subprocess.Popen(
        [str(kameng), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        body = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    body = json.loads(response.read())
                    server = response.headers.get("Server", "")
                    break
            except OSError:
                time.sleep(0.3)
        assert body == {"status": "ok", "database": "sqlite"}, proc.stdout.read1() if proc.stdout else ""
        assert "gunicorn" in server.lower()
        # A request line over gunicorn's limit is refused by gunicorn itself: in our error shape.
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/{'a' * 5000}", timeout=5)
            raise AssertionError("a 5,000-character address was accepted")
        except urllib.error.HTTPError as err:
            assert err.code == 414
            assert err.headers["Content-Type"] == "application/json"
            assert json.loads(err.read())["error"]["code"] == "uri_too_long"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
