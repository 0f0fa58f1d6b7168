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
    read_zip,
    sealed_case,
    stamper,
    write_zip,
)
from kameng.orders.tests.conftest import card_product  # noqa: F401 (a fixture)

SRC = Path(__file__).resolve().parents[3]  # .../src

# Any attempt to import Django (settings, ORM, anything) raises ImportError in the child.
PROGRAM = """
import sys
sys.modules["django"] = None
from kameng.evidence.verify import main, verify_bundle
problems = verify_bundle(sys.argv[1])
print("PROBLEMS " + repr([str(p) for p in problems]))
print("MODULES " + repr(sorted(m for m in sys.modules if m.startswith("django") and sys.modules[m] is not None)))
sys.exit(main([sys.argv[1]]))
"""


def _run_offline(bundle: Path, cwd: Path) -> subprocess.CompletedProcess:
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
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_bundle_verifies_with_no_django_and_no_database(sealed_case, buyer, tmp_path):
    data = build_bundle(user=buyer, case_id=sealed_case.pk)
    # The platform's state is gone: only a copy of the ZIP on another "machine" remains.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    bundle = elsewhere / "bundle.zip"
    bundle.write_bytes(data)
    del data

    done = _run_offline(bundle, elsewhere)
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
    done = _run_offline(tampered, elsewhere)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{sealed_case.stream} #1: edited (payload)" in done.stdout
    assert "case-timeline.json: sha256 does not match the manifest" in done.stdout


def test_verify_runs_as_a_module_without_kameng_settings(sealed_case, buyer, tmp_path):
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(build_bundle(user=buyer, case_id=sealed_case.pk))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-m", "kameng.evidence.verify", str(bundle)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK" in done.stdout
