"""`kameng i18n --check` catches what a Chinese user would otherwise see in English."""

from __future__ import annotations

from io import StringIO

import polib
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kameng.core.management.commands import i18n


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A fake package with one app catalogue; the command looks only here."""
    monkeypatch.setattr(i18n, "PACKAGE", tmp_path)
    po_path = tmp_path / "shopapp" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    po_path.parent.mkdir(parents=True)
    return po_path


def _write(po_path, entries, *, compile: bool = True):
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "zh_Hans"}
    for entry in entries:
        po.append(entry)
    po.save(str(po_path))
    if compile:
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
    return po


def _check() -> tuple[bool, str]:
    err = StringIO()
    try:
        call_command("i18n", check=True, stdout=StringIO(), stderr=err)
    except CommandError:
        return False, err.getvalue()
    return True, err.getvalue()


def test_check_passes_when_everything_is_translated_and_compiled(package):
    _write(package, [polib.POEntry(msgid="Card keys", msgstr="卡密")])
    assert _check() == (True, "")


def test_check_reports_an_untranslated_entry(package):
    _write(package, [polib.POEntry(msgid="Card keys", msgstr="卡密"), polib.POEntry(msgid="Shop score", msgstr="")])
    ok, report = _check()
    assert not ok
    assert "shopapp/locale/zh_Hans/LC_MESSAGES/django.po: untranslated: 'Shop score'" in report
    assert "Card keys" not in report


def test_check_reports_a_fuzzy_entry(package):
    _write(package, [polib.POEntry(msgid="Refund policy", msgstr="退货政策", flags=["fuzzy"])])
    ok, report = _check()
    assert not ok
    assert "fuzzy: 'Refund policy'" in report


def test_check_reports_an_untranslated_plural(package):
    entry = polib.POEntry(msgid="%(n)s key", msgid_plural="%(n)s keys", msgstr_plural={0: ""})
    _write(package, [entry])
    ok, report = _check()
    assert not ok
    assert "untranslated plural" in report


def test_check_reports_a_missing_or_stale_mo(package):
    _write(package, [polib.POEntry(msgid="Card keys", msgstr="卡密")], compile=False)
    ok, report = _check()
    assert not ok
    assert "no compiled .mo" in report

    _write(package, [polib.POEntry(msgid="Card keys", msgstr="卡密")])
    _write(package, [polib.POEntry(msgid="Card keys", msgstr="卡密（新）")], compile=False)
    ok, report = _check()
    assert not ok
    assert ".mo is stale" in report


def test_compile_makes_the_check_pass(package):
    _write(package, [polib.POEntry(msgid="Card keys", msgstr="卡密")], compile=False)
    call_command("i18n", compile=True, stdout=StringIO())
    assert _check() == (True, "")


def test_the_real_catalogues_of_core_and_accounts_are_complete():
    found = [p for p in i18n.problems() if p.startswith(("core/", "accounts/"))]
    assert found == []
