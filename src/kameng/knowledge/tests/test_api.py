"""/api/v1/knowledge: public reads; editors' drafts, publishing, history, restore; votes."""

from __future__ import annotations

import pytest

from kameng.knowledge import services
from kameng.knowledge.models import Article, ArticleVersion, ArticleVote
from kameng.knowledge.tests.conftest import make
from tests.helpers import ApiClient, assert_error

pytestmark = pytest.mark.django_db

BASE = "/api/v1/knowledge/articles"
MANAGE = "/api/v1/knowledge/manage/articles"
PAYLOAD = {"title_zh": "延迟到账怎么办", "body_zh": "## 先等等\n\n1. 看承诺时间", "subtypes": ["late_delivery"]}


def test_list_filters_and_one_article(defaults):
    client = ApiClient()
    body = client.get(BASE, {"subtype": "invalid_key"}).json()
    assert [a["slug"] for a in body] == ["invalid-key"]
    assert body[0]["title"] == "卡密显示无效怎么办" and body[0]["family"] == "product"
    assert body[0]["url"] == "/help/invalid-key/" and "<h2>" in body[0]["html"] and body[0]["state"] == "published"
    assert len(client.get(BASE).json()) == Article.objects.count()
    phone = [a["slug"] for a in client.get(BASE, {"category": "phone_topup"}).json()]
    assert "top-up-not-credited" in phone and "invalid-key" not in phone
    one = client.get(f"{BASE}/top-up-not-credited", headers={"Cookie": "django_language=en"}).json()
    assert one["title"].startswith("A direct top-up") and one["title_zh"] == "直充未到账如何自查"
    assert "helpful_count" not in one


def test_unknown_filters_and_unpublished(defaults, operator):
    client = ApiClient()
    assert_error(client.get(BASE, {"subtype": "nonsense"}), 422, "invalid_input")
    assert_error(client.get(BASE, {"category": "cars"}), 422, "invalid_input")
    assert_error(client.get(f"{BASE}/no-such-article"), 404, "not_found")
    services.archive_article(actor=operator, slug="wrong-region")
    assert_error(client.get(f"{BASE}/wrong-region"), 404, "not_found")
    assert client.get(BASE, {"subtype": "wrong_region"}).json() == []


def test_editor_creates_a_draft_publishes_and_archives(agent, operator):
    r = ApiClient(agent).post(MANAGE, {**PAYLOAD, "slug": "late-delivery-2"})
    assert r.status_code == 201 and r.json()["state"] == "draft" and r.json()["version"] == 1
    assert r.json()["author"] == agent.shown_name
    assert_error(ApiClient().get(f"{BASE}/late-delivery-2"), 404, "not_found")  # drafts are invisible
    assert "late-delivery-2" not in [a["slug"] for a in ApiClient().get(BASE).json()]
    assert_error(ApiClient(agent).post(MANAGE, {**PAYLOAD, "slug": "late-delivery-2"}), 409, "knowledge.slug_taken")
    put = ApiClient(operator).put(f"{BASE}/late-delivery-2", {**PAYLOAD, "title_zh": "改过", "base_version": 1})
    assert put.status_code == 200 and put.json()["version"] == 2 and put.json()["state"] == "draft"
    stale = ApiClient(agent).put(f"{BASE}/late-delivery-2", {**PAYLOAD, "title_zh": "旧", "base_version": 1})
    assert_error(stale, 409, "knowledge.stale")
    assert ApiClient(operator).post(f"{MANAGE}/late-delivery-2/publish").json()["state"] == "published"
    assert ApiClient().get(f"{BASE}/late-delivery-2").json()["title"] == "改过"
    assert_error(ApiClient(operator).post(f"{MANAGE}/late-delivery-2/publish"), 409, "knowledge.not_allowed")
    assert ApiClient(agent).post(f"{MANAGE}/late-delivery-2/archive").json()["state"] == "archived"
    assert_error(ApiClient().get(f"{BASE}/late-delivery-2"), 404, "not_found")
    listed = ApiClient(agent).get(MANAGE, {"state": "archived"}).json()
    assert [a["slug"] for a in listed] == ["late-delivery-2"] and "helpful_ratio" in listed[0]


