"""The onboarding API and pages: multipart applications, the operator's decision, object
permissions on applications and documents, one error shape, nothing written on a refusal."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import MULTIPART_CONTENT

from kameng.accounts.models import Role
from kameng.onboarding.models import ApplicationDocument, ShopApplication
from kameng.onboarding.tests.test_services import fund, tiny_png, wallet
from kameng.shops.models import Shop
from tests.factories import PASSWORD, UserFactory
from tests.helpers import assert_error

BASE = "/api/v1/onboarding"


def form(**overrides):
    data = {
        "shop_name": "月光点卡",
        "description": "腾讯 Q 币、网易一卡通，自动发货。",
        "category": "game_card",
        "contact": "13800000000",
        "identity": SimpleUploadedFile("id.png", tiny_png(), content_type="image/png"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def applicant(db):
    user = UserFactory(role=Role.BUYER, username="applicant")
    fund(user, 60_000)
    return user


def test_apply_decide_and_see_it_through_the_api(applicant, operator, other_buyer, api_client):
    client = api_client(applicant)
    response = client.post(f"{BASE}/applications", data=form(), content_type=MULTIPART_CONTENT)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "submitted" and body["deposit_fen"] == 50_000
    assert [d["kind"] for d in body["documents"]] == ["identity"]
    assert wallet(applicant) == 10_000
    app_id, doc_id = body["id"], body["documents"][0]["id"]

    # Documents: the applicant and operators only.
    assert client.get(f"{BASE}/documents/{doc_id}/file").status_code == 200
    assert api_client(operator).get(f"{BASE}/documents/{doc_id}/file").status_code == 200
    assert_error(api_client(other_buyer).get(f"{BASE}/documents/{doc_id}/file"), 404, "not_found")
    assert_error(api_client(other_buyer).get(f"{BASE}/applications/{app_id}"), 404, "not_found")
    assert api_client(other_buyer).get(f"{BASE}/applications").json() == []

    queue = api_client(operator).get(f"{BASE}/operator/applications").json()
    assert [a["id"] for a in queue] == [app_id]
    assert_error(client.get(f"{BASE}/operator/applications"), 403, "auth.role_required")
    assert_error(
        client.post(f"{BASE}/operator/applications/{app_id}/decision", {"action": "approve"}),
        403,
        "auth.role_required",
    )
    assert_error(
        api_client(operator).post(f"{BASE}/operator/applications/{app_id}/decision", {"action": "reject"}),
        422,
        "onboarding.reason_required",
    )
    decided = api_client(operator).post(f"{BASE}/operator/applications/{app_id}/decision", {"action": "approve"})
    assert decided.status_code == 200, decided.content
    shop = Shop.objects.get(owner=applicant)
    assert shop.slug == "yueguangdianka"
    detail = client.get(f"{BASE}/applications/{app_id}").json()
    assert detail["state"] == "approved" and detail["shop_id"] == shop.pk
    assert [e["kind"] for e in detail["timeline"]] == ["application.submitted", "application.approved"]


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"identity": None}, 422, "onboarding.needs_document"),
        ({"category": "x"}, 422, "invalid_input"),
        ({"deposit_fen": "100"}, 422, "onboarding.deposit_too_small"),
        ({"deposit_fen": "70000"}, 409, "onboarding.wallet_short"),
        ({"identity": SimpleUploadedFile("a.exe", b"MZ\x90\x00" * 10)}, 415, "onboarding.file_type"),
    ],
)
def test_bad_api_applications_write_nothing(applicant, api_client, overrides, status, code):
    response = api_client(applicant).post(
        f"{BASE}/applications", data=form(**overrides), content_type=MULTIPART_CONTENT
    )
    assert_error(response, status, code)
    assert not ShopApplication.objects.exists() and not ApplicationDocument.objects.exists()
    assert wallet(applicant) == 60_000


def test_withdraw_through_the_api(applicant, api_client):
    client = api_client(applicant)
    app_id = client.post(f"{BASE}/applications", data=form(), content_type=MULTIPART_CONTENT).json()["id"]
    assert client.post(f"{BASE}/applications/{app_id}/withdraw").json()["state"] == "withdrawn"
    assert wallet(applicant) == 60_000
    assert_error(client.post(f"{BASE}/applications/{app_id}/withdraw"), 409, "onboarding.not_allowed")


def test_the_pages_in_both_languages(applicant, operator):
    page = Client()
    page.login(username=applicant.username, password=PASSWORD)
    got = page.get("/shops/apply/")
    assert got.status_code == 200 and "保证金" in got.content.decode()
    refused = page.post("/shops/apply/", form(identity=None))
    assert refused.status_code == 422 and "营业执照" in refused.content.decode()
    assert not ShopApplication.objects.exists()
    sent = page.post("/shops/apply/", form(deposit_yuan="500"))
    assert sent.status_code == 302
    application = ShopApplication.objects.get()
    status = page.get("/shops/apply/").content.decode()
    assert 'data-state="submitted"' in status and "¥500.00" in status

    desk = Client()
    desk.login(username=operator.username, password=PASSWORD)
    desk.post("/i18n/setlang/", {"language": "en", "next": "/"})
    queue = desk.get("/operator/applications/").content.decode()
    assert "月光点卡" in queue and "Shop applications" in queue
    asked = desk.post(f"/operator/applications/{application.pk}/", {"action": "ask_more", "reason": "营业执照"})
    assert asked.status_code == 302
    answer = page.post(
        f"/shops/apply/{application.pk}/resubmit/",
        {"note": "已上传", "business": SimpleUploadedFile("lic.png", tiny_png(), content_type="image/png")},
    )
    assert answer.status_code == 302
    desk.post(f"/operator/applications/{application.pk}/", {"action": "approve"})
    application.refresh_from_db()
    assert application.state == "approved" and application.documents.count() == 2
    doc = application.documents.last()
    assert page.get(f"/shops/apply/documents/{doc.pk}/").status_code == 200
    stranger = Client()
    other = UserFactory(role=Role.BUYER, username="stranger")
    stranger.login(username=other.username, password=PASSWORD)
    assert stranger.get(f"/shops/apply/documents/{doc.pk}/").status_code == 404
    assert stranger.get(f"/operator/applications/{application.pk}/").status_code == 403
