"""Community pages: list with filters, question page, asking, htmx votes and accepting, reports,
the moderation console (agents only), profiles; bad input is a 4xx with nothing changed."""

from __future__ import annotations

import pytest
from django.test import Client

from kameng.community import services
from kameng.community.models import ModerationLog, Question, Report, Vote
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _login(user) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


@pytest.fixture
def question(buyer):
    return services.ask_question(
        author=buyer,
        title="点卡激活失败如何自查",
        body="提示**卡密错误**",
        subtype="activation_failed",
        category="game_card",
    )


def test_list_filters_and_question_page(client, question, other_buyer):
    services.post_answer(author=other_buyer, question_id=question.pk, body="检查全角")
    page = client.get("/community/")
    assert page.status_code == 200 and question.title in page.content.decode()
    assert question.title not in client.get("/community/?subtype=invalid_key").content.decode()
    assert question.title in client.get("/community/?category=game_card&sort=votes").content.decode()
    assert client.get("/community/?subtype=bogus").status_code == 422
    assert client.get("/community/?sort=bogus").status_code == 422
    detail = client.get(f"/community/q/{question.pk}/").content.decode()
    assert "<strong>卡密错误</strong>" in detail and "检查全角" in detail
    assert client.get("/community/q/999999/").status_code == 404


def test_chinese_by_default_and_english(client, question):
    assert "提问" in client.get("/community/").content.decode()
    client.post("/i18n/setlang/", {"language": "en"})
    body = client.get("/community/").content.decode()
    assert "Ask a question" in body


def test_ask_page_posts_and_refuses_bad_input(buyer):
    c = _login(buyer)
    assert c.get("/community/ask/").status_code == 200
    bad = c.post("/community/ask/", {"title": "x", "body": "正文"})
    assert bad.status_code == 422 and b'data-code="invalid_input"' in bad.content
    assert not Question.objects.exists()
    ok = c.post("/community/ask/", {"title": "直充区服填错了怎么办", "body": "填错了区服", "subtype": "wrong_region"})
    q = Question.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/community/q/{q.pk}/"
    assert Client().get("/community/ask/").status_code == 302  # to the login page


def test_answer_form_vote_and_accept_with_htmx(question, buyer, other_buyer):
    helper = _login(other_buyer)
    r = helper.post(f"/community/q/{question.pk}/", {"body": "先看自查文章"})
    assert r.status_code == 302
    answer = question.answers.get()
    r = helper.post(f"/community/question/{question.pk}/vote/", {"value": "up"}, **HTMX)
    assert r.status_code == 200 and 'data-testid="score">1<' in r.content.decode()
    assert Vote.objects.get().value == 1
    r = helper.post(f"/community/question/{question.pk}/vote/", {"value": "clear"}, **HTMX)
    assert not Vote.objects.exists()
    assert helper.post(f"/community/question/{question.pk}/vote/", {"value": "sideways"}).status_code == 422
    own = helper.post(f"/community/answer/{answer.pk}/vote/", {"value": "up"}, **HTMX)
    assert own.status_code == 409 and not Vote.objects.exists()
    assert helper.post(f"/community/thing/{answer.pk}/vote/", {"value": "up"}).status_code == 404
    asker = _login(buyer)
    assert helper.post(f"/community/q/{question.pk}/accept/", {"answer": answer.pk}).status_code == 403
    r = asker.post(f"/community/q/{question.pk}/accept/", {"answer": str(answer.pk)}, **HTMX)
    assert r.status_code == 200 and 'data-testid="accepted"' in r.content.decode()
    assert Question.objects.get(pk=question.pk).accepted_answer_id == answer.pk
    assert asker.post(f"/community/q/{question.pk}/accept/", {"answer": "abc"}).status_code == 404
    assert Client().post(f"/community/q/{question.pk}/", {"body": "匿名"}).status_code == 302  # login first


