"""Community services: asking, answering, votes, accepting, official answers, reputation, reports,
moderation (the transition table and its complement), locks, rate limits, text checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kameng.accounts.models import Role
from kameng.community import selectors, services
from kameng.community.models import Answer, ModerationLog, PostState, Question, Report, ReportStatus, Vote
from kameng.community.transitions import MODERATION
from kameng.core.errors import DomainError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _ask(author, title="点卡激活失败怎么办", body="输入卡密后提示**无效**", **kw):
    return services.ask_question(author=author, title=title, body=body, **kw)


def _code(fn, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as exc:
        fn(*args, **kwargs)
    return exc.value.code


def test_ask_answer_and_official_answer_first(buyer, other_buyer, agent):
    q = _ask(buyer, subtype="invalid_key", category="game_card")
    plain = services.post_answer(author=other_buyer, question_id=q.pk, body="检查全角字符")
    official = services.post_answer(author=agent, question_id=q.pk, body="平台客服：请提交售后单")
    assert not plain.official and official.official
    services.vote(user=buyer, kind="answer", post_id=plain.pk, value=1)
    order = [a.pk for a in selectors.answers_of(buyer, q)]
    assert order == [official.pk, plain.pk]  # official above a better-scored plain answer
    # The accepted answer is above the official one.
    services.accept_answer(user=buyer, question_id=q.pk, answer_id=plain.pk)
    q = selectors.question_for(buyer, q.pk)
    assert [a.pk for a in selectors.answers_of(buyer, q)] == [plain.pk, official.pk]


def test_answers_sort_by_score_among_equals(buyer, other_buyer):
    q = _ask(buyer)
    third = UserFactory(username="third")
    low = services.post_answer(author=other_buyer, question_id=q.pk, body="第一")
    high = services.post_answer(author=third, question_id=q.pk, body="第二")
    services.vote(user=buyer, kind="answer", post_id=high.pk, value=1)
    services.vote(user=buyer, kind="answer", post_id=low.pk, value=-1)
    assert [a.pk for a in selectors.answers_of(None, q)] == [high.pk, low.pk]
    assert [a.score for a in selectors.answers_of(None, q)] == [1, -1]


def test_one_vote_per_user_changeable_and_not_on_own_post(buyer, other_buyer):
    q = _ask(buyer)
    services.vote(user=other_buyer, kind="question", post_id=q.pk, value=1)
    services.vote(user=other_buyer, kind="question", post_id=q.pk, value=1)
    assert selectors.score_of(kind="question", post_id=q.pk) == 1
    services.vote(user=other_buyer, kind="question", post_id=q.pk, value=-1)
    assert selectors.score_of(kind="question", post_id=q.pk) == -1
    assert Vote.objects.filter(question=q).count() == 1
    services.vote(user=other_buyer, kind="question", post_id=q.pk, value=0)
    assert Vote.objects.filter(question=q).count() == 0
    assert _code(services.vote, user=buyer, kind="question", post_id=q.pk, value=1) == "community.own_post"
    assert _code(services.vote, user=other_buyer, kind="question", post_id=q.pk, value=2) == "invalid_input"
    assert _code(services.vote, user=other_buyer, kind="question", post_id=q.pk, value=True) == "invalid_input"
    assert _code(services.vote, user=other_buyer, kind="story", post_id=q.pk, value=1) == "invalid_input"
    assert _code(services.vote, user=other_buyer, kind="question", post_id=q.pk + 99, value=1) == "not_found"
    assert Vote.objects.count() == 0


def test_only_the_asker_accepts_and_can_change(buyer, other_buyer):
    q = _ask(buyer)
    a1 = services.post_answer(author=other_buyer, question_id=q.pk, body="一")
    a2 = services.post_answer(author=other_buyer, question_id=q.pk, body="二")
    assert _code(services.accept_answer, user=other_buyer, question_id=q.pk, answer_id=a1.pk) == "community.not_asker"
    services.accept_answer(user=buyer, question_id=q.pk, answer_id=a1.pk)
    services.accept_answer(user=buyer, question_id=q.pk, answer_id=a2.pk)
    assert Question.objects.get(pk=q.pk).accepted_answer_id == a2.pk
    other_q = _ask(other_buyer, title="另一个问题")
    stranger = services.post_answer(author=buyer, question_id=other_q.pk, body="别处的回答")
    assert _code(services.accept_answer, user=buyer, question_id=q.pk, answer_id=stranger.pk) == "not_found"
    services.accept_answer(user=buyer, question_id=q.pk, answer_id=None)
    assert Question.objects.get(pk=q.pk).accepted_answer_id is None


def test_reputation_table_floor_and_no_drift(buyer, other_buyer):
    helper = UserFactory(username="helper")
    voters = [UserFactory(username=f"v{i}") for i in range(3)]
    q = _ask(buyer)
    a = services.post_answer(author=helper, question_id=q.pk, body="有用的回答")
    for v in voters:
        services.vote(user=v, kind="answer", post_id=a.pk, value=1)
    services.vote(user=other_buyer, kind="answer", post_id=a.pk, value=-1)
    assert selectors.reputation_of([helper.pk]) == {helper.pk: 3 * 2 - 1}
    services.accept_answer(user=buyer, question_id=q.pk, answer_id=a.pk)
    assert selectors.reputation_of([helper.pk])[helper.pk] == 10 + 6 - 1
    # A changed vote changes the points at once: they are computed from the votes, never stored.
    services.vote(user=voters[0], kind="answer", post_id=a.pk, value=-1)
    assert selectors.reputation_of([helper.pk])[helper.pk] == 10 + 4 - 2
    services.accept_answer(user=buyer, question_id=q.pk, answer_id=None)
    assert selectors.reputation_of([helper.pk])[helper.pk] == 2
    # Floor 0: more downvotes than anything else.
    bad = services.post_answer(author=other_buyer, question_id=q.pk, body="没用")
    for v in voters:
        services.vote(user=v, kind="answer", post_id=bad.pk, value=-1)
    assert selectors.reputation_of([other_buyer.pk])[other_buyer.pk] == 0
    # Votes on a hidden post stop counting.
    agent = UserFactory(username="mod", role=Role.AGENT)
    services.moderate(moderator=agent, kind="answer", post_id=a.pk, action="hide", reason="spam")
    assert selectors.reputation_of([helper.pk])[helper.pk] == 0
    # The profile shows the same number.
    assert selectors.profile(None, "helper").reputation == 0


def test_accepting_ones_own_answer_earns_nothing(buyer):
    q = _ask(buyer)
    mine = services.post_answer(author=buyer, question_id=q.pk, body="自问自答")
    services.accept_answer(user=buyer, question_id=q.pk, answer_id=mine.pk)
    assert selectors.reputation_of([buyer.pk])[buyer.pk] == 0


def test_report_once_then_moderation_logs_and_hides(buyer, other_buyer, agent):
    q = _ask(buyer, body="加我QQ 123456 低价卡密")
    r = services.report_post(reporter=other_buyer, kind="question", post_id=q.pk, reason="spam", text="广告")
    assert _code(services.report_post, reporter=other_buyer, kind="question", post_id=q.pk, reason="spam") == (
        "community.report_open"
    )
    assert _code(services.report_post, reporter=other_buyer, kind="question", post_id=q.pk, reason="x") == (
        "invalid_input"
    )
    queue = selectors.moderation_queue(agent)
    assert [(i.kind, i.post.pk, len(i.reports)) for i in queue] == [("question", q.pk, 1)]
    assert _code(selectors.moderation_queue, buyer) == "auth.role_required"
    assert _code(services.moderate, moderator=buyer, kind="question", post_id=q.pk, action="hide", reason="x") == (
        "auth.role_required"
    )
    services.moderate(moderator=agent, kind="question", post_id=q.pk, action="hide", reason="广告")
    log = ModerationLog.objects.get()
    assert (log.actor_id, log.question_id, log.action, log.reason, log.from_state, log.to_state) == (
        agent.pk,
        q.pk,
        "hide",
        "广告",
        "visible",
        "hidden",
    )
    assert Report.objects.get(pk=r.pk).status == ReportStatus.ACTIONED
    assert selectors.moderation_queue(agent) == []
    # Invisible to others, visible to its author with the reason, and to agents.
    assert _code(selectors.question_for, other_buyer, q.pk) == "not_found"
    assert _code(selectors.question_for, None, q.pk) == "not_found"
    assert selectors.question_for(buyer, q.pk).moderation_reason == "广告"
    assert selectors.question_for(agent, q.pk).state == PostState.HIDDEN
    assert list(selectors.questions(other_buyer)) == []
    assert [x.pk for x in selectors.questions(buyer)] == [q.pk]
    # Nobody answers, votes on or reports a hidden post.
    assert _code(services.post_answer, author=other_buyer, question_id=q.pk, body="x") == "not_found"
    assert _code(services.vote, user=other_buyer, kind="question", post_id=q.pk, value=1) == "not_found"
    # A refused move writes nothing.
    assert _code(services.moderate, moderator=agent, kind="question", post_id=q.pk, action="hide", reason="x") == (
        "community.moderation_not_allowed"
    )
    assert _code(services.moderate, moderator=agent, kind="question", post_id=q.pk, action="hide", reason="") == (
        "invalid_input"
    )
    assert ModerationLog.objects.count() == 1
    services.moderate(moderator=agent, kind="question", post_id=q.pk, action="restore", reason="误判")
    assert selectors.question_for(other_buyer, q.pk).moderation_reason == ""


def test_hidden_answer_hidden_from_others_shown_to_author(buyer, other_buyer, agent):
    q = _ask(buyer)
    a = services.post_answer(author=other_buyer, question_id=q.pk, body="辱骂")
    services.moderate(moderator=agent, kind="answer", post_id=a.pk, action="hide", reason="不友善")
    assert selectors.answers_of(buyer, q) == []
    assert selectors.answers_of(None, q) == []
    assert [x.moderation_reason for x in selectors.answers_of(other_buyer, q)] == ["不友善"]
    assert _code(services.accept_answer, user=buyer, question_id=q.pk, answer_id=a.pk) == "not_found"


@pytest.mark.parametrize("role", [Role.AGENT, Role.OPERATOR, Role.BUYER, Role.MERCHANT])
@pytest.mark.parametrize("state", list(PostState.values))
@pytest.mark.parametrize("action", ["hide", "restore", "delete"])
def test_moderation_table_and_its_complement(buyer, role, state, action):
    moderator = UserFactory(username="m", role=role)
    q = _ask(buyer)
    Question.objects.filter(pk=q.pk).update(state=state)
    allowed = MODERATION.get((state, action, role))
    if role not in (Role.AGENT, Role.OPERATOR):
        assert _code(services.moderate, moderator=moderator, kind="question", post_id=q.pk, action=action, reason="r")
        assert Question.objects.get(pk=q.pk).state == state
    elif allowed is None:
        code = _code(services.moderate, moderator=moderator, kind="question", post_id=q.pk, action=action, reason="r")
        assert code == "community.moderation_not_allowed"
        assert Question.objects.get(pk=q.pk).state == state
        assert not ModerationLog.objects.exists()
    else:
        services.moderate(moderator=moderator, kind="question", post_id=q.pk, action=action, reason="r")
        assert Question.objects.get(pk=q.pk).state == allowed
        assert ModerationLog.objects.get().to_state == allowed


def test_locked_question_refuses_answers_votes_and_accepting(buyer, other_buyer, agent):
    q = _ask(buyer)
    a = services.post_answer(author=other_buyer, question_id=q.pk, body="答")
    services.set_locked(moderator=agent, question_id=q.pk, locked=True, reason="已解决，锁定")
    assert _code(services.post_answer, author=other_buyer, question_id=q.pk, body="再答") == "community.locked"
    assert _code(services.vote, user=other_buyer, kind="question", post_id=q.pk, value=1) == "community.locked"
    assert _code(services.vote, user=buyer, kind="answer", post_id=a.pk, value=1) == "community.locked"
    assert _code(services.accept_answer, user=buyer, question_id=q.pk, answer_id=a.pk) == "community.locked"
    assert ModerationLog.objects.get().action == "lock"
    assert _code(services.set_locked, moderator=buyer, question_id=q.pk, locked=False, reason="x") == (
        "auth.role_required"
    )


def test_new_account_rate_limit_writes_nothing(db, settings):
    newbie = UserFactory(username="newbie", date_joined=timezone.now() - timedelta(hours=1))
    q = _ask(newbie)
    services.post_answer(author=newbie, question_id=q.pk, body="1")
    services.post_answer(author=newbie, question_id=q.pk, body="2")
    assert _code(services.post_answer, author=newbie, question_id=q.pk, body="3") == "community.rate_limited"
    assert _code(_ask, newbie, title="第四个问题") == "community.rate_limited"
    assert (Question.objects.count(), Answer.objects.count()) == (1, 2)
    # An established account has the larger allowance; agents none.
    veteran = UserFactory(username="veteran")
    for i in range(4):
        _ask(veteran, title=f"老用户问题 {i}")
    settings.KAMENG_COMMUNITY_POSTS_PER_HOUR = 4
    assert _code(_ask, veteran, title="第五个问题") == "community.rate_limited"
    agent = UserFactory(username="ag", role=Role.AGENT)
    for i in range(5):
        services.post_answer(author=agent, question_id=q.pk, body=f"官方 {i}")


def test_text_checks(buyer):
    assert _code(_ask, buyer, title="短") == "invalid_input"
    assert _code(_ask, buyer, title="x" * 151) == "invalid_input"
    assert _code(_ask, buyer, title="两行\n标题") == "invalid_input"
    assert _code(_ask, buyer, body="控制\x07字符") == "invalid_input"
    assert _code(_ask, buyer, body="   ") == "invalid_input"
    assert _code(_ask, buyer, subtype="nope") == "invalid_input"
    assert _code(_ask, buyer, category="nope") == "invalid_input"
    assert _code(_ask, buyer, articles=["no-such-article"]) == "community.unknown_article"
    assert _code(_ask, None) == "not_authenticated"
    assert not Question.objects.exists()


def test_article_links(buyer, other_buyer, article):
    q = _ask(buyer, articles=["key-check", "key-check"])
    assert q.article_slugs == ["key-check"]
    assert [a.slug for a in selectors.articles_of(q)] == ["key-check"]
    a = services.post_answer(author=other_buyer, question_id=q.pk, body="看这篇")
    services.link_article(user=other_buyer, kind="answer", post_id=a.pk, slug="key-check")
    assert Answer.objects.get(pk=a.pk).article_slugs == ["key-check"]
    assert _code(services.link_article, user=buyer, kind="answer", post_id=a.pk, slug="key-check") == (
        "community.not_author"
    )
    assert _code(services.link_article, user=other_buyer, kind="answer", post_id=a.pk, slug="nope") == (
        "community.unknown_article"
    )
    # An article unpublished later drops out of the page.
    type(article).objects.filter(pk=article.pk).update(state="archived")
    assert selectors.articles_of(q) == []
