"""/api/v1/knowledge: public reads, the operator's edit."""

from __future__ import annotations

import pytest

from kameng.knowledge import services
from kameng.knowledge.models import Article
from tests.helpers import ApiClient, assert_error

pytestmark = pytest.mark.django_db

BASE = "/api/v1/knowledge/articles"


@pytest.fixture(autouse=True)
def _defaults():
    services.install_default_articles()


def test_list_by_subtype_and_one_article():
    client = ApiClient()
    body = client.get(BASE, {"subtype": "invalid_key"}).json()
    assert [a["slug"] for a in body] == ["invalid-key"]
    assert body[0]["title"] == "卡密显示无效怎么办" and body[0]["family"] == "product"
    assert body[0]["url"] == "/help/invalid-key/"
    assert len(client.get(BASE).json()) == Article.objects.count()
    assert client.get(BASE, {"subtype": "charged_twice"}).json() == []
    one = client.get(f"{BASE}/top-up-not-credited", headers={"Cookie": "django_language=en"}).json()
    assert one["title"].startswith("A direct top-up") and one["title_zh"] == "直充未到账如何自查"


def test_unknown_and_unpublished():
    client = ApiClient()
    assert_error(client.get(BASE, {"subtype": "nonsense"}), 422, "invalid_input")
    assert_error(client.get(f"{BASE}/no-such-article"), 404, "not_found")
    Article.objects.filter(slug="wrong-region").update(published=False)
    assert_error(client.get(f"{BASE}/wrong-region"), 404, "not_found")
    assert client.get(BASE, {"subtype": "wrong_region"}).json() == []


def test_operator_puts_an_article(operator, buyer):
    payload = {"subtype": "late_delivery", "title_zh": "延迟到账怎么办", "body_zh": "请等待。\n\n再看看。"}
    r = ApiClient(operator).put(f"{BASE}/late-delivery", payload)
    assert r.status_code == 200 and r.json()["title_en"] == "" and r.json()["published"] is True
    assert ApiClient().get(f"{BASE}/late-delivery").json()["title"] == "延迟到账怎么办"
    assert_error(ApiClient(buyer).put(f"{BASE}/late-delivery", payload), 403, "auth.role_required")
    assert_error(ApiClient().put(f"{BASE}/late-delivery", payload), 401, "not_authenticated")
    assert_error(ApiClient(operator).put(f"{BASE}/Bad Slug", payload), 422, "invalid_input")
    assert_error(ApiClient(operator).put(f"{BASE}/x", {**payload, "subtype": "nope"}), 422, "invalid_input")
    assert_error(ApiClient(operator).put(f"{BASE}/x", {**payload, "extra": 1}), 422, "invalid_input")
    assert_error(ApiClient(operator).put(f"{BASE}/x", {**payload, "published": "yes"}), 422, "invalid_input")
