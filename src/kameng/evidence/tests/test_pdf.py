"""The 12315 complaint and the court evidence list: who may download them, what they say (text
extracted with pypdf), and that page 1 renders with real glyphs (pdftoppm): the title's ink is
compared with the same words drawn in the CJK font and in Helvetica, which has no Chinese glyphs
and draws a box for each character (tofu) — a page of boxes still has plenty of dark pixels."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from kameng.accounts.models import Role
from kameng.aftersales.tests.conftest import card_product, fund, load_keys  # noqa: F401 (fixtures)
from kameng.core.errors import DomainError
from kameng.evidence import pdf
from kameng.evidence.tests.test_listing import HASH_A, HASH_B, ruled_case
from kameng.timeline.models import Event
from tests.factories import UserFactory
from tests.helpers import ApiClient, assert_error

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"
COMPLAINT_TITLE = "消费者投诉材料（12315）"


@pytest.fixture
def case(buyer, merchant, agent, card_product):  # noqa: F811
    return ruled_case(buyer, merchant, agent, card_product)


def text_of(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)  # hashes wrap in cells


def rasterize(content: bytes, tmp_path: Path, name: str, *, keep: bool = False) -> Image.Image:
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: install poppler-utils")
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", str(source), str(tmp_path / name)], check=True
    )
    png = next(tmp_path.glob(f"{name}-*.png"))
    if keep:
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(png, ARTIFACTS / f"evidence-{name}-page1.png")  # for a human to look at
    return Image.open(png).convert("L")


def render_first_page(content: bytes, tmp_path: Path, name: str) -> Image.Image:
    return rasterize(content, tmp_path, name, keep=True)


def first_line(image: Image.Image) -> Image.Image:
    """The topmost line of ink, cropped to its ink (the title of both documents)."""
    ink = image.point(lambda v: 255 if v < 160 else 0)
    width, height = ink.size
    rows = [ink.crop((0, y, width, y + 1)).getbbox() is not None for y in range(height)]
    top = rows.index(True)
    bottom = rows.index(False, top) if False in rows[top:] else height
    box = ink.crop((0, top, width, bottom)).getbbox()
    return ink.crop((box[0], top + box[1], box[2], top + box[3]))


def drawn_in(font: str, text: str, tmp_path: Path) -> Image.Image:
    """text at the title's size in one font, alone on a small page, as first_line() crops it."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=(40 + 20 * len(text), 60))
    page.setFont(font, 18)  # pdf.py's "title" style
    page.drawString(10, 20, text)
    page.save()
    return first_line(rasterize(out.getvalue(), tmp_path, f"ref-{font}"))


def difference(a: Image.Image, b: Image.Image) -> float:
    """Share of differing ink pixels, b scaled to a's size (the two renders differ by a pixel or so)."""
    from PIL import ImageChops

    xor = ImageChops.logical_xor(a.convert("1"), b.resize(a.size).convert("1"))
    return xor.histogram()[255] / (a.width * a.height)


def assert_title_in_real_glyphs(page: Image.Image, title: str, tmp_path: Path) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    # Registered here from the setting, not through pdf._font(): the reference must not share a bug.
    pdfmetrics.registerFont(TTFont("TestCJK", str(settings.KAMENG_PDF_FONT), subfontIndex=0))
    crop = first_line(page)
    cjk, tofu = drawn_in("TestCJK", title, tmp_path), drawn_in("Helvetica", title, tmp_path)
    assert difference(cjk, tofu) > 0.25  # the two references really are different pictures
    to_cjk, to_tofu = difference(crop, cjk), difference(crop, tofu)
    size_ok = abs(crop.width - cjk.width) <= 3 and abs(crop.height - cjk.height) <= 3
    assert size_ok and to_cjk < 0.2 and to_cjk < to_tofu / 2, (
        f"the title does not look like {title!r} in a CJK font: {crop.size} vs {cjk.size}, "
        f"differs {to_cjk:.2f} from the CJK render and {to_tofu:.2f} from missing-glyph boxes"
    )


def test_complaint_names_the_parties_the_demand_and_every_hash(case, buyer, tmp_path):
    content = pdf.complaint_pdf(user=buyer, case_id=case.pk)
    text = text_of(content)
    for expected in ("消费者投诉材料", "张小明", "buyer", "星辰点卡店", "证据目录", "卡盟Kameng", "驳回", "卡密有效"):
        assert expected in text, expected
    assert "联系电话" in text and "身份证号码" in text  # blanks for the buyer to fill
    assert HASH_A in text and HASH_B in text
    opened = Event.objects.get(stream=case.stream, kind="case.opened")
    assert opened.hash in text
    assert_title_in_real_glyphs(render_first_page(content, tmp_path, "complaint"), COMPLAINT_TITLE, tmp_path)


