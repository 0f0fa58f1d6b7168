"""The article life as data: ``ARTICLE_TRANSITIONS[(state, action, role)] = next state``.

``services.publish_article`` and ``services.archive_article`` apply it under the article's row
lock; nothing else assigns ``Article.state``. Operators and support agents both edit the
knowledge base; buyers and merchants never appear here. An archived article can be published
again; editing content does not change the state (a published article's new version is live).
"""

from __future__ import annotations

from kameng.accounts.models import Role
from kameng.core.errors import DomainError
from kameng.knowledge.models import ArticleState

D, P, A = ArticleState.DRAFT, ArticleState.PUBLISHED, ArticleState.ARCHIVED
EDITORS = (Role.OPERATOR, Role.AGENT)

ARTICLE_TRANSITIONS: dict[tuple[str, str, str], str] = {
    (state, action, role): target
    for role in EDITORS
    for state, action, target in (
        (D, "publish", P),
        (A, "publish", P),
        (D, "archive", A),
        (P, "archive", A),
    )
}

ACTIONS = ("publish", "archive")


def next_article_state(state: str, action: str, role: str) -> str:
    try:
        return ARTICLE_TRANSITIONS[(state, action, role)]
    except KeyError:
        raise DomainError("knowledge.not_allowed", state=str(ArticleState(state).label)) from None


def allowed_actions(state: str, role: str) -> list[str]:
    return [a for a in ACTIONS if (state, a, role) in ARTICLE_TRANSITIONS]
