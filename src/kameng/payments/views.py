"""Buyer wallet page (balance, top-up, history) and the sandbox gateway's checkout page.

Thin: parse the form, call one service or selector, render."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kameng.accounts.models import Role
from kameng.accounts.permissions import role_required
from kameng.core.errors import DomainError
from kameng.payments import selectors, services
from kameng.payments.forms import parse_yuan
from kameng.payments.gateways.base import enabled_gateways, get_gateway, is_enabled

# The registry messages live in core; repeated here so this app's catalogue carries them too.
_ERROR_MESSAGES = (
    gettext_lazy("Enter an amount in yuan with at most two decimals."),
    gettext_lazy("A top-up must be between %(min)s and %(max)s."),
    gettext_lazy("This payment method is not available."),
    gettext_lazy("The payment notification was rejected."),
    gettext_lazy("A payment cannot go from %(from_status)s by %(action)s."),
)


@role_required(Role.BUYER)
@require_http_methods(["GET", "POST"])
def wallet(request):
    error, status = None, 200
    gateways = enabled_gateways()
    form = {"amount": "", "gateway": gateways[0].name if gateways else ""}
    if request.method == "POST":
        form = {"amount": request.POST.get("amount", "")[:32], "gateway": request.POST.get("gateway", "")[:32]}
        try:
            payment = services.start_topup(
                buyer=request.user, amount_fen=parse_yuan(form["amount"]), gateway=form["gateway"]
            )
            return redirect(get_gateway(payment.gateway).checkout_url(payment, request))
        except DomainError as exc:
            error, status = exc, exc.status
    watched = None
    if request.GET.get("payment"):
        try:
            watched = selectors.payment_of(buyer=request.user, out_trade_no=request.GET["payment"])
        except DomainError:
            watched = None
    context = {
        "balance_fen": selectors.wallet_balance(buyer=request.user),
        "history": selectors.wallet_history(buyer=request.user, limit=50),
        "payments": selectors.payments_of(buyer=request.user)[:20],
        "gateways": gateways,
        "form": form,
        "error": error,
        "watched": watched,
    }
    return render(request, "payments/wallet.html", context, status=status)


@role_required(Role.BUYER)
def payment_status(request, out_trade_no: str):
    """The "processing…" fragment the wallet page polls until the gateway's callback landed."""
    payment = selectors.payment_of(buyer=request.user, out_trade_no=out_trade_no)
    return render(
        request,
        "payments/_payment_status.html",
        {"watched": payment, "balance_fen": selectors.wallet_balance(buyer=request.user)},
    )


@require_http_methods(["GET", "POST"])
def sandbox_checkout(request, out_trade_no: str):
    """Plays the external gateway: anyone holding the trade number may pay it, as with a QR code."""
    if not is_enabled("sandbox"):
        raise Http404
    payment = selectors.payment_for_checkout(out_trade_no=out_trade_no, gateway="sandbox")
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision not in ("pay", "fail"):
            raise DomainError("invalid_input", fields={"decision": "pay or fail"})
        services.sandbox_decide(out_trade_no=payment.out_trade_no, succeeded=decision == "pay")
        return redirect(f"{_wallet_url()}?payment={payment.out_trade_no}")
    charge = selectors.sandbox_charge_for(out_trade_no=payment.out_trade_no)
    return render(
        request,
        "payments/sandbox_checkout.html",
        {"payment": payment, "charge": charge, "wallet_url": f"{_wallet_url()}?payment={payment.out_trade_no}"},
    )


def _wallet_url() -> str:
    return reverse("payments:wallet")
