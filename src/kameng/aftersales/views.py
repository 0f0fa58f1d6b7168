"""After-sales pages: open a case (buyer), the case page (every side), the merchant's queue, the
agent workbench, my cases, orders by tag, attachment downloads. Thin: parse, call one service or
selector, render. Refusals come back as a message on the page the form came from; someone else's
case is "not found"."""

from __future__ import annotations

from datetime import datetime
from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kameng.accounts.models import Role
from kameng.accounts.permissions import login_required, role_required
from kameng.aftersales import attachments, permissions, selectors, selfcheck, services, tags
from kameng.aftersales.forms import MAX_ID, fen_from, ids_from, text_from
from kameng.aftersales.models import Attachment, CaseState, Demand, Remedy
from kameng.aftersales.services import selfcheck as selfcheck_services
from kameng.aftersales.tags import SYSTEM_TAGS
from kameng.aftersales.transitions import AGENT, BUYER, MERCHANT, TRANSITIONS
from kameng.core.errors import DomainError
from kameng.core.files import stored_file_response
from kameng.knowledge.selectors import article as article_by_slug
from kameng.knowledge.selectors import self_checks_for
from kameng.orders import selectors as orders
from kameng.rulebook import selectors as rulebook
from kameng.rulebook.problems import FAMILIES, SUBTYPES, Party, subtypes_of
from kameng.timeline.selectors import events_of

