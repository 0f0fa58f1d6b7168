"""Case attachments go through the one upload checker (issue 14 L1, issue 9 point 7) on every path
that takes them: the case form (page and service) and the conversation (page and API). Polyglots,
active PDFs and 81-million-pixel images are refused with a 4xx code and nothing is written; a photo's
GPS position never reaches the merchant; downloads are named and typed by the server and sandboxed."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import MULTIPART_CONTENT
from django.urls import reverse

from kameng.aftersales import services
from kameng.aftersales.models import Attachment, Case, Message
from kameng.core.errors import DomainError
from kameng.core.tests import upload_files as make
from kameng.orders.models import OrderKey
from kameng.orders.services import reveal_key
from kameng.timeline.selectors import events_of
from tests.helpers import ApiClient, assert_error

pytestmark = pytest.mark.django_db

BASE = "/api/v1/cases"
SANDBOX = "default-src 'none'; sandbox"

# (file name, bytes, the code on the case form and in the conversation)
BAD_FILES = [
    ("shot.png", make.png_zip_polyglot, "aftersales.bad_file"),
    ("shot.png", make.png_html_polyglot, "aftersales.bad_file"),
    ("huge.png", make.huge_png, "aftersales.image_too_large"),
    # Rule 2.4 takes images, videos and text in the conversation: a PDF (scripted or not) belongs on
    # the evidence page, where the same checker refuses the scripted one (evidence tests).
    ("receipt.pdf", lambda: make.pdf(javascript=True), "aftersales.file_type"),
    ("receipt.pdf", lambda: make.pdf(open_action=True), "aftersales.file_type"),
]
STATUS = {"aftersales.bad_file": 422, "aftersales.image_too_large": 422, "aftersales.file_type": 415}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def revealed(buyer, order) -> OrderKey:
    key = OrderKey.objects.get(batch__order=order)
    reveal_key(buyer=buyer, order_id=order.pk, order_key_id=key.pk, ip="1.2.3.4", user_agent="t")
    return key


def open_with(buyer, order, files):
    return services.open_case(
        buyer=buyer, order_id=order.pk, subtype="invalid_key", demand="full_refund", description="卡密无效", files=files
    )


@pytest.fixture
def case(buyer, card_order):
    revealed(buyer, card_order)
    return open_with(buyer, card_order, [])


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the case form ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "make_file", "code"), BAD_FILES)
def test_case_form_refuses_bad_files_and_opens_nothing(buyer, card_order, _media, name, make_file, code):
    revealed(buyer, card_order)
    with pytest.raises(DomainError) as err:
        open_with(buyer, card_order, [upload(name, make_file())])
    assert err.value.code == code and err.value.status == STATUS[code]
    url = reverse("aftersales:open", args=[card_order.pk])
    page = login(buyer).post(
        url,
        {
            "subtype": "invalid_key",
            "demand": "full_refund",
            "description": "卡密无效",
            "files": upload(name, make_file()),
        },
    )
    assert page.status_code == STATUS[code]
    assert not Case.objects.exists() and not Attachment.objects.exists() and stored_files(_media) == []


def test_case_form_photo_reaches_the_merchant_without_its_gps_position(buyer, merchant, card_order):
    revealed(buyer, card_order)
    photo = make.gps_jpeg()
    url = reverse("aftersales:open", args=[card_order.pk])
    response = login(buyer).post(
        url,
        {
            "subtype": "invalid_key",
            "demand": "full_refund",
            "description": "卡密无效",
            "files": upload("IMG.jpg", photo),
        },
    )
    assert response.status_code == 302, response.content
    att = Attachment.objects.get()
    download = login(merchant).get(reverse("aftersales:attachment", args=[att.case_id, att.pk]))
    body = b"".join(download.streaming_content)
    assert make.gps_of(photo) == make.GPS and make.gps_of(body) == {}
    assert hashlib.sha256(body).hexdigest() == att.sha256 and att.size == len(body)
    # The timeline records the hash of what is stored (the re-encoded photo), not of the upload.
    (event,) = [e for e in events_of(stream=att.case.stream) if e.kind == "case.attachment"]
    assert event.payload["sha256"] == att.sha256 != hashlib.sha256(photo).hexdigest()


# --- the conversation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "make_file", "code"), BAD_FILES)
def test_conversation_refuses_bad_files_on_the_api_and_the_page(buyer, case, _media, name, make_file, code):
    response = ApiClient(buyer).post(
        f"{BASE}/{case.pk}/messages",
        {"text": "看图", "files": [upload(name, make_file())]},
        content_type=MULTIPART_CONTENT,
    )
    assert_error(response, STATUS[code], code)
    page = login(buyer).post(
        reverse("aftersales:message", args=[case.pk]), {"text": "看图", "files": upload(name, make_file())}, follow=True
    )
    assert "alert-error" in page.content.decode()
    assert not Message.objects.filter(case=case, text="看图").exists()
    assert not Attachment.objects.exists() and stored_files(_media) == []


def test_one_bad_file_refuses_the_whole_message(buyer, case, _media):
    files = [upload("ok.png", make.png()), upload("bad.png", make.png_zip_polyglot())]
    response = ApiClient(buyer).post(
        f"{BASE}/{case.pk}/messages", {"text": "两张图", "files": files}, content_type=MULTIPART_CONTENT
    )
    assert_error(response, 422, "aftersales.bad_file")
    assert not Attachment.objects.exists() and stored_files(_media) == []


def test_chat_images_are_re_encoded_gps_gone(buyer, merchant, case):
    response = ApiClient(buyer).post(
        f"{BASE}/{case.pk}/messages",
        {"text": "在这里买的", "files": [upload("IMG_2024.jpg", make.gps_jpeg()), upload("s.png", make.gps_png())]},
        content_type=MULTIPART_CONTENT,
    )
    assert response.status_code == 201, response.content
    for att in response.json()["attachments"]:
        body = b"".join(ApiClient(merchant).get(att["url"]).streaming_content)
        assert make.gps_of(body) == {} and hashlib.sha256(body).hexdigest() == att["sha256"]


# --- downloads -------------------------------------------------------------------------------------------


def test_downloads_are_named_and_typed_by_the_server_and_sandboxed(buyer, merchant, case):
    response = ApiClient(buyer).post(
        f"{BASE}/{case.pk}/messages",
        {"text": "截图", "files": [SimpleUploadedFile("<script>x.html", make.png(), content_type="text/html")]},
        content_type=MULTIPART_CONTENT,
    )
    assert response.status_code == 201, response.content
    att = Attachment.objects.get()
    page_url = reverse("aftersales:attachment", args=[case.pk, att.pk])
    for download in (ApiClient(merchant).get(f"{BASE}/{case.pk}/attachments/{att.pk}"), login(merchant).get(page_url)):
        assert download.status_code == 200
        assert download["Content-Type"] == "image/png"  # detected, not the declared text/html
        assert download["X-Content-Type-Options"] == "nosniff"
        assert download["Content-Security-Policy"] == SANDBOX
        assert download["Content-Disposition"] == f'attachment; filename="case-{case.pk}-{att.pk}.png"'
        assert "script" not in download["Content-Disposition"]
    inline = login(merchant).get(page_url + "?inline=1")
    assert inline["Content-Disposition"].startswith("inline") and inline["Content-Security-Policy"] == SANDBOX
