"""Order pages: checkout, my orders and the order page (buyer), the order console and balance
(merchant), payouts and the ledger check (operator). Thin: parse, call one service or selector,
render. Every form works as a plain POST; htmx only swaps a fragment in place where it helps."""

from __future__ import annotations

import secrets
from functools import wraps

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kameng.accounts.models import Role
from kameng.accounts.permissions import role_required
from kameng.catalog.selectors import product_detail
from kameng.core.errors import DomainError
from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import balance_of
from kameng.orders import funds, selectors, services
from kameng.orders.forms import MAX_ID, buyer_fields_from, new_idempotency_key, parse_id, parse_quantity
from kameng.orders.models import OrderState, Payout, PayoutMethod
from kameng.payments import conf as payments_conf
from kameng.payments.forms import parse_yuan
from kameng.payments.gateways.base import enabled_gateways, get_gateway
from kameng.payments.services import start_topup

# The registry messages live in core; repeated here so this app's catalogue carries them too.
_ERROR_MESSAGES = (
    gettext_lazy("This order cannot do “%(action)s” while it is “%(state)s”."),
    gettext_lazy("Send an Idempotency-Key header (1–100 visible characters) so a retry never buys twice."),
    gettext_lazy("This Idempotency-Key was already used for a different order."),
    gettext_lazy("Buy between %(min)s and %(max)s of this product per order."),
    gettext_lazy("The time to pay for this order has passed."),
    gettext_lazy("This card key has not been delivered to you yet."),
    gettext_lazy("Nothing delivered is waiting for your confirmation."),
    gettext_lazy("Only manual-delivery orders are delivered by hand."),
    gettext_lazy("A payout must be at least %(min)s fen."),
    gettext_lazy("Payouts of this shop are frozen."),
    gettext_lazy("Choose where the payout goes: Alipay or a bank card."),
    gettext_lazy("An Alipay account is a mainland mobile number or an email address."),
    gettext_lazy("A bank card number has 16 to 19 digits."),
    gettext_lazy("This payout was already decided: %(state)s."),
)


def _ids_in_range(view):
    """URL ids beyond any real row are "not found" before they reach the database (SQLite would
    overflow on them)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        for name, value in kwargs.items():
            if name.endswith("_id") and not 1 <= value <= MAX_ID:
                raise DomainError("not_found")
        return view(request, *args, **kwargs)

    return wrapper


def _error_text(err: DomainError) -> str:
    detail = " ".join(err.fields.values())
    return f"{err.message} {detail}".strip()


def _flash(request, err: DomainError) -> None:
    """An action refused: say why on the page it came from. Others' objects stay "not found"."""
    if err.code in ("not_found", "not_authenticated") or err.status == 403:
        raise err
    messages.error(request, _error_text(err))


def _state(request) -> str:
    state = (request.GET.get("state") or "")[:32]
    return state if state in OrderState.values else ""


# --- buyer ---------------------------------------------------------------------------------------


