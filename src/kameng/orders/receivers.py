"""Orders listen to the domains below them. Each receiver is idempotent: the sweep may deliver the
same outcome again if a process died between a commit and its signal."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def on_payment_captured(sender, payment, **kwargs) -> None:
    from kameng.orders.money import recover_buyer_debts

    if payment.order_id:
        from kameng.orders.services import pay_waiting_order_after_topup

        pay_waiting_order_after_topup(order_id=payment.order_id, payment_id=payment.pk, amount_fen=payment.amount_fen)
    # What the buyer owes from a recovered refund comes out of the wallet next (after the order
    # the top-up was for).
    recover_buyer_debts(buyer_id=payment.buyer_id)


def on_topup_succeeded(sender, request, **kwargs) -> None:
    from kameng.orders.services import topup_finished

    topup_finished(ref=request.ref, succeeded=True, detail={"supplier_ref": request.supplier_ref})


def on_topup_failed(sender, request, **kwargs) -> None:
    from kameng.orders.services import topup_finished

    topup_finished(ref=request.ref, succeeded=False, detail={"reason": request.reason[:200]})


def connect() -> None:
    from kameng.payments.signals import payment_captured
    from kameng.suppliers.signals import topup_failed, topup_succeeded

    payment_captured.connect(on_payment_captured, dispatch_uid="orders.payment_captured")
    topup_succeeded.connect(on_topup_succeeded, dispatch_uid="orders.topup_succeeded")
    topup_failed.connect(on_topup_failed, dispatch_uid="orders.topup_failed")
