"""The one place that speaks each database's full-text dialect. Both receive the same
``analysis.Plan`` and answer the same question: which visible documents match every group, and
in what order (preferred language first, then title matches above body-only matches, then the
database's relevance score).

SQLite: ``search_fts``, an FTS5 table over ``title_terms``/``body_terms`` with the document
table as external content, kept in sync by triggers (migration 0002); bm25 with the title column
weighted 10 : 1. A title match is "the same MATCH restricted to the title column".

PostgreSQL: ``search_searchdocument.search_vector``, a stored generated tsvector built from the
terms by ``search_terms_vector()`` without a text-search parser (the terms are already cut, and
the default parser would split "x.cn/a" or "a-b" differently from the query), title lexemes
weighted A, body B, with a GIN index; ts_rank. A title match is the tsquery with every lexeme
restricted to weight A.

Every term reaches the database as a quoted literal inside a bound parameter: FTS5 and tsquery
syntax in a user's query ("OR", "*", ":", quotes) is never interpreted."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from kameng.search.analysis import Alternative, Plan

# Matches are counted up to this many (more shows as "1000+"): counting every match of a word in
# most documents costs as much as ranking them, and nobody pages past the fiftieth page.
COUNT_CAP = 1000


@dataclass(frozen=True)
class Row:
    id: int
    score: float
    title_hit: bool


# --- SQLite FTS5 ---------------------------------------------------------------------------------


def _fts_quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _fts_alternative(alt: Alternative) -> str:
    if alt.prefix:
        return _fts_quote(alt.text) + "*"
    parts = [_fts_quote(alt.text)]
    if alt.grams and alt.grams != (alt.text,):
        parts.append(_fts_quote(" ".join(alt.grams)))
    return " OR ".join(parts)


def fts_match(plan: Plan, *, title_only: bool = False) -> str:
    expr = " AND ".join("(" + " OR ".join(_fts_alternative(a) for a in group) + ")" for group in plan.groups)
    return "{title_terms} : (" + expr + ")" if title_only else expr


# --- PostgreSQL tsquery --------------------------------------------------------------------------


def _ts_lexeme(token: str, weight: str, prefix: bool = False) -> str:
    quoted = "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"
    label = ("*" if prefix else "") + weight
    return f"{quoted}:{label}" if label else quoted


def _ts_alternative(alt: Alternative, weight: str) -> str:
    if alt.prefix:
        return _ts_lexeme(alt.text, weight, prefix=True)
    parts = [_ts_lexeme(alt.text, weight)]
    if alt.grams and alt.grams != (alt.text,):
        parts.append("(" + " <-> ".join(_ts_lexeme(g, weight) for g in alt.grams) + ")")
    return " | ".join(parts)


def tsquery(plan: Plan, *, title_only: bool = False) -> str:
    weight = "A" if title_only else ""
    return " & ".join("(" + " | ".join(_ts_alternative(a, weight) for a in group) + ")" for group in plan.groups)


# --- the query -----------------------------------------------------------------------------------


def _filters(kinds: list[str] | None, language: str | None) -> tuple[str, list]:
    # Only fixed SQL and %s placeholders are joined into the statements below (hence the noqa).
    sql, params = " AND d.visible", []
    if kinds:
        sql += " AND d.kind IN (" + ", ".join(["%s"] * len(kinds)) + ")"
        params += list(kinds)
    if language:
        sql += " AND d.language = %s"
        params.append(language)
    return sql, params


def find(
    plan: Plan, *, kinds: list[str] | None, language: str | None, prefer: str, limit: int, offset: int
) -> tuple[int, list[Row]]:
    """(total, capped at COUNT_CAP + 1, and one page of rows) for a non-empty plan."""
    where, params = _filters(kinds, language)
    # One hit per document: an article in both languages matches twice; with no language asked
    # for, the copy in the other language is left out when the preferred copy matches too.
    twin = (
        " AND NOT (d.language <> %s AND EXISTS (SELECT 1 FROM search_searchdocument s"
        " WHERE s.kind = d.kind AND s.key = d.key AND s.language = %s AND s.visible AND {match}))"
    )
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            q, tq = tsquery(plan), tsquery(plan, title_only=True)
            if language is None:
                where += twin.format(match="s.search_vector @@ %s::tsquery")
                params = [*params, prefer, prefer, q]
            cur.execute(
                "SELECT count(*) FROM (SELECT 1 FROM search_searchdocument d"  # noqa: S608
                " WHERE d.search_vector @@ %s::tsquery" + where + " LIMIT %s) AS m",
                [q, *params, COUNT_CAP + 1],
            )
            total = cur.fetchone()[0]
            if not total:
                return 0, []
            cur.execute(
                "SELECT d.id, ts_rank(d.search_vector, %s::tsquery) AS score,"  # noqa: S608
                " d.search_vector @@ %s::tsquery AS title_hit"
                " FROM search_searchdocument d WHERE d.search_vector @@ %s::tsquery" + where + ""
                " ORDER BY (d.language = %s) DESC, title_hit DESC, score DESC, d.id LIMIT %s OFFSET %s",
                [q, tq, q, *params, prefer, limit, offset],
            )
            return total, [Row(r[0], float(r[1]), bool(r[2])) for r in cur.fetchall()]
        match, title_match = fts_match(plan), fts_match(plan, title_only=True)
        if language is None:
            where += twin.format(match="s.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)")
            params = [*params, prefer, prefer, match]
        base = " FROM search_fts JOIN search_searchdocument d ON d.id = search_fts.rowid WHERE search_fts MATCH %s"
        counted = "SELECT count(*) FROM (SELECT 1" + base + where + " LIMIT %s) AS m"  # noqa: S608
        cur.execute(counted, [match, *params, COUNT_CAP + 1])
        total = cur.fetchone()[0]
        if not total:
            return 0, []
        cur.execute(
            "SELECT d.id, bm25(search_fts, 10.0, 1.0) AS score,"  # noqa: S608
            " d.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s) AS title_hit" + base + where + ""
            " ORDER BY (d.language = %s) DESC, title_hit DESC, score ASC, d.id LIMIT %s OFFSET %s",
            [title_match, match, *params, prefer, limit, offset],
        )
        # bm25 is "lower is better"; report it so that higher is better on both.
        return total, [Row(r[0], -float(r[1]), bool(r[2])) for r in cur.fetchall()]


def index_size() -> dict[str, int]:
    """Bytes used by the full-text index (for the benchmark and the operator)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT pg_relation_size('search_document_vector_gin'), pg_total_relation_size('search_searchdocument')"
            )
            gin, table = cur.fetchone()
            return {"index_bytes": gin, "table_bytes": table}
        try:
            cur.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE %s", ["search_fts%"])
            fts = cur.fetchone()[0] or 0
            cur.execute("SELECT sum(pgsize) FROM dbstat WHERE name = %s", ["search_searchdocument"])
            table = cur.fetchone()[0] or 0
        except Exception:  # dbstat is a compile-time option of SQLite
            return {"index_bytes": -1, "table_bytes": -1}
        return {"index_bytes": fts, "table_bytes": table}


def rebuild() -> None:
    """Make the full-text index match the document table again (after a bulk load)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("REINDEX INDEX search_document_vector_gin")
        else:
            cur.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