def test_report_console_and_moderation_pages(question, other_buyer, agent, buyer):
    reporter = _login(other_buyer)
    r = reporter.post(f"/community/question/{question.pk}/report/", {"reason": "spam", "text": "广告"}, **HTMX)
    assert r.status_code == 200 and Report.objects.count() == 1
    again = reporter.post(f"/community/question/{question.pk}/report/", {"reason": "spam"})
    assert again.status_code == 409 and Report.objects.count() == 1
    assert reporter.get("/console/community/").status_code == 403
    mod = _login(agent)
    console = mod.get("/console/community/")
    assert console.status_code == 200 and 'data-testid="queue-item"' in console.content.decode()
    assert (
        reporter.post(
            f"/console/community/question/{question.pk}/moderate/", {"action": "hide", "reason": "x"}
        ).status_code
        == 403
    )
    assert (
        mod.post(f"/console/community/question/{question.pk}/moderate/", {"action": "hide", "reason": ""}).status_code
        == 422
    )
    assert not ModerationLog.objects.exists()
    r = mod.post(f"/console/community/question/{question.pk}/moderate/", {"action": "hide", "reason": "广告帖"})
    assert r.status_code == 302
    assert Client().get(f"/community/q/{question.pk}/").status_code == 404
    assert reporter.get(f"/community/q/{question.pk}/").status_code == 404
    own = _login(buyer).get(f"/community/q/{question.pk}/").content.decode()
    assert 'data-testid="moderation-note"' in own and "广告帖" in own
    assert question.title not in Client().get("/community/").content.decode()
    assert "广告帖" in mod.get("/console/community/").content.decode()  # the log
    r = mod.post(f"/console/community/q/{question.pk}/lock/", {"locked": "yes", "reason": "锁定"})
    assert r.status_code == 302 and Question.objects.get(pk=question.pk).locked


def test_profile_page(client, question, other_buyer, buyer):
    a = services.post_answer(author=other_buyer, question_id=question.pk, body="我的回答")
    services.accept_answer(user=buyer, question_id=question.pk, answer_id=a.pk)
    body = client.get(f"/community/u/{other_buyer.username}/").content.decode()
    assert "我的回答" in body and 'data-testid="reputation"' in body and "10" in body
    assert client.get("/community/u/nobody-here/").status_code == 404


def test_case_form_needs_consent(question, buyer, closed_case):
    c = _login(buyer)
    r = c.post(f"/community/question/{question.pk}/case/", {"case_id": str(closed_case.pk)})
    assert r.status_code == 422
    r = c.post(f"/community/question/{question.pk}/case/", {"case_id": str(closed_case.pk), "consent": "yes"})
    assert r.status_code == 302
    page = Client().get(f"/community/q/{question.pk}/").content.decode()
    assert 'data-testid="case-summary"' in page and closed_case.shop.name not in page


def test_question_page_offers_each_role_its_tools(question, buyer, other_buyer, agent):
    services.post_answer(author=other_buyer, question_id=question.pk, body="回答")
    as_agent = _login(agent).get(f"/community/q/{question.pk}/").content.decode()
    assert 'data-testid="moderate-form"' in as_agent and "/lock/" in as_agent
    as_asker = _login(buyer).get(f"/community/q/{question.pk}/").content.decode()
    assert 'data-testid="case-form"' in as_asker and 'data-testid="accept-' in as_asker
    assert 'data-testid="moderate-form"' not in as_asker
    as_other = _login(other_buyer).get(f"/community/q/{question.pk}/").content.decode()
    # Each sees the case form under their own post only, and the report form under the others'.
    assert as_asker.count('data-testid="case-form"') == 1 and as_other.count('data-testid="case-form"') == 1
    assert as_other.count('data-testid="report-form"') == 1 and as_asker.count('data-testid="report-form"') == 1
    assert 'data-testid="accept-' not in as_other
    anonymous = Client().get(f"/community/q/{question.pk}/").content.decode()
    assert 'data-testid="report-form"' not in anonymous and 'data-testid="answer-form"' not in anonymous
