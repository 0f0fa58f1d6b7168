"""/api/v1/community: every endpoint, its bad input and its permissions; the anonymised case; XSS;
the rate limit's 429; search."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from kameng.community import services
from kameng.community.models import Answer, CaseSummary, ModerationLog, Question, Report, Vote
from kameng.inventory.models import CardKey
from tests.factories import UserFactory
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db
BASE = "/api/v1/community"


def _ask(client, **kw):
    body = {"title": "话费充值三小时没到账", "body": "充了100元，一直显示处理中", **kw}
    return client.post(f"{BASE}/questions", body)


def test_post_answer_vote_accept_over_the_api(api_client, buyer, other_buyer, agent):
    asker, helper, official = api_client(buyer), api_client(other_buyer), api_client(agent)
    r = _ask(asker, subtype="late_delivery", category="phone_topup")
    assert r.status_code == 201, r.content
    qid = r.json()["id"]
    a = helper.post(f"{BASE}/questions/{qid}/answers", {"body": "直充一般有承诺时限，先等等"})
    assert a.status_code == 201 and a.json()["official"] is False
    o = official.post(f"{BASE}/questions/{qid}/answers", {"body": "平台客服：超时可申请售后"})
    assert o.json()["official"] is True
    aid = a.json()["id"]
    v = asker.post(f"{BASE}/answer/{aid}/vote", {"value": 1})
    assert v.json() == {"score": 1, "my_vote": 1}
    assert_error(helper.post(f"{BASE}/answer/{aid}/vote", {"value": 1}), 409, "community.own_post")
    assert_error(asker.post(f"{BASE}/answer/{aid}/vote", {"value": 5}), 422, "invalid_input")
    assert_error(asker.post(f"{BASE}/story/{aid}/vote", {"value": 1}), 422)
    assert_error(helper.post(f"{BASE}/questions/{qid}/accept", {"answer_id": aid}), 403, "community.not_asker")
    r = asker.post(f"{BASE}/questions/{qid}/accept", {"answer_id": aid})
    assert r.status_code == 200
    detail = r.json()
    assert detail["accepted_answer_id"] == aid
    assert [x["id"] for x in detail["answers"]] == [aid, o.json()["id"]]
    assert detail["answers"][0]["accepted"] and detail["answers"][1]["official"]
    assert detail["answers"][0]["author"]["reputation"] == 12
    listing = api_client().get(f"{BASE}/questions", {"subtype": "late_delivery"}).json()
    assert [q["id"] for q in listing["items"]] == [qid]
    assert api_client().get(f"{BASE}/questions", {"subtype": "invalid_key"}).json()["items"] == []
    assert_error(api_client().get(f"{BASE}/questions", {"subtype": "nope"}), 422, "invalid_input")
    assert_error(api_client().get(f"{BASE}/questions", {"sort": "random"}), 422, "invalid_input")
    profile = api_client().get(f"{BASE}/users/{other_buyer.username}").json()
    assert profile["author"]["reputation"] == 12 and profile["accepted_count"] == 1


def test_bad_input_changes_nothing(api_client, buyer):
    c = api_client(buyer)
    assert_error(api_client().post(f"{BASE}/questions", {"title": "匿名提问测试", "body": "x"}), 401)
    assert_error(c.post(f"{BASE}/questions", {"title": "缺正文"}), 422)
    assert_error(_ask(c, extra=1), 422)
    assert_error(_ask(c, title="x" * 151), 422)
    assert_error(_ask(c, body="bell\x07"), 422, "invalid_input")
    assert_error(_ask(c, articles=["nope"]), 422, "community.unknown_article")
    assert_error(c.post(f"{BASE}/questions", b"not json", content_type="application/json"), 400)
    assert not Question.objects.exists()
    assert_error(c.post(f"{BASE}/questions/999/answers", {"body": "x"}), 404, "not_found")
    assert_error(c.post(f"{BASE}/questions/0/answers", {"body": "x"}), 422)
    assert_error(c.get(f"{BASE}/questions/99999999999999999999999"), 422)
    assert_error(c.post(f"{BASE}/question/1/report", {"reason": "spam"}), 404)
    assert not Answer.objects.exists() and not Report.objects.exists()


def test_rate_limit_is_429_and_writes_nothing(api_client, db):
    newbie = UserFactory(username="newbie", date_joined=timezone.now() - timedelta(minutes=5))
    c = api_client(newbie)
    for i in range(3):
        assert _ask(c, title=f"新用户第{i}个问题").status_code == 201
    err = assert_error(_ask(c, title="新用户第四个问题"), 429, "community.rate_limited")
    assert "3" in err["message"]
    assert Question.objects.count() == 3


def test_xss_is_inert_in_the_api_and_the_page(api_client, client, buyer, other_buyer):
    payload = "<script>alert(1)</script> [点我](javascript:alert(2)) <img src=x onerror=alert(3)>"
    r = _ask(api_client(buyer), body=payload)
    qid = r.json()["id"]
    api_client(other_buyer).post(f"{BASE}/questions/{qid}/answers", {"body": payload})
    detail = api_client().get(f"{BASE}/questions/{qid}").json()
    for html in (detail["html"], detail["answers"][0]["html"]):
        assert "<script" not in html and 'href="javascript' not in html and "<img" not in html
        assert "&lt;script&gt;" in html
    page = client.get(f"/community/q/{qid}/").content.decode()
    assert "<script>alert" not in page and 'href="javascript' not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page  # shown as text


def test_report_and_moderation_api(api_client, buyer, other_buyer, agent):
    q = services.ask_question(author=buyer, title="低价出售卡密加我", body="广告")
    reporter = api_client(other_buyer)
    r = reporter.post(f"{BASE}/question/{q.pk}/report", {"reason": "spam", "text": "广告"})
    assert r.status_code == 201
    assert_error(reporter.post(f"{BASE}/question/{q.pk}/report", {"reason": "spam"}), 409, "community.report_open")
    assert_error(reporter.post(f"{BASE}/question/{q.pk}/report", {"reason": "bogus"}), 422)
    assert_error(reporter.get(f"{BASE}/moderation/queue"), 403, "auth.role_required")
    mod = api_client(agent)
    queue = mod.get(f"{BASE}/moderation/queue").json()
    assert [(i["kind"], i["post_id"], len(i["reports"])) for i in queue] == [("question", q.pk, 1)]
    assert_error(reporter.post(f"{BASE}/question/{q.pk}/moderate", {"action": "hide", "reason": "x"}), 403)
    assert_error(mod.post(f"{BASE}/question/{q.pk}/moderate", {"action": "explode", "reason": "x"}), 422)
    assert_error(mod.post(f"{BASE}/question/{q.pk}/moderate", {"action": "hide", "reason": ""}), 422)
    assert not ModerationLog.objects.exists()
    r = mod.post(f"{BASE}/question/{q.pk}/moderate", {"action": "hide", "reason": "广告贴"})
    assert r.json() == {"kind": "question", "id": q.pk, "state": "hidden", "reason": "广告贴"}
    assert_error(mod.post(f"{BASE}/question/{q.pk}/moderate", {"action": "hide", "reason": "again"}), 409)
    assert_error(api_client(other_buyer).get(f"{BASE}/questions/{q.pk}"), 404)
    assert_error(api_client().get(f"{BASE}/questions/{q.pk}"), 404)
    own = api_client(buyer).get(f"{BASE}/questions/{q.pk}").json()
    assert own["moderation"] == {"state": "hidden", "reason": "广告贴"}
    assert api_client().get(f"{BASE}/questions").json()["items"] == []
    log = mod.get(f"{BASE}/moderation/log").json()
    assert [(e["action"], e["reason"], e["actor"]) for e in log] == [("hide", "广告贴", agent.username)]
    lock = mod.post(f"{BASE}/questions/{q.pk}/lock", {"locked": True, "reason": "锁定"})
    assert lock.status_code == 200 and lock.json()["locked"] is True
    assert_error(mod.post(f"{BASE}/questions/{q.pk}/lock", {"locked": "yes", "reason": "x"}), 422)


def test_dismiss_report(api_client, buyer, other_buyer, agent):
    q = services.ask_question(author=buyer, title="一个正常的问题", body="正常")
    rep = services.report_post(reporter=other_buyer, kind="question", post_id=q.pk, reason="other")
    assert_error(api_client(other_buyer).post(f"{BASE}/reports/{rep.pk}/dismiss", {"reason": "x"}), 403)
    r = api_client(agent).post(f"{BASE}/reports/{rep.pk}/dismiss", {"reason": "没有问题"})
    assert r.json()["status"] == "dismissed"
    assert_error(api_client(agent).post(f"{BASE}/reports/{rep.pk}/dismiss", {"reason": "x"}), 409)
    assert_error(api_client(agent).post(f"{BASE}/reports/99999/dismiss", {"reason": "x"}), 404)
    # A dismissed report frees the reporter to report again.
    services.report_post(reporter=other_buyer, kind="question", post_id=q.pk, reason="spam")


def test_link_article_api(api_client, buyer, other_buyer, article):
    q = services.ask_question(author=buyer, title="卡密无效怎么办呢", body="无效")
    r = api_client(buyer).post(f"{BASE}/question/{q.pk}/articles", {"slug": article.slug})
    assert r.status_code == 200 and [a["slug"] for a in r.json()] == [article.slug]
    assert_error(api_client(other_buyer).post(f"{BASE}/question/{q.pk}/articles", {"slug": article.slug}), 403)
    assert_error(api_client(buyer).post(f"{BASE}/question/{q.pk}/articles", {"slug": "nope"}), 422)
    detail = api_client().get(f"{BASE}/questions/{q.pk}").json()
    assert detail["articles"][0]["url"] == f"/help/{article.slug}/"


# --- anonymised after-sales cases ------------------------------------------------------------------


def _private_strings(case) -> list[str]:
    order = case.order
    keys = list(CardKey.objects.filter(product=order.product).values_list("fingerprint", flat=True)[:3])
    return [
        case.shop.name,
        case.shop.slug,
        f"/orders/{order.pk}/",
        str(getattr(order, "number", "") or "") or "no-order-number",
        "买家张三",  # the case's description
        "已退款",  # the merchant's note
        *keys,
    ]


def test_buyer_shares_closed_case_anonymised(api_client, client, buyer, closed_case):
    buyer.display_name = "王小明"
    buyer.save()
    q = services.ask_question(author=buyer, title="卡密无效最后怎么解决", body="分享一下经过")
    c = api_client(buyer)
    assert_error(c.post(f"{BASE}/question/{q.pk}/cases", {"case_id": closed_case.pk, "consent": False}), 422)
    assert_error(c.post(f"{BASE}/question/{q.pk}/cases", {"case_id": closed_case.pk}), 422)
    assert not CaseSummary.objects.exists()
    r = c.post(f"{BASE}/question/{q.pk}/cases", {"case_id": closed_case.pk, "consent": True})
    assert r.status_code == 201, r.content
    summary = r.json()
    assert summary["subtype"] == "invalid_key" and summary["category"] == "game_card"
    assert summary["delivery_kind"] == "card_key" and summary["outcome"] == "full_refund"
    assert summary["stages"] and summary["stages"][0]["stage"] == "merchant"
    assert set(summary) == {
        "subtype", "family", "category", "delivery_kind", "outcome", "final_state", "responsible", "clause",
        "fast_refunded", "appealed", "stages", "total_minutes", "consent_at",
    }  # fmt: skip
    assert CaseSummary.objects.get().consent_at is not None
    assert_error(c.post(f"{BASE}/question/{q.pk}/cases", {"case_id": closed_case.pk, "consent": True}), 409)
    api_text = api_client().get(f"{BASE}/questions/{q.pk}").content.decode()
    page = client.get(f"/community/q/{q.pk}/").content.decode()
    assert 'data-testid="case-summary"' in page
    for secret in _private_strings(closed_case):
        assert secret not in api_text, secret
        assert secret not in page, secret
    assert str(closed_case.order.product.price_fen) not in api_text
    # The summary itself names nobody, not even the buyer who shared it.
    shared = (
        json.dumps(summary, ensure_ascii=False) + page.split('data-testid="case-summary"')[1].split("</section>")[0]
    )
    for name in ("王小明", closed_case.shop.owner.username, closed_case.shop.name):
        assert name not in shared, name


def test_case_sharing_refuses_open_and_others_cases(api_client, buyer, other_buyer, merchant, open_case, closed_case):
    mine = services.ask_question(author=buyer, title="我的售后经历分享", body="经过")
    theirs = services.ask_question(author=other_buyer, title="别人的帖子标题", body="经过")
    assert_error(
        api_client(buyer).post(f"{BASE}/question/{mine.pk}/cases", {"case_id": open_case.pk, "consent": True}),
        409,
        "community.case_not_closed",
    )
    # Another buyer's case is simply not found; so is the buyer's case on someone else's post refused.
    assert_error(
        api_client(other_buyer).post(
            f"{BASE}/question/{theirs.pk}/cases", {"case_id": closed_case.pk, "consent": True}
        ),
        404,
    )
    assert_error(
        api_client(buyer).post(f"{BASE}/question/{theirs.pk}/cases", {"case_id": closed_case.pk, "consent": True}),
        403,
        "community.not_author",
    )
    # A merchant (who may see the case) is not its buyer.
    merchant_q = services.ask_question(author=merchant, title="商家的提问标题", body="经过")
    assert_error(
        api_client(merchant).post(
            f"{BASE}/question/{merchant_q.pk}/cases", {"case_id": closed_case.pk, "consent": True}
        ),
        403,
        "auth.role_required",
    )
    assert not CaseSummary.objects.exists()


# --- search -------------------------------------------------------------------------------------------


def test_posted_question_is_findable_and_hidden_one_is_not(buyer, other_buyer, agent):
    from kameng.search import selectors as search

    q = services.ask_question(author=buyer, title="点卡激活失败怎么办", body="提示卡密错误")
    services.post_answer(author=other_buyer, question_id=q.pk, body="注意全角字母")
    hits = search.search("激活失败", kinds=["question"]).hits
    assert [h.key for h in hits] == [str(q.pk)]
    assert [h.key for h in search.search("全角", kinds=["question"]).hits] == [str(q.pk)]
    services.moderate(moderator=agent, kind="question", post_id=q.pk, action="hide", reason="测试")
    assert search.search("激活失败", kinds=["question"]).hits == []
    services.moderate(moderator=agent, kind="question", post_id=q.pk, action="restore", reason="测试")
    assert [h.key for h in search.search("激活失败", kinds=["question"]).hits] == [str(q.pk)]


def test_vote_rows_unique_per_user(api_client, buyer, other_buyer):
    q = services.ask_question(author=buyer, title="一个可以投票的问题", body="正文")
    c = api_client(other_buyer)
    for value in (1, 1, -1, 1):
        c.post(f"{BASE}/question/{q.pk}/vote", {"value": value})
    assert Vote.objects.filter(question=q).count() == 1
    assert api_client().get(f"{BASE}/questions/{q.pk}").json()["score"] == 1
    assert c.get(f"{BASE}/questions/{q.pk}").json()["my_vote"] == 1


def test_full_reindex_reads_the_registered_source(buyer, agent):
    from kameng.search import registry
    from kameng.search import selectors as search
    from kameng.search import services as search_services
    from kameng.search.models import SearchDocument

    shown = services.ask_question(author=buyer, title="重复扣款怎么退回", body="扣了两次钱")
    hidden = services.ask_question(author=buyer, title="重复扣款广告帖子", body="加群")
    services.moderate(moderator=agent, kind="question", post_id=hidden.pk, action="hide", reason="广告")
    SearchDocument.objects.filter(kind="question").delete()
    assert search.search("重复扣款", kinds=["question"]).hits == []
    counts = search_services.reindex(sources={"question": registry.sources()["question"]})
    assert counts == {"question": 2}
    assert [h.key for h in search.search("重复扣款", kinds=["question"]).hits] == [str(shown.pk)]
