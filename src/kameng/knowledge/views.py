"""Public help pages: /help/ (self-check articles grouped by problem family) and /help/<slug>/."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from kameng.knowledge import selectors


@require_GET
def index(request):
    return render(request, "knowledge/index.html", {"groups": selectors.articles_by_family()})


@require_GET
def article(request, slug: str):
    found = selectors.article(slug)
    return render(
        request,
        "knowledge/article.html",
        {"article": found, "related": [a for a in selectors.self_checks_for(found.subtype) if a.pk != found.pk]},
    )
