from __future__ import annotations

import pytest

from kameng.core.errors import DomainError
from kameng.knowledge import selectors, services
from kameng.knowledge.models import Article, ArticleVote
from kameng.knowledge.tests.conftest import make

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(operator):
    make(operator)
    return services.publish_article(actor=operator, slug="check-it")


def counts():
    a = Article.objects.get(slug="check-it")
    return a.helpful_count, a.unhelpful_count


def test_one_vote_per_user_and_it_can_change(published, buyer, other_buyer):
    services.vote(slug="check-it", helpful=True, user=buyer)
    services.vote(slug="check-it", helpful=True, user=buyer)
    assert counts() == (1, 0)
    services.vote(slug="check-it", helpful=False, user=buyer)
    assert counts() == (0, 1)
    services.vote(slug="check-it", helpful=True, user=other_buyer)
    assert counts() == (1, 1) and ArticleVote.objects.count() == 2
    assert selectors.my_vote(found=published, user=buyer, session_key=None) is False


def test_one_vote_per_session(published):
    services.vote(slug="check-it", helpful=True, session_key="s1")
    services.vote(slug="check-it", helpful=False, session_key="s1")
    services.vote(slug="check-it", helpful=False, session_key="s2")
    assert counts() == (0, 2) and ArticleVote.objects.filter(user=None).count() == 2
    assert selectors.my_vote(found=published, user=None, session_key="s1") is False


@pytest.mark.parametrize(
    "kw", [{"helpful": "yes", "session_key": "s"}, {"helpful": 1, "session_key": "s"}, {"helpful": True}]
)
def test_bad_votes_are_refused(published, kw):
    with pytest.raises(DomainError) as exc:
        services.vote(slug="check-it", **kw)
    assert exc.value.code == "invalid_input"
    assert counts() == (0, 0) and not ArticleVote.objects.exists()


def test_no_votes_on_drafts(operator, buyer):
    make(operator)
    with pytest.raises(DomainError) as exc:
        services.vote(slug="check-it", helpful=True, user=buyer)
    assert exc.value.code == "not_found" and not ArticleVote.objects.exists()


def test_editors_list_by_helpfulness(operator, buyer, other_buyer):
    for slug in ("a", "b", "c"):
        make(operator, slug=slug)
        services.publish_article(actor=operator, slug=slug)
    services.vote(slug="a", helpful=False, user=buyer)
    services.vote(slug="b", helpful=True, user=buyer)
    services.vote(slug="b", helpful=False, user=other_buyer)
    services.vote(slug="c", helpful=True, user=buyer)
    make(operator, slug="d")
    assert [a.slug for a in selectors.editor_articles(user=operator, sort="helpful")] == ["c", "b", "a", "d"]
    assert [a.slug for a in selectors.editor_articles(user=operator, sort="unhelpful")] == ["a", "b", "c", "d"]
    assert [a.slug for a in selectors.editor_articles(user=operator, state="draft")] == ["d"]
    assert Article.objects.get(slug="b").helpful_percent == 50
    with pytest.raises(DomainError):
        selectors.editor_articles(user=operator, sort="nonsense")
