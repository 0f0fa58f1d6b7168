"""Reads of after-sales cases, already filtered to what the user may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kameng.accounts.models import Role, User
from kameng.aftersales.models import OPEN_STATES, Case, CaseState
from kameng.aftersales.permissions import guard_ok, role_on
from kameng.aftersales.standing import standings
from kameng.core.errors import DomainError

QUEUE_STATES = (CaseState.EVIDENCE, CaseState.REVIEW, CaseState.APPEAL)


def case_for(user: User, case_id: int) -> Case:
    """The case if ``user`` may see it; someone else's case is simply not found."""
    case = Case.objects.select_related("order", "shop__owner", "buyer").filter(pk=case_id).first()
    if case is None or not user.is_authenticated or role_on(case, user) is None:
        raise DomainError("not_found")
    return case


def cases_for(user: User, *, state: str | None = None, open_only: bool = False) -> QuerySet[Case]:
    """A buyer's own cases; a merchant's shop's cases sorted by deadline; an agent's queue."""
    qs = Case.objects.select_related("order", "shop", "buyer")
    if user.role == Role.BUYER:
        qs = qs.filter(buyer=user).order_by("-opened_at")
    elif user.role == Role.MERCHANT:
        qs = qs.filter(shop__owner=user).order_by("due_at", "pk")
    elif user.role == Role.AGENT:
        qs = agent_queue(user)
    elif user.role != Role.OPERATOR:
        return Case.objects.none()
    if state:
        qs = qs.filter(state=state)
    if open_only:
        qs = qs.filter(state__in=OPEN_STATES)
    return qs


def agent_queue(agent: User) -> QuerySet[Case]:
    """Cases at the platform stage that are unassigned or assigned to this agent, soonest deadline
    first. An appeal is not offered to the agent who made the first ruling."""
    return (
        Case.objects.select_related("order", "shop", "buyer")
        .filter(state__in=QUEUE_STATES)
        .filter(Q(assigned_agent__isnull=True) | Q(assigned_agent=agent))
        .exclude(Q(state=CaseState.APPEAL) & Q(ruled_by=agent))
        .order_by("due_at", "pk")
    )


# --- pages: what a user may do on a case, and orders by tag --------------------------------------


def actions_for(case: Case, user: User, *, now=None) -> list[str]:
    """The actions the transition table allows ``user`` on ``case`` now, for the page's forms.
    Each step's guard is checked with the same function the service uses (``permissions.guard_ok``),
    so the page offers exactly what the service will accept."""
    from django.utils import timezone

    from kameng.aftersales.transitions import AGENT, TRANSITIONS

    now = now or timezone.now()
    role = role_on(case, user)
    if role is None:
        return []
    found = []
    for (state, action, who), step in TRANSITIONS.items():
        if state != case.state or who != role or action in found:
            continue
        if not guard_ok(case, step.guard, role=role, actor=user, now=now):
            continue
        found.append(action)
    if role == AGENT and case.state in QUEUE_STATES and case.assigned_agent_id is None:
        if not (case.state == CaseState.APPEAL and case.ruled_by_id == user.pk):
            found.append("take")
    return found


def latest_case_of_order(user: User, order_id: int) -> Case | None:
    """The order's open case (or its latest one) if ``user`` may see it."""
    for case in Case.objects.select_related("shop").filter(order_id=order_id).order_by("-opened_at", "-pk")[:5]:
        if role_on(case, user) is not None:
            return case
    return None


def closed_cases_of_order(*, order_id: int) -> QuerySet[Case]:
    """The order's cases that have ended, the last to end first (a follow-up review, 10.2)."""
    return (
        Case.objects.filter(order_id=order_id, closed_at__isnull=False)
        .exclude(state__in=OPEN_STATES)
        .order_by("-closed_at", "-pk")
    )


def tag_owners(user: User) -> list[str]:
    """Whose tags ``user`` sees: the system's, and their own side's private ones."""
    from kameng.aftersales.tags import owner_for

    owners = [""]
    try:
        owners.append(owner_for(user))
    except DomainError:
        pass
    return owners


def orders_with_tag(user: User, tag: str) -> QuerySet:
    """The orders ``user`` may see that carry ``tag`` (a system tag code or a private tag name),
    newest first; none for no tag."""
    from kameng.aftersales.models import OrderTag
    from kameng.orders.selectors import orders_among

    if not tag or user.role not in (Role.BUYER, Role.MERCHANT, Role.AGENT, Role.OPERATOR):
        return orders_among(ids=[])
    ids = OrderTag.objects.filter(name=tag, owner__in=tag_owners(user)).values("order_id")
    if user.role == Role.BUYER:
        return orders_among(ids=ids, buyer=user)
    if user.role == Role.MERCHANT:
        return orders_among(ids=ids, merchant=user)
    if user.role == Role.AGENT:  # orders with a case
        ids = ids.filter(order_id__in=Case.objects.values("order_id"))
    return orders_among(ids=ids)


