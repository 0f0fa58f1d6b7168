"""Reading the rulebook: the version in force, a version by id or number, the list of versions.

Versions never change once published, so a version read once is kept in this process by id.
``current()`` asks the database which version is the newest every time (pages, the API, cases);
``in_force()`` is the same answer for hot paths (checkout): the newest version's id is asked again
only every ``IN_FORCE_RECHECK_SECONDS``, and a version published by this process is in force here
at once. Orders record the version they read, so a process that is a moment late is still exact
about which rules an order follows.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils.translation import get_language

from kameng.core.errors import DomainError
from kameng.rulebook import defaults
from kameng.rulebook.models import RulebookClause, RulebookVersion
from kameng.rulebook.params import PARAM_BY_NAME, PARAMS, UNIT_LABELS
from kameng.rulebook.params import defaults as defaults_of_params
from kameng.rulebook.problems import FAMILIES, Party, subtypes_of

PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\}")


def _english() -> bool:
    return (get_language() or "zh-hans").lower().startswith("en")


def substitute(text: str, params: dict[str, int] | MappingProxyType) -> str:
    """Replace ``{param}`` by the parameter's value as readers see it (¥ for fen, MB for bytes)."""

    def value(match: re.Match) -> str:
        spec = PARAM_BY_NAME.get(match.group(1))
        if spec is None or spec.name not in params:
            return match.group(0)  # validated on publish; never guess a number
        return spec.show(params[spec.name])

    return PLACEHOLDER.sub(value, text)


def clause_sort_key(code: str) -> tuple[int, ...]:
    return tuple(int(part) for part in code.split("."))


@dataclass(frozen=True)
class Clause:
    code: str
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    # The version's parameters, for the substituted texts.
    params: MappingProxyType = field(repr=False, compare=False)

    @property
    def title(self) -> str:
        """The title in the active language, parameters filled in."""
        return substitute(self.title_en if _english() and self.title_en else self.title_zh, self.params)

    @property
    def body(self) -> str:
        return substitute(self.body_en if _english() and self.body_en else self.body_zh, self.params)

    @property
    def chapter(self) -> str:
        return self.code.split(".")[0]

    @property
    def anchor(self) -> str:
        return f"c-{self.code}"

    @property
    def text_zh(self) -> tuple[str, str]:
        return substitute(self.title_zh, self.params), substitute(self.body_zh, self.params)


class _ReadOnlyDict(dict):
    """A version's parameters: a real dict (JSON, ``**``, ``.get``) that refuses changes, because
    every caller in this process shares the cached copy."""

    def _refuse(self, *args: Any, **kwargs: Any):
        raise TypeError("rulebook parameters are read-only; publish a new version instead")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self):
        # copy, deepcopy and pickle give a plain (writable) dict
        return (dict, (dict(self),))


@dataclass(frozen=True)
class Rulebook:
    id: int
    number: int
    published_at: datetime
    note: str
    params: dict[str, int]
    clauses: tuple[Clause, ...]
    published_by: str | None = None

    def clause(self, code: str) -> Clause:
        for c in self.clauses:
            if c.code == code:
                return c
        raise DomainError("rulebook.unknown_clause", clause=code)

    def cite(self, code: str) -> dict[str, Any]:
        """What a timeline event stores to cite a clause: enough to find and read it later."""
        title_zh, _body = self.clause(code).text_zh
        return {"rulebook": self.number, "clause": code, "title": title_zh}

    def hours(self, name: str) -> timedelta:
        """A duration parameter (``*_minutes`` / ``*_hours`` / ``*_days``) as a timedelta."""
        spec = PARAM_BY_NAME[name]
        if spec.unit == "minutes":
            return timedelta(minutes=self.params[name])
        if spec.unit == "hours":
            return timedelta(hours=self.params[name])
        if spec.unit == "days":
            return timedelta(days=self.params[name])
        raise ValueError(f"rulebook parameter {name!r} is not a duration")

    def clause_url(self, code: str) -> str:
        """Link to a clause of this version on the rulebook page."""
        self.clause(code)
        return reverse("rulebook:version", kwargs={"number": self.number}) + f"#c-{code}"


class VersionInfo(NamedTuple):
    number: int
    published_at: datetime
    published_by: str | None
    note: str


_cache: dict[int, Rulebook] = {}
_cache_lock = threading.Lock()
# Which version ``in_force()`` answers: (time.monotonic() when the database said so, its id). Only
# an id: the version itself is the one in ``_cache``.
_in_force: tuple[float, int] | None = None
IN_FORCE_RECHECK_SECONDS = 2.0


def _load(row: RulebookVersion) -> Rulebook:
    # A parameter added to the code after this version was published reads as its default.
    params = _ReadOnlyDict({**defaults_of_params(), **row.params})
    frozen = MappingProxyType(params)
    clauses = sorted(
        RulebookClause.objects.filter(version_id=row.pk).values_list(
            "code", "title_zh", "title_en", "body_zh", "body_en"
        ),
        key=lambda c: clause_sort_key(c[0]),
    )
    return Rulebook(
        id=row.pk,
        number=row.number,
        published_at=row.published_at,
        note=row.note,
        params=params,
        clauses=tuple(Clause(*c, params=frozen) for c in clauses),
        published_by=row.published_by.username if row.published_by_id else None,
    )