@role_required(Role.BUYER)
@require_http_methods(["GET", "POST"])
def checkout(request):
    product = product_detail(product_id=parse_id(request.GET.get("product")), user=request.user)
    error, status = None, 200
    asked = (request.GET.get("quantity") or "")[:6]
    form = {
        "quantity": asked if asked.isdigit() else str(product.min_per_order),
        "fields": {},
        "idempotency_key": new_idempotency_key(),
    }
    if request.method == "POST":
        fields = buyer_fields_from(request.POST, product.required_fields)
        wrote_terms = bool(product.usage_rules or product.region_notes or product.refund_policy)
        form = {
            "quantity": (request.POST.get("quantity") or "")[:8],
            "fields": fields,
            "idempotency_key": (request.POST.get("idempotency_key") or "")[:100],
        }
        try:
            if wrote_terms and request.POST.get("accept_terms") != "1":
                raise DomainError("orders.terms_not_accepted", fields={"accept_terms": "required"})
            result = services.place_order(
                buyer=request.user,
                product_id=product.pk,
                quantity=parse_quantity(form["quantity"]),
                buyer_fields=fields,
                idempotency_key=form["idempotency_key"],
            )
        except DomainError as err:
            # Nothing was bought: a fresh key for the corrected form, so it is a new purchase.
            error, status = err, err.status
            form["idempotency_key"] = new_idempotency_key()
        else:
            if result.created and result.paid:
                messages.success(request, _("Paid. Your order is in escrow until you confirm receipt."))
            elif result.created:
                messages.info(request, _("Order placed. Top up your wallet to pay for it."))
            return redirect("orders:detail", order_id=result.order.pk)
    balance = selectors.wallet_balance(buyer=request.user)
    quantity = int(form["quantity"]) if form["quantity"].isdigit() else product.min_per_order
    total = product.price_fen * quantity
    fields = [{**f, "value": form["fields"].get(f["key"], "")} for f in product.localized_fields]
    context = {
        "product": product,
        "form": form,
        "fields": fields,
        "balance_fen": balance,
        "total_fen": total,
        "shortfall_fen": max(0, total - balance),
        "error": error,
        "guidance": selectors.checkout_guidance(buyer=request.user, product=product, total_fen=total),
    }
    return render(request, "orders/checkout.html", context, status=status)


@role_required(Role.BUYER)
def my_orders(request):
    state = _state(request)
    page = selectors.paginate(selectors.orders_of_buyer(buyer=request.user, state=state), request.GET.get("page"))
    return render(request, "orders/mine.html", {"page": page, "state": state, "states": OrderState.choices})


def _labelled_fields(order) -> list[tuple[str, str]]:
    """The buyer's answers under the product's labels (in the page's language), in its order."""
    labels = {f["key"]: f["label"] for f in order.product.localized_fields}
    return [(labels.get(key, key), value) for key, value in order.buyer_fields.items()]


def _detail_context(request, order_id: int, revealed: dict | None = None) -> dict:
    order = selectors.order_of_buyer(buyer=request.user, order_id=order_id)
    keys = list(selectors.delivered_keys(buyer=request.user, order_id=order.pk))
    shown = revealed or {}
    return {
        "order": order,
        "batches": list(order.batches.all()),
        "batch_rows": selectors.batch_rows(order.batches.all()),
        "keys": [{"key": k, "shown": shown.get(k.pk)} for k in keys],
        "buyer_fields": _labelled_fields(order),
        "shortfall_fen": selectors.wallet_shortfall(order=order),
        "balance_fen": selectors.wallet_balance(buyer=request.user),
        "gateways": enabled_gateways(),
        "events": selectors.events_for_page(order=order),
        # The buyer's own page: the plain timeline only (a staff view of an order passes True).
        "staff_view": False,
        "can_confirm": any(b.state == "delivered" for b in order.batches.all()),
    }


@_ids_in_range
@role_required(Role.BUYER)
def order_detail(request, order_id: int):
    return render(request, "orders/detail.html", _detail_context(request, order_id))


@_ids_in_range
@role_required(Role.BUYER)
@require_POST
def reveal(request, order_id: int, key_id: int):
    code, password = services.reveal_key(
        buyer=request.user,
        order_id=order_id,
        order_key_id=key_id,
        ip=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.headers.get("User-Agent", ""),
    )
    shown = {"code": code, "password": password}
    if request.htmx:
        return render(request, "orders/_key_shown.html", {"shown": shown, "key_id": key_id})
    # A plain POST answers with the page itself: the code is never put in a URL or the session.
    return render(request, "orders/detail.html", _detail_context(request, order_id, revealed={key_id: shown}))


def _buyer_action(request, order_id: int, act, done: str):
    try:
        act()
        messages.success(request, done)
    except DomainError as err:
        _flash(request, err)
    return redirect("orders:detail", order_id=order_id)