def tag_names_for(user: User) -> list[str]:
    """The tag names ``user`` can filter by: the system tags, then their own private ones."""
    from kameng.aftersales.models import OrderTag
    from kameng.aftersales.tags import SYSTEM_TAGS

    private = (
        OrderTag.objects.filter(kind=OrderTag.Kind.PRIVATE, owner__in=tag_owners(user)[1:])
        .values_list("name", flat=True)
        .distinct()
        .order_by("name")
    )
    return [*SYSTEM_TAGS, *private]


def can_open_case(order, *, now=None) -> bool:
    """Whether the buyer's "open a case" button makes sense: paid, not cancelled or refunded, inside
    the rulebook's window, no case open. ``services.open_case`` decides for real."""
    from django.utils import timezone

    from kameng.orders.states import OrderState
    from kameng.rulebook import selectors as rulebook

    now = now or timezone.now()
    if order.paid_at is None or order.state in (OrderState.CANCELLED, OrderState.REFUNDED):
        return False
    if Case.objects.filter(order_id=order.pk, state__in=OPEN_STATES).exists():
        return False
    window = rulebook.current().hours(f"case_window_{order.delivery_kind}_hours")
    return now <= (order.delivered_at or order.paid_at) + window


# --- the JSON API: one case with everything around it ---------------------------------------------


class CaseDetail:
    """A case as one user sees it: the row (attributes read through), plus what is around it."""

    def __init__(self, case: Case, **extra) -> None:
        self.case = case
        self.__dict__.update(extra)

    def __getattr__(self, name: str):
        return getattr(self.case, name)


def case_detail(user: User, case_id: int) -> CaseDetail:
    """Offers, rulings with their clause, messages with attachments, the tags and the actions
    ``user`` may see, and the case's timeline."""
    from kameng.orders.selectors import public_payload
    from kameng.rulebook import selectors as rulebook
    from kameng.timeline.labels import kind_label
    from kameng.timeline.selectors import events_of

    case = case_for(user, case_id)
    book = rulebook.version(case.rulebook_id)
    rulings = list(case.rulings.order_by("created_at", "pk"))
    for ruling in rulings:
        clause = next((c for c in book.clauses if c.code == ruling.clause), None)
        ruling.clause_title = clause.title if clause else ""
        ruling.clause_url = book.clause_url(ruling.clause) if clause else ""
    timeline = [
        {
            "seq": e.seq,
            "kind": e.kind,
            "label": kind_label(e.kind),
            "actor_role": e.actor_role or "",
            "created_at": e.created_at,
            "payload": public_payload(e.payload),
            "hash": e.hash,
        }
        for e in events_of(stream=case.stream)
    ]
    return CaseDetail(
        case,
        role=role_on(case, user),
        offers=list(case.offers.order_by("created_at", "pk")),
        rulings=rulings,
        messages=list(case.messages.prefetch_related("attachments")),
        tags=list(case.order.tags.filter(owner__in=tag_owners(user)).order_by("kind", "name")),
        actions=actions_for(case, user),
        timeline=timeline,
        # The buyer's claim history is for agents only (10.2), never for the merchant.
        buyer_standing=buyer_standing_for(user, case.buyer_id),
    )


def buyer_standing_for(user: User, buyer_id: int):
    """A buyer's standing (``aftersales.standing``) if ``user`` is an agent; None for anyone else."""
    return standings_for_agent(user, [buyer_id]).get(buyer_id)


def standings_for_agent(user: User, buyer_ids) -> dict:
    """Standings of the buyers on a workbench page (one query); empty for anyone but an agent."""
    from django.utils import timezone

    from kameng.rulebook import selectors as rulebook

    if user.role != Role.AGENT:
        return {}
    return standings(buyer_ids, now=timezone.now(), flag_at=rulebook.in_force().params["claim_abuse_flag_count"])


def attachment_for(user: User, case_id: int, attachment_id: int):
    """An attachment of a case ``user`` may see; anything else is not found."""
    case = case_for(user, case_id)
    attachment = case.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise DomainError("not_found")
    return attachment


def attachments_of(case: Case) -> list:
    """Every file attached to ``case`` (on the case form or in the conversation), oldest first,
    with its message and author: evidence lists, bundles and audits them. The caller has already
    checked that the user may see the case (``case_for``)."""
    from kameng.aftersales.models import Attachment

    return list(Attachment.objects.filter(case=case).select_related("message__author").order_by("created_at", "pk"))


def attachments_for(user: User, case_id: int) -> list:
    """The attachments of a case ``user`` may see; someone else's case is not found."""
    return attachments_of(case_for(user, case_id))


def all_attachments() -> QuerySet:
    """Every case attachment with its case, by id, for the integrity audit (an operator's job)."""
    from kameng.aftersales.models import Attachment

    return Attachment.objects.select_related("case").order_by("pk")


def can_tag_order(user: User, order) -> bool:
    """Merchants tag their shop's orders, agents the orders they handle cases for (private tags)."""
    if user.role == Role.MERCHANT:
        return getattr(getattr(user, "shop", None), "pk", None) == order.shop_id
    if user.role == Role.AGENT:
        return any(role_on(case, user) is not None for case in Case.objects.filter(order_id=order.pk))
    return False