def test_court_list_is_a_table_of_every_record(case, merchant, tmp_path):
    content = pdf.court_list_pdf(user=merchant, case_id=case.pk)
    text = text_of(content)
    for expected in ("证据目录", "序号", "证据名称", "证据来源", "证明目的", "哈希值SHA-256", "时间戳", "页码/备注"):
        assert expected in text, expected
    assert "张小明" in text and "星辰点卡店" in text and "已撤回" in text
    for event in Event.objects.filter(stream=case.order.stream, kind__in=["order.paid", "key.revealed"]):
        assert event.hash in text
    assert_title_in_real_glyphs(render_first_page(content, tmp_path, "court-list"), "证据目录", tmp_path)


def test_the_glyph_check_fails_on_missing_glyph_boxes(case, buyer, monkeypatch, tmp_path):
    """The check above can fail: the same complaint set in Helvetica (no Chinese glyphs) is boxes."""
    monkeypatch.setattr(pdf, "_font", lambda: "Helvetica")
    content = pdf.complaint_pdf(user=buyer, case_id=case.pk)
    page = rasterize(content, tmp_path, "tofu")
    assert sum(page.histogram()[:128]) > 200  # the old "not blank" check would have passed
    with pytest.raises(AssertionError, match="does not look like"):
        assert_title_in_real_glyphs(page, COMPLAINT_TITLE, tmp_path)


def test_complaint_is_for_the_buyer_and_the_operator_only(case, merchant, agent, other_buyer, operator):
    assert pdf.complaint_pdf(user=operator, case_id=case.pk).startswith(b"%PDF-")
    for user in (merchant, agent, other_buyer):
        with pytest.raises(DomainError) as err:
            pdf.complaint_pdf(user=user, case_id=case.pk)
        assert err.value.code == "not_found"


def test_court_list_is_for_every_party_of_the_case(case, buyer, merchant, agent, other_buyer, operator):
    for user in (buyer, merchant, agent, operator):
        assert pdf.court_list_pdf(user=user, case_id=case.pk).startswith(b"%PDF-")
    stranger_agent = UserFactory(role=Role.AGENT, username="agent3")
    for user in (other_buyer, stranger_agent):
        with pytest.raises(DomainError):
            pdf.court_list_pdf(user=user, case_id=case.pk)


def test_a_missing_font_is_a_clear_set_up_error(case, buyer, settings, tmp_path):
    settings.KAMENG_PDF_FONT = str(tmp_path / "none.ttc")
    with pytest.raises(ImproperlyConfigured, match="fonts-wqy-microhei"):
        pdf.complaint_pdf(user=buyer, case_id=case.pk)


def test_pages_serve_the_pdfs_to_those_who_may_have_them(case, buyer, merchant, other_buyer):
    client = Client()
    client.force_login(buyer)
    for name in ("evidence:complaint_pdf", "evidence:court_list_pdf"):
        response = client.get(reverse(name, args=[case.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response.content.startswith(b"%PDF-")
    client.force_login(merchant)
    assert client.get(reverse("evidence:complaint_pdf", args=[case.pk])).status_code == 404
    assert client.get(reverse("evidence:court_list_pdf", args=[case.pk])).status_code == 200
    client.force_login(other_buyer)
    assert client.get(reverse("evidence:court_list_pdf", args=[case.pk])).status_code == 404
    anonymous = Client().get(reverse("evidence:court_list_pdf", args=[case.pk]))
    assert anonymous.status_code in (302, 401, 403)


def test_api_serves_the_pdfs_and_hides_other_cases(case, buyer, merchant, other_buyer):
    base = f"/api/v1/evidence/cases/{case.pk}"
    response = ApiClient(buyer).get(f"{base}/complaint.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert ApiClient(merchant).get(f"{base}/court-list.pdf").status_code == 200
    assert_error(ApiClient(merchant).get(f"{base}/complaint.pdf"), 404, "not_found")
    assert_error(ApiClient(other_buyer).get(f"{base}/court-list.pdf"), 404, "not_found")
    assert_error(ApiClient(buyer).get("/api/v1/evidence/cases/0/court-list.pdf"), 422)
    assert ApiClient().get(f"{base}/court-list.pdf").status_code == 401
