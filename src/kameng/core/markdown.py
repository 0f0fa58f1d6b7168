"""Markdown written by people (articles, questions, answers) → HTML that is safe to show.

markdown-it renders CommonMark with raw HTML switched off; nh3 (the Rust ammonia sanitiser) then
keeps only an allow-list of tags and attributes, so neither a <script> in the source nor a
`javascript:` link survives even if the renderer had let it through. Every link gets
rel="nofollow noopener ugc": community text must not lend the platform's standing to spam.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "js-default": CommonMark without raw HTML, plus tables and strikethrough; linkify stays off.
    return MarkdownIt("js-default", {"html": False, "typographer": False})


def render(text: str) -> str:
    """Sanitised HTML for a Markdown source; '' for empty input."""
    if not text:
        return ""
    html = _parser().render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener ugc",
        strip_comments=True,
    )


def plain(text: str) -> str:
    """The words of a Markdown source without markup (for search and for excerpts)."""
    return nh3.clean(render(text), tags=set()).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
