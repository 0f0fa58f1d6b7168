"""Publishing a rulebook version: the only write of this app (besides installing the defaults)."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.core.errors import DomainError
from kameng.rulebook import selectors
from kameng.rulebook.defaults import REQUIRED
from kameng.rulebook.models import RulebookClause, RulebookVersion
from kameng.rulebook.params import PARAM_BY_NAME, PARAMS, defaults
from kameng.rulebook.selectors import Rulebook, clause_sort_key

CODE = re.compile(r"^[1-9][0-9]?\.[1-9][0-9]?$")
TEXT_FIELDS = {"title_zh": 200, "title_en": 200, "body_zh": 4000, "body_en": 4000}
ANY_BRACES = re.compile(r"\{[^{}]*\}")
MAX_CLAUSES = 200
NOTE_MAX = 500
PUBLISH_ATTEMPTS = 5


def _refusal(code: str, field: str, **params: Any) -> DomainError:
    err = DomainError(code, **params)
    err.fields = {field: err.message}
    return err


def _check_params(params: Any) -> dict[str, int]:
    if not isinstance(params, dict):
        raise _refusal("invalid_input", "params")
    for name in params:
        if name not in PARAM_BY_NAME:
            raise _refusal("rulebook.unknown_param", f"params.{name}", name=name)
    for spec in PARAMS:
        if spec.name in params and not spec.check(params[spec.name]):
            raise _refusal(
                "rulebook.param_out_of_range", f"params.{spec.name}", name=spec.name, min=spec.min, max=spec.max
            )
    return dict(params)


def bad_placeholder(text: str) -> str | None:
    """The first ``{...}`` that names no parameter, or a stray brace; None if the text is fine."""
    for match in ANY_BRACES.finditer(text):
        if match.group(0)[1:-1] not in PARAM_BY_NAME:
            return match.group(0)
    rest = ANY_BRACES.sub("", text)
    for brace in "{}":
        if brace in rest:
            return brace
    return None


def _check_clause(raw: Any) -> tuple[str, dict[str, str] | None]:
    """(code, texts) for a replaced or added clause, (code, None) for a removed one."""
    if not isinstance(raw, dict):
        raise _refusal("rulebook.invalid_clause", "clauses", clause="?", reason=_("each clause must be an object"))
    code = raw.get("code")
    if not isinstance(code, str) or not CODE.match(code):
        raise _refusal(
            "rulebook.invalid_clause",
            "clauses",
            clause=str(code)[:10],
            reason=_("a clause number looks like 3.6"),
        )
    unknown = set(raw) - {"code", "remove", *TEXT_FIELDS}
    if unknown:
        raise _refusal(
            "rulebook.invalid_clause",
            f"clauses.{code}",
            clause=code,
            reason=_("unknown field %(field)s") % {"field": sorted(unknown)[0]},
        )
    if raw.get("remove"):
        if code in REQUIRED:
            raise _refusal("rulebook.missing_clause", f"clauses.{code}", clause=code)
        return code, None
    texts: dict[str, str] = {}
    for name, limit in TEXT_FIELDS.items():
        value = raw.get(name)
        field = f"clauses.{code}.{name}"
        if not isinstance(value, str) or not value.strip():
            raise _refusal("rulebook.invalid_clause", field, clause=code, reason=_("every title and text is needed"))
        # Browsers send CRLF; the stored text uses plain newlines.
        value = value.replace("\r\n", "\n").strip()
        if len(value) > limit:
            raise _refusal(
                "rulebook.invalid_clause",
                field,
                clause=code,
                reason=_("a text is longer than %(limit)s characters") % {"limit": limit},
            )
        wrong = bad_placeholder(value)
        if wrong is not None:
            raise _refusal("rulebook.bad_placeholder", field, clause=code, name=wrong)
        texts[name] = value
    return code, texts


def _check_clauses(clauses: Any) -> dict[str, dict[str, str] | None]:
    if clauses is None:
        return {}
    if not isinstance(clauses, list) or len(clauses) > MAX_CLAUSES:
        raise _refusal("invalid_input", "clauses")
    changes: dict[str, dict[str, str] | None] = {}
    for raw in clauses:
        code, texts = _check_clause(raw)
        if code in changes:
            raise _refusal(
                "rulebook.invalid_clause", f"clauses.{code}", clause=code, reason=_("the clause is listed twice")
            )
        changes[code] = texts
    return changes


def publish_version(*, operator: User, params: dict[str, int], clauses: list[dict] | None, note: str) -> Rulebook:
    """Publish version N+1: the previous version's parameters and clauses with these changes.

    Parameters left out keep their previous values; listed clauses replace (or add) the texts of
    their codes, ``{"code": ..., "remove": true}`` drops an optional clause. Old versions stay as
    they were: cases that opened under them keep reading them."""
    require_role(operator, Role.OPERATOR)
    if not isinstance(note, str) or len(note.strip()) > NOTE_MAX:
        raise _refusal("invalid_input", "note")
    note = note.strip()
    changed_params = _check_params(params)
    changes = _check_clauses(clauses)

    for _attempt in range(PUBLISH_ATTEMPTS):
        try:
            with transaction.atomic():
                row = _create_next(operator, changed_params, changes, note)
                selectors.forget_in_force()  # on commit: new orders here follow the new version at once
            return selectors.version(row.pk)
        except IntegrityError:
            # Someone else published this number first: rebase on their version and try again.
            continue
    raise DomainError("conflict")


def _create_next(
    operator: User, params: dict[str, int], changes: dict[str, dict[str, str] | None], note: str
) -> RulebookVersion:
    previous = selectors.current()
    texts = {
        c.code: {"title_zh": c.title_zh, "title_en": c.title_en, "body_zh": c.body_zh, "body_en": c.body_en}
        for c in previous.clauses
    }
    for code, new in changes.items():
        if new is not None:
            texts[code] = new
        elif code in texts:
            del texts[code]
        else:
            raise _refusal(
                "rulebook.invalid_clause", f"clauses.{code}", clause=code, reason=_("there is no such clause to remove")
            )
    missing = sorted(REQUIRED - texts.keys(), key=clause_sort_key)
    if missing:  # a previous version can only lack one if the data was edited by hand
        raise _refusal("rulebook.missing_clause", f"clauses.{missing[0]}", clause=missing[0])
    row = RulebookVersion.objects.create(
        number=previous.number + 1,
        published_by=operator,
        note=note,
        params={**defaults(), **previous.params, **params},
    )
    RulebookClause.objects.bulk_create(
        RulebookClause(version=row, code=code, **texts[code]) for code in sorted(texts, key=clause_sort_key)
    )
    return row
