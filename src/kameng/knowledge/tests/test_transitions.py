"""The article state table, and its complement: everything not in the table is refused."""

from __future__ import annotations

import itertools

import pytest

from kameng.accounts.models import Role
from kameng.core.errors import DomainError
from kameng.knowledge import services
from kameng.knowledge.models import Article, ArticleState
from kameng.knowledge.tests.conftest import make
from kameng.knowledge.transitions import ACTIONS, ARTICLE_TRANSITIONS, next_article_state

pytestmark = pytest.mark.django_db

MOVES = {"publish": services.publish_article, "archive": services.archive_article}


def test_the_table_is_draft_published_archived():
    for role in (Role.OPERATOR, Role.AGENT):
        assert next_article_state("draft", "publish", role) == "published"
        assert next_article_state("published", "archive", role) == "archived"
        assert next_article_state("archived", "publish", role) == "published"


@pytest.mark.parametrize(("key", "target"), sorted(ARTICLE_TRANSITIONS.items()))
def test_every_transition_in_the_table(key, target, operator, agent):
    state, action, role = key
    user = operator if role == Role.OPERATOR else agent
    make(user)
    Article.objects.filter(slug="check-it").update(state=state)
    moved = MOVES[action](actor=user, slug="check-it")
    assert moved.state == target == Article.objects.get(slug="check-it").state


COMPLEMENT = [
    (s, a, r)
    for s, a, r in itertools.product(ArticleState.values, ACTIONS, Role.values)
    if (s, a, r) not in ARTICLE_TRANSITIONS
]


@pytest.mark.parametrize(("state", "action", "role"), COMPLEMENT)
def test_everything_else_is_refused_and_changes_nothing(state, action, role, operator, agent, buyer, merchant):
    user = {"operator": operator, "agent": agent, "buyer": buyer, "merchant": merchant}[role]
    make(operator)
    Article.objects.filter(slug="check-it").update(state=state)
    with pytest.raises(DomainError) as exc:
        MOVES[action](actor=user, slug="check-it")
    assert exc.value.code in ("knowledge.not_allowed", "auth.role_required")
    assert Article.objects.get(slug="check-it").state == state


def test_unknown_article(operator):
    with pytest.raises(DomainError) as exc:
        services.publish_article(actor=operator, slug="nope")
    assert exc.value.code == "not_found"
