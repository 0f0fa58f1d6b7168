"""The case thread: messages and their attachments (each file's SHA-256 on the case timeline)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from kameng.accounts.models import User
from kameng.aftersales.models import PLATFORM_STATES, Case, CaseState, Message
from kameng.aftersales.permissions import locked_case, role_on
from kameng.aftersales.services.inputs import clean_text
from kameng.aftersales.services.steps import Effects, flush, note_first_response, notify_case
from kameng.aftersales.transitions import AGENT, BUYER, MERCHANT
from kameng.core.errors import DomainError
from kameng.rulebook import selectors as rulebook
from kameng.timeline.services import NewEvent


def add_message(case: Case, author: User, role: str, text: str, *, effects: Effects, now: datetime) -> Message:
    message = Message.objects.create(case=case, author=author, author_role=role, text=text, created_at=now)
    if role == MERCHANT:
        note_first_response(case, now)
    effects.case_events.append(NewEvent("case.message", {"message": message.pk, "text": text}, author))
    return message


def attach_files(case: Case, message: Message, checked, user: User, effects: Effects, now: datetime) -> None:
    """Store checked files on a message; each file's SHA-256 goes on the case timeline."""
    from kameng.aftersales import attachments

    for item in checked:
        stored = attachments.store(item, message=message, case=case, now=now)
        effects.case_events.append(
            NewEvent(
                "case.attachment",
                {
                    "message": message.pk,
                    "sha256": stored.sha256,
                    "content_type": stored.content_type,
                    "size": stored.size,
                },
                user,
            )
        )


def post_message(*, user: User, case_id: int, text: str, files=(), now: datetime | None = None) -> Message:
    """A message in the case thread, with attachments checked by content. The agent joins only
    after platform intervention; nobody writes on a closed case."""
    from kameng.aftersales import attachments

    now = now or timezone.now()
    text = clean_text(text, name="text", required=not files)
    with transaction.atomic():
        case = locked_case(case_id)
        role = role_on(case, user)
        if role not in (BUYER, MERCHANT, AGENT):
            raise DomainError("not_found")
        if not case.is_open:
            raise DomainError("aftersales.case_closed")
        if role == AGENT and case.state not in PLATFORM_STATES:
            # The merchant stage is between buyer and merchant; the agent joins on intervention (4.1).
            raise DomainError("aftersales.not_allowed", state=str(CaseState(case.state).label), action="message")
        book = rulebook.version(case.rulebook_id)
        checked = attachments.check_all(files, book=book)
        effects = Effects()
        message = add_message(case, user, role, text, effects=effects, now=now)
        attach_files(case, message, checked, user, effects, now)
        flush(case, effects)
        others = [u for r, u in ((BUYER, case.buyer), (MERCHANT, case.shop.owner)) if r != role]
        if (
            role != AGENT
            and case.assigned_agent_id
            and case.state in (CaseState.EVIDENCE, CaseState.REVIEW, CaseState.APPEAL)
        ):
            others.append(case.assigned_agent)
        for other in others:
            notify_case(other, case, "case.message")
    return message