def _on_real_commit(action) -> None:
    # Only committed rows are cached: a version created in a transaction that rolls back must not
    # outlive it (SQLite reuses the id of a rolled-back row).
    def run() -> None:
        if connection.in_atomic_block:
            return  # not a real commit: a test running its on-commit callbacks inside its transaction
        with _cache_lock:
            action()

    transaction.on_commit(run)


def _remember(rulebook: Rulebook) -> None:
    _on_real_commit(lambda: _cache.__setitem__(rulebook.id, rulebook))


def _remember_in_force(rulebook_id: int, asked_at: float) -> None:
    def store() -> None:
        global _in_force
        # A slower thread must not put back an older answer over a newer one.
        if _in_force is None or _in_force[0] <= asked_at:
            _in_force = (asked_at, rulebook_id)

    _on_real_commit(store)


def forget_in_force() -> None:
    """A version was just published (on commit): this process reads the newest one again."""

    def clear() -> None:
        global _in_force
        _in_force = None

    _on_real_commit(clear)


def _get(**lookup: Any) -> Rulebook:
    row = RulebookVersion.objects.select_related("published_by").filter(**lookup).first()
    if row is None:
        raise DomainError("not_found")
    rulebook = _load(row)
    _remember(rulebook)
    return rulebook


def version(rulebook_id: int) -> Rulebook:
    """A version by id (what a case records). Versions are immutable, so this is cached."""
    cached = _cache.get(rulebook_id)
    if cached is not None:
        return cached
    return _get(pk=rulebook_id)


def version_by_number(number: int) -> Rulebook:
    """A version by its public number (the page and the API)."""
    rulebook_id = RulebookVersion.objects.filter(number=number).values_list("id", flat=True).first()
    if rulebook_id is None:
        raise DomainError("not_found")
    return version(rulebook_id)


def current() -> Rulebook:
    """The newest version, installing the defaults first if none was ever published."""
    row = RulebookVersion.objects.order_by("-number").values("id", "number", "published_at").first()
    if row is None:
        return version(install_defaults())
    cached = _cache.get(row["id"])
    # The id alone is trusted only if it still names the same version (a test database that was
    # flushed and refilled can reuse ids).
    if cached is not None and (cached.number, cached.published_at) == (row["number"], row["published_at"]):
        return cached
    return _get(pk=row["id"])


def in_force() -> Rulebook:
    """``current()`` for the hot path: no query while this process checked less than
    ``IN_FORCE_RECHECK_SECONDS`` ago (and nothing was published here since)."""
    seen = _in_force
    now = time.monotonic()
    if seen is not None and now - seen[0] < IN_FORCE_RECHECK_SECONDS:
        cached = _cache.get(seen[1])
        if cached is not None:
            return cached
    rulebook = current()
    _remember_in_force(rulebook.id, now)
    return rulebook


def install_defaults() -> int:
    """Create version 1 from ``defaults`` unless it exists; returns its id.

    Race-safe without locks: two installers both try to insert number 1; the unique index lets one
    win and the other, after the winner commits, reads the winner's row."""
    for _attempt in range(3):
        existing = RulebookVersion.objects.filter(number=1).values_list("id", flat=True).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                row = RulebookVersion.objects.create(
                    number=1,
                    params=defaults_of_params(),
                )
                RulebookClause.objects.bulk_create(RulebookClause(version=row, **c) for c in defaults.CLAUSES)
            return row.pk
        except IntegrityError:
            continue  # another process installed them a moment ago: read theirs
    raise DomainError("conflict")


def versions() -> list[VersionInfo]:
    """Every version, newest first."""
    rows = RulebookVersion.objects.order_by("-number").values_list(
        "number", "published_at", "published_by__username", "note"
    )
    return [VersionInfo(*row) for row in rows]


def clear_cache() -> None:
    global _in_force
    with _cache_lock:
        _cache.clear()
        _in_force = None


def parameter_rows(rulebook: Rulebook) -> list[dict[str, Any]]:
    """The parameters table of a version: each parameter with its value, range and clause."""
    return [
        {
            "name": spec.name,
            "label": str(spec.label),
            "value": rulebook.params[spec.name],
            "shown": spec.show(rulebook.params[spec.name]),
            "default": spec.default,
            "min": spec.min,
            "max": spec.max,
            "range_shown": f"{spec.show(spec.min)} – {spec.show(spec.max)}",
            "unit": spec.unit,
            "unit_label": str(UNIT_LABELS[spec.unit]),
            "clause": spec.clause,
        }
        for spec in PARAMS
    ]


def taxonomy() -> list[dict[str, Any]]:
    """The problem taxonomy as published: families, their subtypes, who is usually responsible."""
    return [
        {
            "code": family.code,
            "label": str(family.label),
            "subtypes": [
                {
                    "code": s.code,
                    "label": str(s.label),
                    "usual_party": s.usual_party,
                    "usual_party_label": str(Party.LABELS[s.usual_party]),
                    "clause": s.clause,
                }
                for s in subtypes_of(family.code)
            ],
        }
        for family in FAMILIES.values()
    ]