@_ids_in_range
@role_required(Role.BUYER)
@require_POST
def confirm(request, order_id: int):
    return _buyer_action(
        request,
        order_id,
        lambda: services.confirm_receipt(buyer=request.user, order_id=order_id),
        _("Receipt confirmed. The merchant has been paid."),
    )


@_ids_in_range
@role_required(Role.BUYER)
@require_POST
def pay(request, order_id: int):
    return _buyer_action(
        request,
        order_id,
        lambda: services.pay_order(buyer=request.user, order_id=order_id),
        _("Paid. Your order is in escrow until you confirm receipt."),
    )


@_ids_in_range
@role_required(Role.BUYER)
@require_POST
def cancel(request, order_id: int):
    selectors.order_of_buyer(buyer=request.user, order_id=order_id)
    return _buyer_action(
        request,
        order_id,
        lambda: services.cancel_order(buyer=request.user, order_id=order_id, reason="cancelled by the buyer"),
        _("Order cancelled."),
    )


@_ids_in_range
@role_required(Role.BUYER)
@require_POST
def topup(request, order_id: int):
    """Top up exactly what the order lacks (at least the gateway minimum); the captured top-up pays
    the order by itself (payments → orders.pay_waiting_order_after_topup)."""
    order = selectors.order_of_buyer(buyer=request.user, order_id=order_id)
    shortfall = selectors.wallet_shortfall(order=order)
    if not shortfall:
        messages.info(request, _("Your wallet already holds enough: pay from it."))
        return redirect("orders:detail", order_id=order.pk)
    gateways = enabled_gateways()
    gateway = (request.POST.get("gateway") or (gateways[0].name if gateways else ""))[:32]
    try:
        payment = start_topup(
            buyer=request.user,
            amount_fen=max(shortfall, payments_conf.topup_min_fen()),
            gateway=gateway,
            order_id=order.pk,
        )
    except DomainError as err:
        _flash(request, err)
        return redirect("orders:detail", order_id=order.pk)
    return redirect(get_gateway(payment.gateway).checkout_url(payment, request))


# --- merchant ------------------------------------------------------------------------------------


@role_required(Role.MERCHANT)
def console_orders(request):
    state = _state(request)
    page = selectors.paginate(selectors.orders_of_shop(merchant=request.user, state=state), request.GET.get("page"))
    return render(request, "orders/console_orders.html", {"page": page, "state": state, "states": OrderState.choices})


@_ids_in_range
@role_required(Role.MERCHANT)
@require_http_methods(["GET", "POST"])
def console_order(request, order_id: int):
    order = selectors.order_of_shop(merchant=request.user, order_id=order_id)
    note, status = "", 200
    if request.method == "POST":
        note = (request.POST.get("note") or "")[:4000]
        try:
            services.deliver_manually(merchant=request.user, order_id=order.pk, note=note)
            messages.success(request, _("Marked as delivered. The buyer's protection window has started."))
            return redirect("orders:console_order", order_id=order.pk)
        except DomainError as err:
            if err.code == "not_found" or err.status == 403:
                raise
            messages.error(request, _error_text(err))
            status = err.status
    can_deliver = order.delivery_kind == "manual" and any(b.state == "delivering" for b in order.batches.all())
    context = {
        "order": order,
        "batches": list(order.batches.all()),
        "batch_rows": selectors.batch_rows(order.batches.all()),
        "buyer_fields": _labelled_fields(order),
        "note": note,
        "can_deliver": can_deliver,
    }
    return render(request, "orders/console_order.html", context, status=status)


