"""A real RFC 3161 time-stamping authority for tests: ``openssl ts -reply`` behind http.server.

``start_tsa(directory)`` makes a throw-away CA and a TSA certificate signed by it (extendedKeyUsage
critical, timeStamping, as RFC 3161 section 2.3 demands), writes the minimal ``openssl ts``
configuration (``man ts``, CONFIGURATION FILE OPTIONS) and serves POSTed
application/timestamp-query bodies on 127.0.0.1 in a thread. Nothing here is mocked: the reply is
what any standard TSA would send.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

OPENSSL = shutil.which("openssl")

_CONFIG = """\
# No "certs" line: openssl would add the CA to the token's certificate SET unsorted, which is not
# DER and strict parsers (rfc3161-client) refuse; the signer certificate alone goes in the token.
[ tsa ]
default_tsa = tsa_config1

[ tsa_config1 ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""

_TSA_EXTENSIONS = """\
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
"""


def _run(*args: str, cwd: Path) -> None:
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True)


def make_ca_and_tsa(directory: Path) -> None:
    d = directory
    _run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
         "-days", "2", "-subj", "/CN=Kameng Test CA",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
         cwd=d)  # fmt: skip
    _run("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr",
         "-subj", "/CN=Kameng Test TSA", cwd=d)  # fmt: skip
    (d / "tsa.ext").write_text(_TSA_EXTENSIONS)
    _run("x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
         "-out", "tsa.crt", "-days", "2", "-sha256", "-extfile", "tsa.ext", cwd=d)  # fmt: skip
    (d / "serial").write_text("01\n")
    (d / "tsa.cnf").write_text(_CONFIG.format(dir=d))


@dataclass
class TsaServer:
    url: str
    cert_pem: str  # TSA certificate, then the CA: what KAMENG_TSA_CERT_FILE holds
    directory: Path
    server: ThreadingHTTPServer
    requests: int = 0

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_tsa(directory: Path | None = None) -> TsaServer:
    d = Path(directory or tempfile.mkdtemp(prefix="kameng-tsa-")).resolve()
    d.mkdir(parents=True, exist_ok=True)
    make_ca_and_tsa(d)
    lock = threading.Lock()  # openssl ts rewrites the serial file: one reply at a time

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.headers.get("Content-Type") != "application/timestamp-query":
                self.send_error(415)
                return
            query = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                (d / "query.tsq").write_bytes(query)
                done = subprocess.run(
                    [OPENSSL, "ts", "-reply", "-config", "tsa.cnf", "-queryfile", "query.tsq", "-out", "reply.tsr"],
                    cwd=d,
                    capture_output=True,
                    check=False,
                )
                reply = (d / "reply.tsr").read_bytes() if done.returncode == 0 else b""
                tsa.requests += 1
            if not reply:
                self.send_error(500, done.stderr.decode(errors="replace")[:200])
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    cert_pem = (d / "tsa.crt").read_text() + (d / "ca.crt").read_text()
    tsa = TsaServer(url=f"http://127.0.0.1:{server.server_port}/", cert_pem=cert_pem, directory=d, server=server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return tsa