# facts.suggest() stores its reason in English; these put the reasons in this app's catalogue so
# the page can show them in the reader's language.
_REASONS = (
    gettext_noop("more than one payment was captured for this order"),
    gettext_noop("the platform recorded a single payment for this order"),
    gettext_noop("the upstream supplier reported the top-up as failed"),
    gettext_noop("the platform has no record of delivery for part of the order"),
    gettext_noop("delivered, and the buyer revealed the keys"),
    gettext_noop("the platform recorded the delivery"),
    gettext_noop("delivered later than the shop promised"),
    gettext_noop("delivered within the promised time"),
    gettext_noop("the key was never shown to the buyer, so the buyer cannot have used it"),
    gettext_noop("other buyers reported keys from the same import batch"),
    gettext_noop("the listing states the face value; the shop answers for it"),
    gettext_noop("the key was revealed; the records alone do not tell who is at fault"),
    gettext_noop("the merchant has shown no activity within the rulebook's limit"),
    gettext_noop("the merchant is active; the conversation will tell"),
)
# The registry's after-sales messages, repeated so this app's catalogue carries them too.
_ERROR_MESSAGES = (
    gettext_lazy("This case is closed."),
    gettext_lazy("At most %(max)s files per message."),
    gettext_lazy("A file is larger than %(max)s bytes."),
    gettext_lazy("The self-check cannot be saved: %(reason)s"),
    gettext_lazy("There is no self-check for this problem type."),
    gettext_lazy("This self-check has already ended."),
    gettext_lazy("This question is no longer the current one. Reload the self-check."),
    gettext_lazy("This self-check was for another order or problem type."),
    gettext_lazy("Someone saved version %(version)s of this self-check meanwhile. Reload and edit that one."),
)
ACTION_LABELS = {
    "accept": gettext_lazy("Accept the demand"),
    "offer": gettext_lazy("Make an offer"),
    "refuse": gettext_lazy("Refuse"),
    "ask_info": gettext_lazy("Ask the buyer for information"),
    "provide_info": gettext_lazy("Provide information"),
    "accept_offer": gettext_lazy("Accept the offer"),
    "decline_offer": gettext_lazy("Decline the offer"),
    "escalate": gettext_lazy("Ask the platform to step in"),
    "withdraw": gettext_lazy("Withdraw the case"),
    "reopen": gettext_lazy("Reopen the case"),
    "appeal": gettext_lazy("Appeal"),
    "escalate_external": gettext_lazy("External escalation (12315 / court)"),
    "contest": gettext_lazy("Contest the fast refund"),
    "take": gettext_lazy("Take this case"),
    "rule": gettext_lazy("Rule"),
    "rule_appeal": gettext_lazy("Decide the appeal"),
}
DONE = {
    "accept": gettext_lazy("Accepted. The buyer's demand has been carried out."),
    "offer": gettext_lazy("Offer sent to the buyer."),
    "refuse": gettext_lazy("Refusal recorded."),
    "ask_info": gettext_lazy("Question sent to the buyer."),
    "provide_info": gettext_lazy("Information sent to the merchant."),
    "accept_offer": gettext_lazy("Offer accepted."),
    "decline_offer": gettext_lazy("Offer declined."),
    "escalate": gettext_lazy("The platform is stepping in."),
    "withdraw": gettext_lazy("Case withdrawn."),
    "reopen": gettext_lazy("Case reopened."),
    "appeal": gettext_lazy("Appeal filed."),
    "escalate_external": gettext_lazy("External escalation recorded."),
    "contest": gettext_lazy("Contest filed: the platform will rule."),
    "take": gettext_lazy("The case is yours."),
    "rule": gettext_lazy("Ruling recorded."),
}
MONEY_LINES = {
    "escrow_to_buyer": gettext_lazy("From the order's escrow to the buyer"),
    "available_to_buyer": gettext_lazy("From the shop's available balance to the buyer"),
    "deposit_to_buyer": gettext_lazy("From the shop's deposit to the buyer"),
    "fund_to_buyer": gettext_lazy("Advanced by the guarantee fund to the buyer (the shop owes it back)"),
    "fund_short": gettext_lazy("Missing even from the guarantee fund: the ruling cannot be paid until it is funded"),
    "buyer_debt_forgiven": gettext_lazy("The buyer's debt from an earlier recovery is cancelled"),
    "recover_from_buyer": gettext_lazy("Taken back from the buyer's wallet"),
    "penalty_shop_to_fund": gettext_lazy("Penalty from the shop to the guarantee fund"),
}
FACT_LABELS = {
    "delivered": gettext_lazy("Delivered"),
    "delivered_at": gettext_lazy("Delivered at"),
    "revealed": gettext_lazy("Revealed by the buyer"),
    "first_revealed_at": gettext_lazy("First revealed at"),
    "supplier_answers": gettext_lazy("Supplier answer"),
    "reported_elsewhere": gettext_lazy("Reported by other buyers (same import batch)"),
    "delivery_late_by_s": gettext_lazy("Delivery delay"),
    "duplicate_payments": gettext_lazy("Duplicate payments"),
    "merchant_last_seen": gettext_lazy("Merchant last seen"),
}


