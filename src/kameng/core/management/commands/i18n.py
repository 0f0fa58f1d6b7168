"""`kameng i18n`: extract messages of every Kameng app into its own locale/ and compile them.

Each app keeps its own catalogue (``src/kameng/<app>/locale/zh_Hans/LC_MESSAGES/django.po``) so
domains stay independent. Extraction needs GNU gettext (xgettext); compiling uses polib, so a
machine without gettext can still build and check the .mo files.

    kameng i18n            extract + compile
    kameng i18n --compile  compile only
    kameng i18n --app X    extract only app X (several helpers may each own an app's catalogue)
    kameng i18n --check    fail if a .mo is stale or a Chinese message is missing or fuzzy
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

PACKAGE = Path(__file__).resolve().parents[3]
LOCALES = ["zh_Hans"]


def app_dirs() -> list[Path]:
    return sorted(p for p in PACKAGE.iterdir() if (p / "apps.py").exists())


def po_files() -> list[Path]:
    return sorted(PACKAGE.glob("*/locale/*/LC_MESSAGES/django.po"))


def unextracted() -> list[str]:
    """Messages in the code or templates that are missing from their app's catalogue. Needs GNU
    xgettext (CI installs gettext); without it only the catalogues themselves are checked."""
    import shutil
    import tempfile

    import polib

    if not shutil.which("xgettext"):
        return []
    found: list[str] = []
    cwd = os.getcwd()
    try:
        for app in app_dirs():
            po_path = app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
            with tempfile.TemporaryDirectory() as tmp:
                copy = Path(tmp) / app.name
                shutil.copytree(
                    app,
                    copy,
                    ignore=shutil.ignore_patterns("locale", "tests", "migrations", "__pycache__", "var", "static"),
                )
                (copy / "locale").mkdir()
                os.chdir(copy)
                call_command("makemessages", locale=LOCALES, verbosity=0)
                os.chdir(cwd)
                fresh_path = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
                fresh = {(e.msgctxt, e.msgid) for e in polib.pofile(str(fresh_path))} if fresh_path.exists() else set()
            have = (
                {(e.msgctxt, e.msgid) for e in polib.pofile(str(po_path)) if not e.obsolete}
                if po_path.exists()
                else set()
            )
            for _ctx, msgid in sorted(fresh - have, key=lambda k: k[1]):
                found.append(f"{app.name}: not in the catalogue (run `kameng i18n`): {msgid!r}")
    finally:
        os.chdir(cwd)
    return found


def conflicts() -> list[str]:
    """Django merges every app's catalogue and the first app wins, so one English message must
    mean one Chinese message everywhere; use a context (pgettext) where it must differ."""
    import polib

    seen: dict[tuple, tuple[str, str]] = {}
    found = []
    for po_path in po_files():
        if "zh_Hans" not in po_path.parts:
            continue
        app = po_path.relative_to(PACKAGE).parts[0]
        for entry in polib.pofile(str(po_path)).translated_entries():
            if entry.msgid_plural:
                continue
            key = (entry.msgctxt, entry.msgid)
            if key in seen and seen[key][1] != entry.msgstr:
                found.append(
                    f"{app}: {entry.msgid!r} is {entry.msgstr!r} here but {seen[key][1]!r} in {seen[key][0]}"
                    " (add a context)"
                )
            seen.setdefault(key, (app, entry.msgstr))
    return found


def problems() -> list[str]:
    import polib

    found = unextracted() + conflicts()
    for po_path in po_files():
        po = polib.pofile(str(po_path))
        rel = po_path.relative_to(PACKAGE)
        for entry in po:
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags:
                found.append(f"{rel}: fuzzy: {entry.msgid!r}")
            elif entry.msgid_plural:
                if not all(entry.msgstr_plural.values()):
                    found.append(f"{rel}: untranslated plural: {entry.msgid!r}")
            elif not entry.msgstr:
                found.append(f"{rel}: untranslated: {entry.msgid!r}")
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists():
            found.append(f"{rel}: no compiled .mo (run `kameng i18n --compile`)")
            continue
        compiled = polib.mofile(str(mo_path))
        want = {(e.msgctxt, e.msgid): e.msgstr for e in po.translated_entries() if not e.msgid_plural}
        have = {(e.msgctxt, e.msgid): e.msgstr for e in compiled if not e.msgid_plural and e.msgid}
        if want != have:
            found.append(f"{rel}: .mo is stale (run `kameng i18n --compile`)")
    return found


class Command(BaseCommand):
    help = "Extract and compile translations of every Kameng app."

    def add_arguments(self, parser):
        parser.add_argument("--compile", action="store_true", help="compile only")
        parser.add_argument("--check", action="store_true", help="check only; exit non-zero on problems")
        parser.add_argument("--app", action="append", default=[], help="extract only this app (repeatable)")

    def handle(self, *args, compile: bool, check: bool, app: list[str], **options):
        import polib

        if check:
            found = problems()
            for line in found:
                self.stderr.write(line)
            if found:
                raise CommandError(f"{len(found)} translation problem(s)")
            self.stdout.write("translations complete and compiled")
            return
        if not compile:
            cwd = os.getcwd()
            try:
                for app_dir in app_dirs():
                    if app and app_dir.name not in app:
                        continue
                    (app_dir / "locale").mkdir(exist_ok=True)
                    os.chdir(app_dir)
                    for domain in ("django",):
                        call_command("makemessages", locale=LOCALES, domain=domain, no_obsolete=True, verbosity=0)
            finally:
                os.chdir(cwd)
        for po_path in po_files():
            po = polib.pofile(str(po_path))
            po.save_as_mofile(str(po_path.with_suffix(".mo")))
            self.stdout.write(f"compiled {po_path.relative_to(PACKAGE)} ({po.percent_translated()}% translated)")