@role_required(Role.MERCHANT)
@require_http_methods(["GET", "POST"])
def console_balance(request):
    """What the shop has (available, in escrow, in payout, deposit), what it owes the guarantee
    fund and why payouts are frozen; the payout form names where the money goes."""
    form, status = {"amount": "", "method": PayoutMethod.ALIPAY, "account": ""}, 200
    if request.method == "POST":
        form = {
            "amount": (request.POST.get("amount") or "")[:32],
            "method": (request.POST.get("method") or "")[:8],
            "account": (request.POST.get("account") or "")[:80],
        }
        try:
            funds.request_payout(
                merchant=request.user,
                amount_fen=parse_yuan(form["amount"]),
                method=form["method"],
                account=form["account"],
            )
            messages.success(request, _("Payout requested. An operator will review it."))
            return redirect("orders:console_balance")
        except DomainError as err:
            if err.status == 403:
                raise
            messages.error(request, _error_text(err))
            status = err.status
    context = {
        "balance": selectors.merchant_balance(merchant=request.user),
        "debts": selectors.debts_of_shop(merchant=request.user)[:50],
        "payouts": selectors.payouts_of_shop(merchant=request.user)[:50],
        "form": form,
        "methods": PayoutMethod.choices,
    }
    return render(request, "orders/console_balance.html", context, status=status)


# --- operator ------------------------------------------------------------------------------------


@role_required(Role.OPERATOR)
def operator_payouts(request):
    state = (request.GET.get("state") or Payout.State.REQUESTED)[:16]
    if state not in Payout.State.values:
        state = Payout.State.REQUESTED
    context = {
        "payouts": selectors.payout_queue(operator=request.user, state=state)[:200],
        "state": state,
        "states": Payout.State.choices,
    }
    return render(request, "orders/operator_payouts.html", context)


@_ids_in_range
@role_required(Role.OPERATOR)
@require_POST
def operator_payout_decide(request, payout_id: int):
    action = request.POST.get("action")
    note = (request.POST.get("note") or "").strip()[:300]
    if action not in ("approve", "reject"):
        raise DomainError("invalid_input", fields={"action": "approve or reject"})
    if action == "reject" and not note:
        messages.error(request, _("Say why the payout is rejected."))
        return redirect("orders:operator_payouts")
    try:
        funds.decide_payout(operator=request.user, payout_id=payout_id, approve=action == "approve", note=note)
        messages.success(request, _("Payout approved.") if action == "approve" else _("Payout rejected."))
    except DomainError as err:
        _flash(request, err)
    return redirect("orders:operator_payouts")


@role_required(Role.OPERATOR)
def operator_debts(request):
    """What shops owe the guarantee fund (先行赔付 it advanced, penalties they could not pay)."""
    show_all = request.GET.get("all") == "1"
    page = selectors.paginate(
        selectors.debt_list(operator=request.user, open_only=not show_all), request.GET.get("page")
    )
    return render(request, "orders/operator_debts.html", {"page": page, "show_all": show_all})


@role_required(Role.OPERATOR)
def operator_fund(request):
    """The guarantee fund (保障基金): what it holds, what it advanced, got back and is still owed."""
    return render(request, "orders/operator_fund.html", {"fund": selectors.guarantee_fund(operator=request.user)})


@role_required(Role.OPERATOR)
def operator_ledger(request):
    if request.method == "POST":
        # The guarantee fund (保障基金) pays 先行赔付; operators top it up from commission or from outside.
        try:
            funds.fund_guarantee(
                operator=request.user,
                amount_fen=parse_yuan(request.POST.get("amount", "")),
                source=(request.POST.get("request_id") or "")[:60] or secrets.token_hex(8),
                from_commission=request.POST.get("origin") != "outside",
            )
            messages.success(request, _("The guarantee fund was topped up."))
        except DomainError as err:
            _flash(request, err)
        return redirect("orders:operator_ledger")
    report = selectors.ledger_check(operator=request.user)
    totals = [
        (kind.label, balance_of(kind=kind))
        for kind in (AccountKind.PLATFORM_COMMISSION, AccountKind.GUARANTEE_FUND, AccountKind.GATEWAY_CLEARING)
    ]
    context = {"report": report, "totals": totals, "request_id": secrets.token_hex(8)}  # one top-up per form
    return render(request, "orders/operator_ledger.html", context)
