"""Every write to evidence: adding a file to a case, and marking one's own file withdrawn.

Check, lock, change. The file is read and checked (and images re-encoded) before any lock; then
the case row is locked (docs/concurrency.md: case row first, timeline head last), the party's
count and the case state are checked again under the lock, the file and row are written, and the
event goes on the case timeline with the SHA-256 of the stored bytes. Evidence is never deleted.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from kameng.accounts.models import User
from kameng.aftersales.models import Case
from kameng.aftersales.permissions import role_on
from kameng.core.errors import DomainError
from kameng.evidence import uploads
from kameng.evidence.models import EvidenceItem, EvidenceKind
from kameng.rulebook import selectors as rulebook
from kameng.timeline.services import NewEvent, append_events

PARTIES = ("buyer", "merchant", "agent")
CAPTION_MAX = 300
# No new rulebook parameter: each party may add five messages' worth of files to a case (2.4).
FILES_PER_MESSAGE_TIMES = 5


def max_files(book) -> int:
    return book.params["attachment_max_per_message"] * FILES_PER_MESSAGE_TIMES


def _short_text(value: object, *, name: str, max_len: int = CAPTION_MAX) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > max_len:
        raise DomainError("invalid_input", fields={name: f"at most {max_len} characters"})
    return text


def _locked_case(case_id: int) -> Case:
    case = Case.objects.select_for_update().select_related("shop", "order").filter(pk=case_id).first()
    if case is None:
        raise DomainError("not_found")
    return case


def _party(case: Case, user: User) -> str:
    role = role_on(case, user) if user.is_authenticated else None
    if role is None:
        raise DomainError("not_found")
    if role not in PARTIES:
        raise DomainError("permission_denied")
    return role


def upload_evidence(
    *, user: User, case_id: int, file, kind: str, caption: str = "", now: datetime | None = None
) -> EvidenceItem:
    """A party of the case (buyer, merchant, the agent who may see it) adds a file while the case
    is open (its appeal window included). Nothing is stored unless every check passes."""
    if kind not in EvidenceKind.values:
        raise DomainError("invalid_input", fields={"kind": "unknown kind"})
    caption = _short_text(caption, name="caption")
    # Cheap refusals first, without a lock: someone else's case, a closed case, a full quota.
    case = Case.objects.select_related("shop").filter(pk=case_id).first()
    if case is None:
        raise DomainError("not_found")
    role = _party(case, user)
    if not case.is_open:
        raise DomainError("evidence.case_closed")
    book = rulebook.version(case.rulebook_id)
    limit = max_files(book)
    if EvidenceItem.objects.filter(case=case, uploader_role=role).count() >= limit:
        raise DomainError("evidence.too_many_files", max=limit)
    checked = uploads.check_upload(file, book=book)  # slow part (image re-encoding), outside locks
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked_case(case_id)
        role = _party(case, user)
        if not case.is_open:
            raise DomainError("evidence.case_closed")
        if EvidenceItem.objects.filter(case=case, uploader_role=role).count() >= limit:
            raise DomainError("evidence.too_many_files", max=limit)
        item = uploads.store(checked, case=case, uploader=user, role=role, kind=kind, caption=caption, now=now)
        try:
            append_events(
                stream=case.stream,
                events=[
                    NewEvent(
                        "evidence.added",
                        {
                            "item": item.pk,
                            "kind": kind,
                            "sha256": item.sha256,
                            "size": item.size,
                            "content_type": item.content_type,
                        },
                        user,
                        role,
                    )
                ],
            )
        except BaseException:
            # The row goes with the rollback; the file would not.
            item.file.storage.delete(item.file.name)
            raise
    return item


def withdraw_evidence(*, user: User, item_id: int, reason: str = "", now: datetime | None = None) -> EvidenceItem:
    """The uploader marks their file withdrawn while the case is open. Only a mark: the file, its
    hash and its row stay, and the timeline keeps both events."""
    reason = _short_text(reason, name="reason")
    now = now or timezone.now()
    found = EvidenceItem.objects.filter(pk=item_id).values_list("case_id", flat=True).first()
    if found is None:
        raise DomainError("not_found")
    with transaction.atomic():
        case = _locked_case(found)
        role = role_on(case, user) if user.is_authenticated else None
        if role is None:
            raise DomainError("not_found")
        item = EvidenceItem.objects.select_for_update().get(pk=item_id)
        if item.uploader_id != user.pk:
            raise DomainError("permission_denied")
        if item.withdrawn_at is not None:
            raise DomainError("evidence.already_withdrawn")
        if not case.is_open:
            raise DomainError("evidence.case_closed")
        item.withdrawn_at = now
        item.withdrawn_by = user
        item.withdraw_reason = reason
        item.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
        append_events(
            stream=case.stream,
            events=[
                NewEvent(
                    "evidence.withdrawn",
                    {"item": item.pk, "sha256": item.sha256, "reason": reason},
                    user,
                    item.uploader_role,
                )
            ],
        )
    return item
