"""Keeps the search index (``kameng.search``) in step with the community: a question is one
document, its title, its Markdown body as plain text and its visible answers' text; a hidden or
deleted question is indexed as not visible. Every write that changes what a question shows calls
``changed`` inside its own transaction (search's writes are safe there: a rollback takes the index
change back with it)."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from kameng.community.models import PostState, Question
from kameng.core.markdown import plain
from kameng.search import registry
from kameng.search import services as search

BODY_MAX = 100_000  # kameng.search.services.BODY_MAX


def document(question: Question) -> dict:
    answers = question.answers.filter(state=PostState.VISIBLE).order_by("created_at", "pk")
    body = "\n\n".join([plain(question.body), *(plain(a.body) for a in answers)])
    return {
        "kind": "question",
        "key": str(question.pk),
        "language": "zh",
        "title": question.title,
        "body": body[:BODY_MAX],
        "url": reverse("community:question", args=[question.pk]),
        "visible": question.state == PostState.VISIBLE,
    }


def changed(question_id: int) -> None:
    question = Question.objects.filter(pk=question_id).first()
    if question is None:
        search.remove_document(kind="question", key=str(question_id))
        return
    search.index_document(**document(question))


def all_documents() -> Iterator[dict]:
    """Every question, for a full re-index (registered as the search source "question")."""
    for question in Question.objects.order_by("pk").iterator(chunk_size=500):
        yield document(question)


def register() -> None:
    registry.register_source("question", all_documents)