def _ids_in_range(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        for name, value in kwargs.items():
            if name.endswith("_id") and not 1 <= value <= MAX_ID:
                raise DomainError("not_found")
        return view(request, *args, **kwargs)

    return wrapper


def _error_text(err: DomainError) -> str:
    detail = " ".join(str(v) for v in err.fields.values())
    return f"{err.message} {detail}".strip()


def _flash(request, err: DomainError) -> None:
    if err.code in ("not_found", "not_authenticated") or err.status == 403:
        raise err
    messages.error(request, _error_text(err))


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def left(due: datetime | None, now: datetime) -> dict | None:
    """What remains of a clock, for "剩余 X 小时 Y 分" rendered on the server."""
    if due is None:
        return None
    seconds = int((due - now).total_seconds())
    overdue = seconds < 0
    minutes = abs(seconds) // 60
    return {"hours": minutes // 60, "minutes": minutes % 60, "overdue": overdue, "due": due}


# --- lists ---------------------------------------------------------------------------------------


@role_required(Role.BUYER)
def my_cases(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    page = orders.paginate(selectors.cases_for(request.user), request.GET.get("page"))
    rows = [{"case": c, "left": left(c.due_at, now) if c.is_open else None} for c in page.object_list]
    return render(request, "aftersales/mine.html", {"page": page, "rows": rows})


def _state_param(request) -> str:
    state = (request.GET.get("state") or "")[:32]
    return state if state in CaseState.values else ""


@role_required(Role.MERCHANT)
def merchant_cases(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    state = _state_param(request)
    page = orders.paginate(selectors.cases_for(request.user, state=state or None), request.GET.get("page"))
    rows = [{"case": c, "left": left(c.due_at, now) if c.is_open else None} for c in page.object_list]
    context = {"page": page, "rows": rows, "state": state, "states": CaseState.choices}
    return render(request, "aftersales/merchant_queue.html", context)


@role_required(Role.AGENT)
def agent_cases(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    page = orders.paginate(selectors.agent_queue(request.user), request.GET.get("page"))
    standing = selectors.standings_for_agent(request.user, {c.buyer_id for c in page.object_list})
    rows = [{"case": c, "left": left(c.due_at, now), "standing": standing.get(c.buyer_id)} for c in page.object_list]
    return render(request, "aftersales/agent_queue.html", {"page": page, "rows": rows})


@login_required
def orders_by_tag(request: HttpRequest) -> HttpResponse:
    tag = (request.GET.get("tag") or "")[:24]
    names = selectors.tag_names_for(request.user)
    page = orders.paginate(selectors.orders_with_tag(request.user, tag), request.GET.get("page"))
    chips = [(n, SYSTEM_TAGS.get(n, n)) for n in names]
    detail = "orders:console_order" if request.user.role == Role.MERCHANT else "orders:detail"
    context = {"page": page, "tag": tag, "tag_label": SYSTEM_TAGS.get(tag, tag), "chips": chips, "detail": detail}
    return render(request, "aftersales/orders_by_tag.html", context)


# --- opening a case ----------------------------------------------------------------------------------


@_ids_in_range
@role_required(Role.BUYER)
@require_http_methods(["GET", "POST"])
def open_case(request: HttpRequest, order_id: int) -> HttpResponse:
    """Step 1 the problem type (and the buyer's own words), step 2 the self-check (自查: the wizard
    and the articles) before the form, step 3 the case form — prefilled from a self-check run."""
    order = orders.order_of_buyer(buyer=request.user, order_id=order_id)
    data = request.POST if request.method == "POST" else request.GET
    subtype = (data.get("subtype") or "")[:32]
    subtype = subtype if subtype in SUBTYPES else ""
    family = SUBTYPES[subtype].family if subtype else (data.get("family") or "")[:16]
    family = family if family in FAMILIES else ""
    words = text_from(data, "description")
    if request.method == "GET":
        # Step 1's own words travel in the address (chips, links): a few sentences, never more
        # than a URL carries (gunicorn's 4 KB request line; a Chinese character is 9 bytes).
        words = words[:OWN_WORDS_MAX]
    run = _run_param(request, data, order.pk, subtype)
    if run is not None and request.method == "GET" and not words:
        words = run.description  # the run kept them; the address does not carry them
    status = 200
    prefill = words
    if run is not None and run.answers and request.method == "GET":
        said = selfcheck.summary(run)
        prefill = f"{(words or run.description).strip()}\n\n{said}".strip()
    form = {"demand": "", "amount": "", "description": prefill, "keys": [], "batches": []}
    if request.method == "POST" and subtype:
        form = {
            "demand": (data.get("demand") or "")[:16],
            "amount": (data.get("amount") or "")[:16],
            "description": words,
            "keys": ids_from(data, "order_key_ids"),
            "batches": ids_from(data, "batch_seqs"),
        }
        try:
            case = _open(request, order.pk, subtype, form, run_id=run.pk if run else None)
        except DomainError as err:
            _flash(request, err)
            status = err.status
        else:
            messages.success(request, _("Case opened. The merchant has been asked to answer."))
            return redirect("aftersales:case", case_id=case.pk)
    articles = self_checks_for(subtype) if subtype else []
    wizard = selfcheck.current_wizard(subtype) if subtype else None
    show_checks = bool(articles or wizard) and request.method == "GET" and data.get("checked") != "1" and run is None
    keys = list(orders.delivered_keys(buyer=request.user, order_id=order.pk).filter(replaced_at__isnull=True))
    context = {
        "order": order,
        "families": list(FAMILIES.values()),
        "family": family,
        "subtypes": subtypes_of(family) if family else [],
        "subtype": SUBTYPES.get(subtype),
        "articles": articles,
        "wizard": wizard,
        "show_checks": show_checks,
        "words": words if request.method == "GET" else "",
        "run": run,
        "keys": keys,
        "batches": list(order.batches.exclude(state="refunded").order_by("seq")),
        "demands": Demand.choices,
        "form": form,
        "max_files": rulebook.current().params["attachment_max_per_message"],
    }
    return render(request, "aftersales/open.html", context, status=status)


def _run_param(request, data, order_id: int, subtype: str):
    """The self-check run the form continues (``run=<id>``): the buyer's own on this order and
    subtype, or not found."""
    raw = (data.get("run") or "")[:20]
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < MAX_ID:
        raise DomainError("not_found")
    run = selfcheck.run_of_buyer(buyer=request.user, run_id=int(raw))
    if run.order_id != order_id or (subtype and run.subtype != subtype):
        raise DomainError("selfcheck.run_mismatch")
    return run


def _open(request, order_id: int, subtype: str, form: dict, run_id: int | None = None):
    amount = 0
    if form["demand"] in (Demand.PARTIAL_REFUND, Demand.COMPENSATION):
        amount = fen_from(request.POST, "amount")
    # The evidence files go in with the case, in one transaction: a bad upload opens nothing.
    return services.open_case(
        buyer=request.user,
        order_id=order_id,
        subtype=subtype,
        demand=form["demand"],
        description=form["description"],
        demand_fen=amount,
        order_key_ids=form["keys"] or None,
        batch_seqs=form["batches"] or None,
        files=request.FILES.getlist("files"),
        self_check_run_id=run_id,
    )


# --- the case page -------------------------------------------------------------------------------


def _facts(case, role: str | None) -> list[tuple[str, object]]:
    f = case.facts or {}
    rows: list[tuple[str, object]] = [
        (FACT_LABELS["delivered"], _("Yes") if f.get("delivered") else _("No")),
    ]
    if f.get("delivered_at"):
        rows.append((FACT_LABELS["delivered_at"], _when(f["delivered_at"])))
    if f.get("keys"):
        rows.append((FACT_LABELS["revealed"], _("Yes") if f.get("revealed") else _("Never")))
        if f.get("first_revealed_at"):
            rows.append((FACT_LABELS["first_revealed_at"], _when(f["first_revealed_at"])))
        for r in f.get("reveals", [])[:5]:
            # The buyer's address is personal data: the buyer and the platform see it, the shop not.
            ip = (r.get("ip") or "—") if role != MERCHANT else "***"
            rows.append((_("Revealed from"), f"{timezone.localtime(_when(r['at'])):%Y-%m-%d %H:%M} · {ip}"))
    for a in f.get("supplier_answers", []):
        rows.append((FACT_LABELS["supplier_answers"], f"#{a['batch']}: {a['status']}"))
    rows.append((FACT_LABELS["reported_elsewhere"], f.get("reported_elsewhere", 0)))
    late = f.get("delivery_late_by_s") or 0
    rows.append(
        (
            FACT_LABELS["delivery_late_by_s"],
            _("%(h)s h %(m)s min") % {"h": late // 3600, "m": late % 3600 // 60} if late else _("None"),
        )
    )
    rows.append(
        (
            FACT_LABELS["duplicate_payments"],
            _("Yes (%(n)s payments)") % {"n": f.get("payments_captured")} if f.get("duplicate_payments") else _("No"),
        )
    )
    seen = _when(f.get("merchant_last_seen"))
    rows.append((FACT_LABELS["merchant_last_seen"], seen or _("Never")))
    if f.get("merchant_unreachable"):
        rows.append((_("Merchant unreachable"), _("Yes")))
    return rows


def _clause_links(book, codes) -> list[dict]:
    out, seen = [], set()
    for code in codes:
        if not code or code in seen:
            continue
        seen.add(code)
        try:
            out.append({"code": code, "title": book.clause(code).title, "url": book.clause_url(code)})
        except DomainError:
            continue  # a clause the version does not have: nothing to link
    return out


def _case_context(request, case) -> dict:
    now = timezone.now()
    role = permissions.role_on(case, request.user)
    book = rulebook.version(case.rulebook_id)
    actions = selectors.actions_for(case, request.user, now=now)
    action_rows = []
    for action in actions:
        step = TRANSITIONS.get((case.state, action, role))
        clause = _clause_links(book, [step.clause]) if step else []
        action_rows.append({"name": action, "label": ACTION_LABELS.get(action, action), "clause": clause})
    events = list(events_of(stream=case.stream))
    clauses = _clause_links(book, [e.payload.get("clause") for e in events if isinstance(e.payload, dict)])
    rulings = []
    for r in case.rulings.order_by("created_at", "pk"):
        rulings.append({"ruling": r, "clause": _clause_links(book, [r.clause])})
    msgs = list(case.messages.select_related("author").prefetch_related("attachments"))
    keys = []
    if case.order_key_ids:
        keys = list(orders.keys_of_order(order_id=case.order_id, ids=case.order_key_ids))
    remedies_for_offer = [(v, lbl) for v, lbl in Remedy.choices if v != Remedy.REJECT]
    remedies_for_ruling = [(v, lbl) for v, lbl in Remedy.choices if v != Remedy.REDELIVERY]
    return {
        "case": case,
        "role": role,
        "subtype": SUBTYPES.get(case.subtype),
        "family": FAMILIES.get(case.family),
        "facts": _facts(case, role),
        "party": Party.LABELS.get(case.suggested_party, case.suggested_party),
        "reason": _(case.suggested_reason) if case.suggested_reason else "",
        "left": left(case.due_at, now) if case.is_open else None,
        "clauses": clauses,
        "actions": action_rows,
        "action_names": set(actions),
        "offers": list(case.offers.order_by("created_at", "pk")),
        "rulings": rulings,
        "messages_": msgs,
        "keys": keys,
        "events": events,
        # Agents and operators may open each event's technical view (hashes, raw payload).
        "staff_view": request.user.role in (Role.AGENT, Role.OPERATOR),
        "remedies_for_offer": remedies_for_offer,
        "remedies_for_ruling": remedies_for_ruling,
        "parties": list(Party.LABELS.items()),
        "book_clauses": book.clauses,
        "can_post": case.is_open and role in (BUYER, MERCHANT, AGENT),
        "max_files": book.params["attachment_max_per_message"],
        "is_agent": role == AGENT,
        "is_merchant": role == MERCHANT,
        "standing": selectors.buyer_standing_for(request.user, case.buyer_id) if role == AGENT else None,
    }


@_ids_in_range
@login_required
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_for(request.user, case_id)
    return render(request, "aftersales/case.html", _case_context(request, case))


def _do(request, case_id: int, action: str):
    """One form on the case page → one service call."""
    user, post = request.user, request.POST
    if action in ("accept_offer", "decline_offer"):
        return services.answer_offer(buyer=user, case_id=case_id, accept=action == "accept_offer")
    if action == "provide_info":
        return services.provide_info(buyer=user, case_id=case_id, answer=text_from(post, "text"))
    if action == "escalate":
        return services.request_intervention(buyer=user, case_id=case_id, reason=text_from(post, "text"))
    if action == "withdraw":
        return services.withdraw_case(buyer=user, case_id=case_id)
    if action == "reopen":
        return services.reopen_case(buyer=user, case_id=case_id)
    if action == "appeal":
        return services.appeal(user=user, case_id=case_id, reason=text_from(post, "text"))
    if action == "escalate_external":
        channel = (post.get("channel") or "")[:8]
        return services.escalate_externally(buyer=user, case_id=case_id, channel=channel)
    if action == "accept":
        return services.accept_case(merchant=user, case_id=case_id, note=text_from(post, "text"))
    if action == "offer":
        return services.make_offer(
            merchant=user,
            case_id=case_id,
            remedy=(post.get("remedy") or "")[:16],
            amount_fen=fen_from(post, "amount"),
            note=text_from(post, "text"),
        )
    if action == "refuse":
        return services.refuse_case(merchant=user, case_id=case_id, reason=text_from(post, "text"))
    if action == "ask_info":
        return services.ask_for_info(merchant=user, case_id=case_id, question=text_from(post, "text"))
    if action == "contest":
        return services.contest_fast_refund(merchant=user, case_id=case_id, reason=text_from(post, "text"))
    if action == "take":
        return services.take_case(agent=user, case_id=case_id)
    if action == "rule":
        return services.rule(agent=user, case_id=case_id, **_ruling_input(post))
    raise DomainError("not_found")


def _ruling_input(data) -> dict:
    return {
        "remedy": (data.get("remedy") or "")[:16],
        "clause": (data.get("clause") or "")[:16],
        "text": text_from(data, "text"),
        "amount_fen": fen_from(data, "amount"),
        "penalty_fen": fen_from(data, "penalty"),
        "responsible": (data.get("responsible") or Party.UNKNOWN)[:16],
    }


@_ids_in_range
@login_required
@require_POST
def case_action(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    selectors.case_for(request.user, case_id)
    if action not in DONE:
        raise DomainError("not_found")
    try:
        _do(request, case_id, action)
        messages.success(request, DONE[action])
    except DomainError as err:
        _flash(request, err)
    return redirect("aftersales:case", case_id=case_id)


@_ids_in_range
@login_required
@require_POST
def post_message(request: HttpRequest, case_id: int) -> HttpResponse:
    selectors.case_for(request.user, case_id)
    try:
        files = request.FILES.getlist("files")
        services.post_message(user=request.user, case_id=case_id, text=text_from(request.POST, "text"), files=files)
        messages.success(request, _("Message sent."))
    except DomainError as err:
        _flash(request, err)
    return redirect("aftersales:case", case_id=case_id)


@_ids_in_range
@role_required(Role.AGENT)
@require_GET
def ruling_preview(request: HttpRequest, case_id: int) -> HttpResponse:
    """The money a ruling would move, for the agent's form (htmx swaps it in)."""
    case = selectors.case_for(request.user, case_id)
    if permissions.role_on(case, request.user) != AGENT:
        raise DomainError("not_found")
    lines, error = [], None
    try:
        data = _ruling_input(request.GET)
        for line in services.preview_ruling(
            case=case, remedy=data["remedy"], amount_fen=data["amount_fen"], penalty_fen=data["penalty_fen"]
        ):
            lines.append({"what": MONEY_LINES.get(line.what, line.what), "amount_fen": line.amount_fen})
    except DomainError as err:
        error = _error_text(err)
    return render(request, "aftersales/_preview.html", {"lines": lines, "error": error})


@_ids_in_range
@login_required
@require_GET
def attachment(request: HttpRequest, case_id: int, att_id: int) -> HttpResponse:
    """A case file, only to those who see the case. Served with the type detected at upload,
    nosniff, and as a download, except images asked for inline (thumbnails)."""
    case = selectors.case_for(request.user, case_id)
    att = Attachment.objects.filter(case=case, pk=att_id).first()
    if att is None:
        raise DomainError("not_found")
    inline = request.GET.get("inline") == "1" and att.content_type in attachments.IMAGE_TYPES
    ext = attachments.EXTENSIONS.get(att.content_type, "bin")
    return stored_file_response(
        att.file, filename=f"case-{case.pk}-{att.pk}.{ext}", content_type=att.content_type, inline=inline
    )


@login_required
@require_POST
def order_tag(request: HttpRequest, order_id: int) -> HttpResponse:
    """Add or remove one of the user's side's private tags on an order (merchant or agent)."""
    name = request.POST.get("name", "")
    try:
        if request.POST.get("remove"):
            tags.remove_private_tag(user=request.user, order_id=order_id, name=name)
        else:
            tags.add_private_tag(user=request.user, order_id=order_id, name=name)
    except DomainError as err:
        _flash(request, err)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


# --- self-check (自查) ------------------------------------------------------------------------------


OWN_WORDS_MAX = 300


def _open_url(order_id: int, subtype: str, run=None, words: str = "", checked: bool = False) -> str:
    from urllib.parse import urlencode

    from django.urls import reverse

    query = {"subtype": subtype}
    if checked:
        query["checked"] = "1"
    if run is not None:
        query["run"] = run.pk  # the run keeps the buyer's words: the address stays short
    elif words:
        query["description"] = words[:OWN_WORDS_MAX]
    return f"{reverse('aftersales:open', args=[order_id])}?{urlencode(query)}"


def _step_context(run) -> dict:
    step = selfcheck.step_of(run)
    variables = (run.facts or {}).get("vars", {})
    context = {"run": run, "step": step, "text": "", "answers": [], "article": None}
    if step is None:
        return context
    context["text"] = selfcheck.text_of(step, "text", variables)
    if step["kind"] == selfcheck.QUESTION:
        context["answers"] = [(i, selfcheck.text_of(a, "label", variables)) for i, a in enumerate(step["answers"])]
    elif step["kind"] == selfcheck.ARTICLE:
        try:
            context["article"] = article_by_slug(step["slug"])
        except DomainError:
            context["article"] = None  # unpublished since: the text and the way on still show
    context["case_url"] = _open_url(run.order_id, run.subtype, run, run.description)
    return context


@_ids_in_range
@role_required(Role.BUYER)
@require_POST
def selfcheck_start(request: HttpRequest, order_id: int) -> HttpResponse:
    subtype = (request.POST.get("subtype") or "")[:32]
    words = text_from(request.POST, "description")
    try:
        run = selfcheck_services.start_run(buyer=request.user, order_id=order_id, subtype=subtype, description=words)
    except DomainError as err:
        _flash(request, err)
        orders.order_of_buyer(buyer=request.user, order_id=order_id)
        return redirect(_open_url(order_id, subtype if subtype in SUBTYPES else "", words=words))
    return redirect("aftersales:selfcheck_run", run_id=run.pk)


@_ids_in_range
@role_required(Role.BUYER)
@require_POST
def selfcheck_skip(request: HttpRequest, order_id: int) -> HttpResponse:
    """ "I have checked; I still want to open a case": recorded as a skipped self-check."""
    subtype = (request.POST.get("subtype") or "")[:32]
    words = text_from(request.POST, "description")
    try:
        run = selfcheck_services.skip_self_check(
            buyer=request.user, order_id=order_id, subtype=subtype, description=words
        )
    except DomainError as err:
        _flash(request, err)
        orders.order_of_buyer(buyer=request.user, order_id=order_id)
        return redirect(_open_url(order_id, subtype if subtype in SUBTYPES else "", words=words))
    return redirect(_open_url(order_id, subtype, run, words, checked=True))


@_ids_in_range
@role_required(Role.BUYER)
@require_GET
def selfcheck_run(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selfcheck.run_of_buyer(buyer=request.user, run_id=run_id)
    context = {**_step_context(run), "subtype": SUBTYPES[run.subtype], "order": run.order}
    return render(request, "aftersales/selfcheck_run.html", context)


@_ids_in_range
@role_required(Role.BUYER)
@require_POST
def selfcheck_answer(request: HttpRequest, run_id: int) -> HttpResponse:
    raw = (request.POST.get("answer") or "")[:4]
    step = (request.POST.get("step") or "")[:40]
    status = 200
    try:
        if not raw.isdigit():
            raise DomainError("invalid_input", fields={"answer": "the number of an answer"})
        run = selfcheck_services.answer_step(buyer=request.user, run_id=run_id, step=step, answer=int(raw))
    except DomainError as err:
        _flash(request, err)
        status = err.status
        run = selfcheck.run_of_buyer(buyer=request.user, run_id=run_id)
    if request.htmx or status != 200:
        context = {**_step_context(run), "subtype": SUBTYPES[run.subtype], "order": run.order}
        template = "aftersales/selfcheck_step.html" if request.htmx else "aftersales/selfcheck_run.html"
        return render(request, template, context, status=status)
    return redirect("aftersales:selfcheck_run", run_id=run.pk)


@_ids_in_range
@role_required(Role.BUYER)
@require_POST
def selfcheck_leave(request: HttpRequest, run_id: int) -> HttpResponse:
    """Leave the wizard for the case form (recorded as abandoned unless it had ended)."""
    run = selfcheck_services.abandon_run(buyer=request.user, run_id=run_id)
    return redirect(_open_url(run.order_id, run.subtype, run, run.description, checked=True))


@role_required(Role.OPERATOR, Role.AGENT)
@require_GET
def selfcheck_console(request: HttpRequest) -> HttpResponse:
    rows = selfcheck.deflection(user=request.user)
    return render(request, "aftersales/selfcheck_console.html", {"rows": rows})


@role_required(Role.OPERATOR, Role.AGENT)
@require_http_methods(["GET", "POST"])
def selfcheck_edit(request: HttpRequest, subtype: str) -> HttpResponse:
    import json

    if subtype not in SUBTYPES:
        raise DomainError("not_found")
    wizard = selfcheck.current_wizard(subtype)
    errors: dict = {}
    status = 200
    text = json.dumps(wizard.steps if wizard else [], ensure_ascii=False, indent=2)
    if request.method == "POST":
        text = (request.POST.get("steps") or "")[:200_000]
        raw_base = (request.POST.get("base_version") or "")[:9]
        try:
            try:
                steps = json.loads(text)
            except ValueError as exc:
                raise DomainError(
                    "selfcheck.invalid_wizard", fields={"steps": f"not JSON: {exc}"}, reason="not JSON"
                ) from None
            saved = selfcheck_services.save_wizard(
                user=request.user,
                subtype=subtype,
                steps=steps,
                base_version=int(raw_base) if raw_base.isdigit() else None,
                note=(request.POST.get("note") or "")[:201],
            )
        except DomainError as err:
            if err.status in (401, 403, 404):
                raise
            messages.error(request, err.message)
            errors = err.fields
            status = err.status
        else:
            messages.success(request, _("Self-check saved as version %(v)s.") % {"v": saved.version})
            return redirect("aftersales:selfcheck_edit", subtype=subtype)
    context = {
        "subtype": SUBTYPES[subtype],
        "wizard": wizard,
        "text": text,
        "errors": errors,
        "facts": selfcheck.FACTS,
        "variables": selfcheck.VARIABLES,
        "paths": selfcheck.count_paths(wizard.steps) if wizard else 0,
    }
    return render(request, "aftersales/selfcheck_edit.html", context, status=status)
