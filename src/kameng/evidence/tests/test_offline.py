"""Verification of a bundle on a machine where the database is gone: only the ZIP.

The verifier runs in a fresh Python process with a clean environment (no DJANGO_SETTINGS_MODULE,
DATABASE_URL pointing nowhere, an empty working directory) in which importing Django at all fails,
so it cannot have used settings or a database even by accident."""

# ruff: noqa: F811 (fixtures imported from e3_support are taken as parameters)

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kameng.evidence.bundle import build_bundle
from kameng.evidence.tests.e3_support import (  # noqa: F401 (fixtures)
    _media,
    forger,
    read_zip,
    sealed_case,
    stamper,
    trusted_key,
    write_zip,
)
from kameng.evidence.tests.test_verify import forge
from kameng.orders.tests.conftest import card_product  # noqa: F401 (a fixture)

SRC = Path(__file__).resolve().parents[3]  # .../src

# Any attempt to import Django (settings, ORM, anything) raises ImportError in the child.
PROGRAM = """
import sys
sys.modules["django"] = None
from kameng.evidence.verify import main, verify_bundle
key = open(sys.argv[2]).read()
problems = verify_bundle(sys.argv[1], trusted_keys=[key])
print("PROBLEMS " + repr([str(p) for p in problems]))
print("MODULES " + repr(sorted(m for m in sys.modules if m.startswith("django") and sys.modules[m] is not None)))
sys.exit(main([sys.argv[1], "--trusted-key", sys.argv[2]]))
"""


def _run_offline(bundle: Path, cwd: Path, key: Path) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(SRC),
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/gone",
        "KAMENG_DATA_DIR": str(cwd / "no-such-dir"),
        "HOME": str(cwd),
    }
    return subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            PROGRAM.replace("import sys\n", f"import sys\nsys.path.insert(0, {str(SRC)!r})\n", 1),
            str(bundle),
            str(key),
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_bundle_verifies_with_no_django_and_no_database(sealed_case, buyer, tmp_path, trusted_key, forger):
    data = build_bundle(user=buyer, case_id=sealed_case.pk)
    # The platform's state is gone: only a copy of the ZIP on another "machine" remains, and the
    # key downloaded from the platform's /evidence/keys/ page.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    bundle = elsewhere / "bundle.zip"
    bundle.write_bytes(data)
    del data
    key = elsewhere / "seal-ed25519.pem"
    key.write_text(trusted_key)

    done = _run_offline(bundle, elsewhere, key)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PROBLEMS []" in done.stdout
    assert "MODULES []" in done.stdout
    assert "OK" in done.stdout

    # And a change is named there too.
    files = read_zip(bundle.read_bytes())
    timeline = json.loads(files["case-timeline.json"])
    timeline["events"][0]["payload"]["description"] = "改过了"
    files["case-timeline.json"] = json.dumps(timeline, ensure_ascii=False).encode()
    tampered = elsewhere / "tampered.zip"
    write_zip(tampered, files)
    done = _run_offline(tampered, elsewhere, key)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{sealed_case.stream} #1: edited (payload)" in done.stdout
    assert "case-timeline.json: sha256 does not match the manifest" in done.stdout

    # A bundle forged from scratch, signed with the forger's key (which it carries), fails there too.
    files = read_zip(bundle.read_bytes())
    forge(files, forger)
    forged = elsewhere / "forged.zip"
    write_zip(forged, files)
    done = _run_offline(forged, elsewhere, key)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "signed by a key that is not trusted" in done.stdout


def test_verify_runs_as_a_module_without_kameng_settings(sealed_case, buyer, tmp_path, trusted_key):
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(build_bundle(user=buyer, case_id=sealed_case.pk))
    key = tmp_path / "seal-ed25519.pem"
    key.write_text(trusted_key)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(SRC)}

    def verify(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "kameng.evidence.verify", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    done = verify(str(bundle), "--trusted-key", str(key))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK" in done.stdout
    # Without Django there is no configured key to fall back on: the anchors are required.
    done = verify(str(bundle))
    assert done.returncode == 2 and "--trusted-key" in done.stderr and "/evidence/keys/" in done.stderr
