"""The evidence page: zh by default and en, the upload form, withdraw of one's own file, the file
view's headers and object permission."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kameng.evidence.models import EvidenceItem
from kameng.evidence.tests import e1_support
from kameng.evidence.tests.e1_support import image_bytes, media_files, upload

# The shared fixtures, bound here so pytest finds them for this module.
_media, card_product, case = e1_support._media, e1_support.card_product, e1_support.case

pytestmark = pytest.mark.django_db


def login(user=None, *, lang=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    if lang:
        client.post("/i18n/setlang/", {"language": lang, "next": "/"})
    return client


def test_page_in_zh_and_en_and_linked_from_the_case(buyer, case):
    url = reverse("evidence:case_evidence", args=[case.pk])
    assert url == f"/cases/{case.pk}/evidence/"
    zh = login(buyer).get(url)
    assert zh.status_code == 200 and "添加证据" in zh.content.decode()
    en = login(buyer, lang="en").get(url)
    assert "Add evidence" in en.content.decode()
    assert url in login(buyer).get(reverse("aftersales:case", args=[case.pk])).content.decode()


def test_upload_list_download_and_withdraw(buyer, merchant, other_buyer, case):
    url = reverse("evidence:upload", args=[case.pk])
    response = login(buyer).post(
        url, {"kind": "activation_error", "caption": "激活失败截图", "file": upload("shot.png", image_bytes())}
    )
    assert response.status_code == 302
    item = EvidenceItem.objects.get(case=case)
    page = login(merchant).get(reverse("evidence:case_evidence", args=[case.pk])).content.decode()
    assert "激活失败截图" in page and item.sha256[:12] in page and "买家" in page
    assert 'data-testid="withdraw"' not in page  # not the merchant's file
    file_url = reverse("evidence:file", args=[case.pk, item.pk])
    download = login(merchant).get(file_url)
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "image/png"
    assert login(merchant).get(file_url + "?inline=1")["Content-Disposition"].startswith("inline")
    assert login(other_buyer).get(file_url).status_code == 404
    assert login(other_buyer).get(reverse("evidence:case_evidence", args=[case.pk])).status_code == 404
    assert (
        'data-testid="withdraw"' in login(buyer).get(reverse("evidence:case_evidence", args=[case.pk])).content.decode()
    )
    login(buyer).post(reverse("evidence:withdraw", args=[case.pk, item.pk]), {"reason": "重复"})
    item.refresh_from_db()
    assert item.withdrawn_at is not None
    page = login(buyer).get(reverse("evidence:case_evidence", args=[case.pk])).content.decode()
    assert 'data-testid="withdrawn"' in page


def test_text_files_are_never_inline(buyer, case):
    login(buyer).post(reverse("evidence:upload", args=[case.pk]), {"kind": "other", "file": upload("a.txt", b"hi")})
    item = EvidenceItem.objects.get(case=case)
    response = login(buyer).get(reverse("evidence:file", args=[case.pk, item.pk]) + "?inline=1")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "text/plain"


def test_refused_upload_shows_the_reason_and_stores_nothing(buyer, case, _media):
    fake = upload("evil.png", b"<!DOCTYPE html><script>alert(1)</script>", "image/png")
    page = login(buyer).post(reverse("evidence:upload", args=[case.pk]), {"kind": "other", "file": fake}, follow=True)
    assert "alert-error" in page.content.decode()
    assert not EvidenceItem.objects.exists() and media_files(_media) == []


def test_someone_elses_case_is_not_found_for_upload(other_buyer, case, _media):
    response = login(other_buyer).post(
        reverse("evidence:upload", args=[case.pk]), {"kind": "other", "file": upload("a.txt", b"x")}
    )
    assert response.status_code == 404
    assert not EvidenceItem.objects.exists() and media_files(_media) == []
