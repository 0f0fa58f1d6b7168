"""Evidence in a real browser, on the demo data: the buyer of the demo's open case uploads a
screenshot as evidence, the records are sealed, and the buyer downloads the evidence bundle (which
verifies offline) and the 12315 complaint PDF (whose text carries the case's facts in Chinese)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import call_command

from kameng.aftersales.models import Case
from kameng.evidence.models import EvidenceItem
from kameng.evidence.sealing import seal_now

pytestmark = [pytest.mark.browser]

DEMO_PASSWORD = "kameng-demo-2026"


def _log_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_buyer_uploads_a_screenshot_and_downloads_the_bundle_and_the_complaint(page, shot, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("demo", no_serve=True)
    case = Case.objects.get(buyer__username="buyer")

    _log_in(page, "buyer")
    page.goto(f"/cases/{case.pk}/")
    page.click("[data-testid=evidence-link]")
    page.wait_for_url(f"**/cases/{case.pk}/evidence/")
    screenshot = tmp_path / "充值失败截图.png"
    page.screenshot(path=str(screenshot))  # the buyer's screenshot of the error
    form = page.locator("[data-testid=evidence-form]")
    form.locator("select[name=kind]").select_option("activation_error")
    form.locator("input[name=caption]").fill("充值时提示卡密无效")
    form.locator("input[name=file]").set_input_files(str(screenshot))
    page.click("[data-testid=upload]")
    page.locator("[data-testid=evidence-item]").first.wait_for()
    item = EvidenceItem.objects.get(case=case)
    assert item.content_type == "image/png" and item.caption == "充值时提示卡密无效"
    shot("evidence-uploaded")

    seal_now()  # the periodic seal, run by hand

    page.reload()
    with page.expect_download() as bundle_download:
        page.click("[data-testid=bundle-download]")
    bundle = tmp_path / "bundle.zip"
    bundle_download.value.save_as(bundle)
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        assert any(name.startswith("evidence/") for name in names)
        assert "README.txt" in names
    from kameng.evidence import tsa
    from kameng.evidence.verify import verify_bundle

    # Trusted: the platform's key from its seal key file (what /evidence/keys/ publishes), not the
    # copy the bundle carries.
    assert verify_bundle(bundle, trusted_keys=tsa.published_seal_keys()) == []

    with page.expect_download() as pdf_download:
        page.click("[data-testid=complaint-pdf]")
    pdf = tmp_path / "complaint.pdf"
    pdf_download.value.save_as(pdf)
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    assert "星辰数卡" in text and "证据目录" in text and item.sha256 in text.replace("\n", "")
    shot("packages")