def test_versions_and_restore(agent):
    ApiClient(agent).put(f"{BASE}/late", PAYLOAD)
    ApiClient(agent).put(f"{BASE}/late", {**PAYLOAD, "title_zh": "第二版", "note": "改标题"})
    versions = ApiClient(agent).get(f"{MANAGE}/late/versions").json()
    assert [(v["number"], v["note"]) for v in versions] == [(2, "改标题"), (1, "")]
    assert ApiClient(agent).get(f"{MANAGE}/late/versions/1").json()["title_zh"] == "延迟到账怎么办"
    r = ApiClient(agent).post(f"{MANAGE}/late/versions/1/restore", {"note": "回滚"})
    assert r.status_code == 200 and r.json()["version"] == 3 and r.json()["title_zh"] == "延迟到账怎么办"
    assert_error(ApiClient(agent).get(f"{MANAGE}/late/versions/9"), 404, "not_found")
    assert_error(ApiClient(agent).post(f"{MANAGE}/late/versions/9/restore", {}), 404, "not_found")
    assert_error(ApiClient(agent).post(f"{MANAGE}/late/versions/1/restore", {"x": 1}), 422, "invalid_input")
    assert ArticleVersion.objects.count() == 3


def test_buyers_merchants_and_anonymous_are_refused(buyer, merchant, operator):
    make(operator)
    refusals = (
        (ApiClient(buyer), 403, "auth.role_required"),
        (ApiClient(merchant), 403, "auth.role_required"),
        (ApiClient(), 401, "not_authenticated"),
    )
    for client, status, code in refusals:
        assert_error(client.post(MANAGE, {**PAYLOAD, "slug": "x"}), status, code)
        assert_error(client.put(f"{BASE}/check-it", PAYLOAD), status, code)
        assert_error(client.post(f"{MANAGE}/check-it/publish"), status, code)
        assert_error(client.post(f"{MANAGE}/check-it/archive"), status, code)
        assert_error(client.get(f"{MANAGE}/check-it"), status, code)
        assert_error(client.get(f"{MANAGE}/check-it/versions"), status, code)
        assert_error(client.post(f"{MANAGE}/check-it/versions/1/restore", {}), status, code)
        assert_error(client.get(MANAGE), status, code)
    a = Article.objects.get(slug="check-it")
    assert (a.state, a.version) == ("draft", 1) and Article.objects.count() == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"subtypes": ["nope"]},
        {"subtypes": "invalid_key"},
        {"categories": ["cars"]},
        {"extra": 1},
        {"title_zh": ""},
        {"position": "1"},
        {"position": 10**7},
        {"base_version": "x"},
    ],
)
def test_bad_input_is_422_and_changes_nothing(operator, bad):
    assert_error(ApiClient(operator).put(f"{BASE}/late", {**PAYLOAD, **bad}), 422, "invalid_input")
    assert_error(ApiClient(operator).put(f"{BASE}/Bad Slug", PAYLOAD), 422, "invalid_input")
    assert not Article.objects.exists()


def test_vote_needs_sign_in_and_counts_once(defaults, buyer):
    url = f"{BASE}/invalid-key/vote"
    assert_error(ApiClient().post(url, {"helpful": True}), 401, "not_authenticated")
    assert ApiClient(buyer).post(url, {"helpful": True}).json()["helpful_count"] == 1
    r = ApiClient(buyer).post(url, {"helpful": False}).json()
    assert (r["helpful_count"], r["unhelpful_count"]) == (0, 1)
    assert_error(ApiClient(buyer).post(url, {"helpful": "yes"}), 422, "invalid_input")
    assert_error(ApiClient(buyer).post(f"{BASE}/nope/vote", {"helpful": True}), 404, "not_found")
    assert ArticleVote.objects.count() == 1
