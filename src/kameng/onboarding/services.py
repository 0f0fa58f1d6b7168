"""Opening a shop (入驻, rule 10.1): a buyer applies with documents and a deposit from the wallet;
an operator approves, rejects or asks for more. Every step is checked against
``onboarding.transitions`` first (nothing changes on a refusal), then done, and leaves an event on
the application's timeline (``application:<id>``), which the applicant and operators see.

Lock order: the applicant's user row (one open application per applicant) or the application row
(a decision) → ledger accounts by id (``orders.funds``) → the shop rows ``shops.services`` creates →
the application's timeline head, last.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_login, require_role
from kameng.catalog.models import Category
from kameng.core import uploads as checker
from kameng.core.errors import DomainError
from kameng.core.templatetags.money import format_fen
from kameng.core.text import check_text
from kameng.notifications.services import notify
from kameng.onboarding.models import ApplicationDocument, ShopApplication
from kameng.onboarding.transitions import APPLICANT, OPERATOR_ACTIONS, next_state
from kameng.orders import funds
from kameng.orders.models import Order
from kameng.rulebook import selectors as rulebook
from kameng.shops import services as shops
from kameng.timeline.services import NewEvent, append_events

S = ShopApplication.State
MAX_DOCUMENTS = 6
DOCUMENT_TYPES = frozenset(checker.IMAGE_TYPES | {checker.PDF_TYPE})
CONTACT_MAX = 120
DEPOSIT_MAX_FEN = 1_000_000_000  # ¥10,000,000: more than any deposit, less than any column overflows
REASON_MAX = 500


@dataclass(frozen=True)
class Document:
    """One upload as the caller received it: its kind and the file object."""

    kind: str
    file: object


def _checked_documents(documents: list[Document], *, book, have: int = 0, need_identity: bool = True) -> list:
    """Every document read and checked by the one upload checker before anything is written."""
    if have + len(documents) > MAX_DOCUMENTS:
        raise DomainError("onboarding.too_many_documents", max=MAX_DOCUMENTS)
    kinds = {doc.kind for doc in documents}
    if not kinds <= set(ApplicationDocument.Kind.values):
        raise DomainError("invalid_input", fields={"kind": f"one of {', '.join(ApplicationDocument.Kind.values)}"})
    if need_identity and not kinds & {ApplicationDocument.Kind.IDENTITY, ApplicationDocument.Kind.BUSINESS}:
        raise DomainError("onboarding.needs_document")
    return [
        (doc.kind, checker.check_upload(doc.file, book=book, scope="onboarding", accept=DOCUMENT_TYPES))
        for doc in documents
    ]


def _store(application: ShopApplication, checked: list, *, now: datetime) -> list[ApplicationDocument]:
    """Write the checked bytes and their rows; a failure removes the files already written (the
    rows go with the transaction)."""
    stored: list[ApplicationDocument] = []
    try:
        for kind, item in checked:
            doc = ApplicationDocument(
                application=application,
                kind=kind,
                original_name=item.name[:200],
                content_type=item.content_type,
                size=len(item.data),
                sha256=hashlib.sha256(item.data).hexdigest(),
                uploaded_at=now,
            )
            checker.save_checked(doc.file, item)
            stored.append(doc)
            doc.save()
    except BaseException:
        for doc in stored:
            doc.file.storage.delete(doc.file.name)
        raise
    return stored


def _clean_text(value: object, field: str, *, max_len: int, min_len: int = 1) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if len(text) < min_len:
        raise DomainError("invalid_input", fields={field: "required"})
    if len(text) > max_len:
        raise DomainError("invalid_input", fields={field: f"at most {max_len} characters"})
    return check_text(text, field)


def _event(application: ShopApplication, kind: str, actor: User, role: str, **body) -> None:
    append_events(
        stream=application.stream, events=[NewEvent(kind, {"state": str(application.state), **body}, actor, role)]
    )


def _check_applicant(user: User) -> None:
    if user.role != Role.BUYER:
        raise DomainError("onboarding.not_a_buyer")
    # One account, one role: a buyer's orders (and their codes and cases) stay a buyer's.
    if Order.objects.filter(buyer=user).exists():
        raise DomainError("onboarding.account_has_orders")


def submit_application(
    *,
    applicant: User,
    shop_name: object,
    description: object,
    category: object,
    contact: object,
    documents: list[Document],
    slug: object = "",
    deposit_fen: int | None = None,
    now: datetime | None = None,
) -> ShopApplication:
    """Apply to open a shop; the deposit (at least the rulebook's ``shop_deposit_min_fen``) leaves
    the wallet at once and is held on the application. Refused with nothing written if any field,
    document or the wallet falls short."""
    require_login(applicant)
    now = now or timezone.now()
    _check_applicant(applicant)
    name, text, chosen = shops.check_new_shop(name=shop_name, description=description, slug=slug)
    text = _clean_text(text, "description", max_len=4000, min_len=10)
    if category not in Category.values:
        raise DomainError("invalid_input", fields={"category": f"one of {', '.join(Category.values)}"})
    contact = _clean_text(contact, "contact", max_len=CONTACT_MAX, min_len=3)
    book = rulebook.in_force()
    minimum = book.params["shop_deposit_min_fen"]
    deposit = minimum if deposit_fen is None else deposit_fen
    if not isinstance(deposit, int) or isinstance(deposit, bool) or deposit < max(minimum, 1):
        raise DomainError("onboarding.deposit_too_small", fields={"deposit_fen": "too small"}, min=format_fen(minimum))
    if deposit > DEPOSIT_MAX_FEN:
        raise DomainError("invalid_input", fields={"deposit_fen": f"at most {DEPOSIT_MAX_FEN} fen"})
    checked = _checked_documents(documents, book=book)
    try:
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=applicant.pk).first()
            if ShopApplication.objects.filter(applicant=applicant, state__in=[S.SUBMITTED, S.MORE_INFO]).exists():
                raise DomainError("onboarding.already_open")
            application = ShopApplication.objects.create(
                applicant=applicant,
                shop_name=name,
                slug=chosen,
                description=text,
                category=category,
                contact=contact,
                deposit_fen=deposit,
                rulebook_id=book.id,
                created_at=now,
                updated_at=now,
            )
            funds.hold_application_deposit(applicant_id=applicant.pk, application_id=application.pk, amount_fen=deposit)
            stored = _store(application, checked, now=now)
            _event(
                application,
                "application.submitted",
                applicant,
                APPLICANT,
                shop_name=name,
                deposit_fen=deposit,
                documents=[doc.sha256 for doc in stored],
            )
            for operator in User.objects.filter(role=Role.OPERATOR, is_active=True):
                notify(
                    user=operator,
                    kind="application.submitted",
                    params={"name": name, "applicant": applicant.username},
                    url=f"/operator/applications/{application.pk}/",
                )
    except IntegrityError as exc:  # the partial unique index: a simultaneous second application
        raise DomainError("onboarding.already_open") from exc
    return application


def _locked_own(applicant: User, application_id: int) -> ShopApplication:
    application = ShopApplication.objects.select_for_update().filter(pk=application_id, applicant=applicant).first()
    if application is None:
        raise DomainError("not_found")
    return application


def resubmit_application(
    *,
    applicant: User,
    application_id: int,
    note: object = "",
    documents: list[Document] = (),
    now: datetime | None = None,
) -> ShopApplication:
    """Answer an operator's request for more: a note and/or more documents, back into the queue."""
    require_login(applicant)
    now = now or timezone.now()
    note = _clean_text(note, "note", max_len=REASON_MAX, min_len=0)
    documents = list(documents)
    if not note and not documents:
        raise DomainError("invalid_input", fields={"note": "a note or a document"})
    with transaction.atomic():
        application = _locked_own(applicant, application_id)
        to = next_state(application.state, "resubmit", role=APPLICANT)
        checked = _checked_documents(
            documents,
            book=rulebook.version(application.rulebook_id),
            have=application.documents.count(),
            need_identity=False,
        )
        application.state, application.updated_at = to, now
        application.save(update_fields=["state", "updated_at"])
        stored = _store(application, checked, now=now)
        _event(
            application,
            "application.resubmitted",
            applicant,
            APPLICANT,
            note=note,
            documents=[doc.sha256 for doc in stored],
        )
    return application


def withdraw_application(*, applicant: User, application_id: int, now: datetime | None = None) -> ShopApplication:
    """The applicant gives up: the deposit goes back to the wallet."""
    require_login(applicant)
    now = now or timezone.now()
    with transaction.atomic():
        application = _locked_own(applicant, application_id)
        application.state = next_state(application.state, "withdraw", role=APPLICANT)
        application.updated_at = now
        application.save(update_fields=["state", "updated_at"])
        returned = funds.settle_application_deposit(
            application_id=application.pk, applicant_id=applicant.pk, shop_id=None
        )
        _event(application, "application.withdrawn", applicant, APPLICANT, deposit_returned_fen=returned)
    return application


def decide_application(
    *, operator: User, application_id: int, action: object, reason: object = "", now: datetime | None = None
) -> ShopApplication:
    """An operator's decision: ``approve`` (the account becomes a merchant, the shop opens at the
    address asked for or one read from its name, the deposit becomes the shop's deposit),
    ``reject`` (a reason; the deposit goes back) or ``ask_more`` (what is missing)."""
    require_role(operator, Role.OPERATOR)
    now = now or timezone.now()
    if action not in OPERATOR_ACTIONS:
        raise DomainError("invalid_input", fields={"action": f"one of {', '.join(OPERATOR_ACTIONS)}"})
    reason = _clean_text(reason, "reason", max_len=REASON_MAX, min_len=0)
    if action != "approve" and not reason:
        raise DomainError("onboarding.reason_required", fields={"reason": "required"})
    with transaction.atomic():
        application = ShopApplication.objects.select_for_update().filter(pk=application_id).first()
        if application is None:
            raise DomainError("not_found")
        to = next_state(application.state, action, role=Role.OPERATOR)
        applicant = User.objects.select_for_update().get(pk=application.applicant_id)
        moved = 0
        if action == "approve":
            _check_applicant(applicant)  # it may have bought something while it waited
            applicant.role = Role.MERCHANT
            applicant.save(update_fields=["role"])
            shop = shops.create_shop(
                merchant=applicant,
                name=application.shop_name,
                description=application.description,
                slug=application.slug,
            )
            application.shop = shop
            moved = funds.settle_application_deposit(
                application_id=application.pk, applicant_id=applicant.pk, shop_id=shop.pk
            )
        elif action == "reject":
            moved = funds.settle_application_deposit(
                application_id=application.pk, applicant_id=applicant.pk, shop_id=None
            )
        application.state, application.updated_at = to, now
        application.decision_reason, application.decided_by = reason, operator
        application.save(update_fields=["state", "updated_at", "decision_reason", "decided_by", "shop"])
        body = {"reason": reason, "deposit_fen": moved}
        if application.shop_id:
            body["shop"] = application.shop_id
        _event(
            application,
            f"application.{'more_info' if action == 'ask_more' else str(to)}",
            operator,
            Role.OPERATOR,
            **body,
        )
        kind = {
            "approve": "application.approved",
            "reject": "application.rejected",
            "ask_more": "application.more_info",
        }
        notify(
            user=applicant,
            kind=kind[action],
            params={"name": application.shop_name, "reason": reason},
            url="/shops/apply/",
        )
    return application
