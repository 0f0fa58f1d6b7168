"""Real races on PostgreSQL with threads (each its own connection): a user's double vote counts once."""

from __future__ import annotations

import pytest

from kameng.community import selectors, services
from kameng.community.models import Vote
from kameng.core.errors import DomainError
from tests.factories import UserFactory
from tests.helpers import run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _attempt(fn):
    def run(i):
        try:
            fn(i)
            return "ok"
        except DomainError as exc:
            return exc.code

    return run


def test_ten_threads_voting_up_as_one_user_count_once(buyer, other_buyer):
    q = services.ask_question(author=buyer, title="并发投票的问题", body="正文")
    a = services.post_answer(author=buyer, question_id=q.pk, body="回答")
    results, errors = run_threads(
        10, _attempt(lambda i: services.vote(user=other_buyer, kind="question", post_id=q.pk, value=1))
    )
    assert not errors, errors
    assert results == ["ok"] * 10
    assert Vote.objects.filter(question=q).count() == 1
    assert selectors.score_of(kind="question", post_id=q.pk) == 1
    # Up and down at once from one user: one row, whichever came last.
    results, errors = run_threads(
        10, _attempt(lambda i: services.vote(user=other_buyer, kind="answer", post_id=a.pk, value=1 if i % 2 else -1))
    )
    assert not errors, errors
    assert Vote.objects.filter(answer=a).count() == 1
    assert selectors.score_of(kind="answer", post_id=a.pk) in (1, -1)


def test_rate_limit_holds_under_a_burst(db):
    from datetime import timedelta

    from django.utils import timezone

    newbie = UserFactory(username="burst", date_joined=timezone.now() - timedelta(minutes=1))
    results, errors = run_threads(
        8, _attempt(lambda i: services.ask_question(author=newbie, title=f"并发提问 {i} 号", body="正文"))
    )
    assert not errors, errors
    assert results.count("ok") == 3
    assert set(results) == {"ok", "community.rate_limited"}
