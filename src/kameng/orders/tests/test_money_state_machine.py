"""Money is never created or destroyed, whatever buyers, merchants, gateways, suppliers and the clock do.

A Hypothesis state machine drives the real services (payments, orders, ledger, timeline) through
random sequences of wallet top-ups (with replayed, wrongly signed and wrong-amount notifications),
orders of all three delivery kinds (batched when large), payments, cancellations, manual
deliveries, supplier answers, reveals, confirmations, payouts and sweeps under clock jumps, and
checks every invariant of the books after every step. Each example runs in a savepoint that is
rolled back, so examples never see each other's rows.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.db.models import Count, Sum
from django.test import TestCase
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from kameng.core.errors import DomainError
from kameng.inventory.models import CardKey, CardKeyStatus
from kameng.ledger.models import AccountKind, JournalEntry, LedgerAccount, Posting
from kameng.ledger.selectors import balance_of, check_ledger
from kameng.orders import funds, money, services
from kameng.orders.models import BatchState, DeliveryBatch, Order, OrderKey, OrderState, Payout, Refund
from kameng.orders.tests.conftest import fund, load_keys
from kameng.orders.transitions import ORDER_TRANSITIONS
from kameng.payments.gateways.sandbox import notification_params, sign
from kameng.payments.models import EventOutcome, Payment
from kameng.payments.services import expire_stale_payments, handle_notification, sandbox_decide, start_topup
from kameng.timeline.selectors import verify_all
from tests.factories import UserFactory
from tests.helpers import publish_rules

pytestmark = pytest.mark.django_db

BATCH_THRESHOLD_FEN = 3000  # card keys cost 10 yuan: orders of 4+ keys come in batches of 3
# Money held inside the platform: everything but the gateway clearing account (money outside).
INSIDE = [k for k in AccountKind if k != AccountKind.GATEWAY_CLEARING]


def _reachable(start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        state = todo.pop()
        for (src, _action), dst in ORDER_TRANSITIONS.items():
            if src == state and dst not in seen:
                seen.add(dst)
                todo.append(dst)
    return seen


REVEALABLE = [BatchState.DELIVERED, BatchState.SETTLED]


def _open_batches(kind: str):
    return DeliveryBatch.objects.filter(order__delivery_kind=kind, state=BatchState.DELIVERING)


REACHABLE = {state: _reachable(state) for state in OrderState.values}


class MoneyMachine(RuleBasedStateMachine):
    # Filled by the test function from its fixtures (pytest-django owns the database).
    world: dict = {}

    def __init__(self) -> None:
        super().__init__()
        w = self.world
        self.buyers, self.merchant, self.operator = w["buyers"], w["merchant"], w["operator"]
        self.products = w["products"]
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self._clock = time_machine.travel(timezone.now(), tick=False)
        self.clock = self._clock.start()
        self.counter = itertools.count(1)
        self.money_in = 0  # what the gateway credited, as this machine saw it
        self.money_out = 0  # approved payouts
        self.payments: list[Payment] = []
        self.notes: list[dict] = []  # every correctly signed notification sent, for replays
        self.requests: list[tuple] = []  # (buyer index, key, product kind, quantity, fields)
        self.seen_state: dict[int, str] = {}
        for buyer in self.buyers:  # start with some money so that most orders can be paid at once
            self._top_up(buyer, 20_000)

    def teardown(self) -> None:
        self._clock.stop()
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers ---------------------------------------------------------------------------------

    def _order(self, pick: int, *states: str) -> Order | None:
        orders = list(Order.objects.filter(state__in=states).order_by("pk")) if states else []
        return orders[pick % len(orders)] if orders else None

    def _notify(self, params: dict) -> EventOutcome:
        # on_commit callbacks (payment_captured → pay the waiting order) run as they would in production.
        with TestCase.captureOnCommitCallbacks(execute=True):
            return handle_notification(gateway="sandbox", params=params, remote_addr="127.0.0.1").outcome

    # --- top-ups through the real payment service -------------------------------------------------

    @rule(
        who=st.integers(0, 1),
        amount=st.sampled_from([500, 2500, 10_000]),
        for_order=st.booleans(),
        pick=st.integers(0, 50),
    )
    def top_up(self, who, amount, for_order, pick):
        buyer = self.buyers[who]
        order = self._order(pick, OrderState.PENDING_PAYMENT) if for_order else None
        if order is not None:
            buyer, amount = order.buyer, max(order.total_fen, 1)
        self._top_up(buyer, amount, order)

    def _top_up(self, buyer, amount, order=None):
        payment = start_topup(buyer=buyer, amount_fen=amount, gateway="sandbox", order_id=order.pk if order else None)
        charge = sandbox_decide(out_trade_no=payment.out_trade_no, succeeded=True)
        params = notification_params(charge)
        assert self._notify(params) == EventOutcome.CREDITED
        self.money_in += amount
        self.payments.append(payment)
        self.notes.append(params)
        if order is not None:  # the captured payment paid the waiting order, unless it could not be paid
            order.refresh_from_db()
            assert (
                order.state != OrderState.PENDING_PAYMENT
                or order.payment_due_at < timezone.now()
                or (order.delivery_kind == "card_key" and order.product.stock_available < order.quantity)
            )

    @rule(pick=st.integers(0, 50))
    @precondition(lambda self: self.notes)
    def replay_notification(self, pick):
        assert self._notify(dict(self.notes[pick % len(self.notes)])) == EventOutcome.DUPLICATE

    @rule(
        who=st.integers(0, 1),
        amount=st.sampled_from([500, 3000]),
        how=st.sampled_from(["amount", "signature", "failed"]),
    )
    def bad_notification(self, who, amount, how):
        payment = start_topup(buyer=self.buyers[who], amount_fen=amount, gateway="sandbox")
        charge = sandbox_decide(out_trade_no=payment.out_trade_no, succeeded=how != "failed")
        params = notification_params(charge)
        if how == "amount":
            params["amount_fen"] = str(amount * 10)  # correctly signed, but not what we asked for
            params["event_id"] += ":x"
            params["sign"] = sign({k: v for k, v in params.items() if k != "sign"})
            expected = EventOutcome.WRONG_AMOUNT
        elif how == "signature":
            params["sign"] = "0" * 64
            expected = EventOutcome.BAD_SIGNATURE
        else:
            expected = EventOutcome.FAILED_REPORTED
        assert self._notify(params) == expected
        self.payments.append(payment)

    @rule(pick=st.integers(0, 50))
    @precondition(lambda self: self.payments)
    def late_payment_after_expiry(self, pick):
        """A pending top-up expires, then the gateway says it was paid: credited anyway (paid_late)."""
        payment = start_topup(buyer=self.buyers[pick % 2], amount_fen=1200, gateway="sandbox")
        self.clock.shift(timedelta(minutes=31))
        assert expire_stale_payments() >= 1
        charge = sandbox_decide(out_trade_no=payment.out_trade_no, succeeded=True)
        params = notification_params(charge)
        assert self._notify(params) == EventOutcome.CREDITED
        self.money_in += 1200
        self.notes.append(params)

    # --- orders ----------------------------------------------------------------------------------

    @rule(
        who=st.integers(0, 1),
        kind=st.sampled_from(["card", "card", "topup", "manual"]),
        quantity=st.integers(1, 7),
        pay_now=st.sampled_from([True, True, True, False]),
        reuse=st.integers(0, 4),
    )
    def place_order(self, who, kind, quantity, pay_now, reuse):
        if reuse == 0 and self.requests:
            # Same Idempotency-Key again: the same order, never a second charge.
            who, key, kind, quantity, fields, first_pk = self.requests[-1]
            before = balance_of(kind=AccountKind.BUYER_WALLET, owner_id=self.buyers[who].pk)
            result = self._place(who, kind, quantity, fields, key, pay_now)
            assert result.order.pk == first_pk and not result.created
            assert balance_of(kind=AccountKind.BUYER_WALLET, owner_id=self.buyers[who].pk) == before
            if quantity < 7:  # same key, different request: refused, nothing written
                with pytest.raises(DomainError) as exc:
                    self._place(who, kind, quantity + 1, fields, key, pay_now)
                assert exc.value.code == "orders.idempotency_mismatch"
            return
        fields = {"topup": {"phone": "13800138001"}, "manual": {"role": "小鹿"}, "card": None}[kind]
        key = f"idem-{next(self.counter)}"
        quantity = quantity if kind == "card" else min(quantity, 3)
        try:
            result = self._place(who, kind, quantity, fields, key, pay_now)
        except DomainError as exc:
            assert exc.code in ("inventory.out_of_stock", "ledger.insufficient_funds"), exc.code
            assert not Order.objects.filter(idempotency_key=key).exists()
            return
        self.requests.append((who, key, kind, quantity, fields, result.order.pk))

    def _place(self, who, kind, quantity, fields, key, pay_now):
        return services.place_order(
            buyer=self.buyers[who],
            product_id=self.products[kind].pk,
            quantity=quantity,
            buyer_fields=fields,
            idempotency_key=key,
            pay_now=pay_now,
        )

    @rule(pick=st.integers(0, 50))
    @precondition(lambda self: Order.objects.filter(state=OrderState.PENDING_PAYMENT).exists())
    def pay_waiting_order(self, pick):
        order = self._order(pick, OrderState.PENDING_PAYMENT)
        if order is None:
            return
        try:
            services.pay_order(buyer=order.buyer, order_id=order.pk)
        except DomainError as exc:
            assert exc.code in ("ledger.insufficient_funds", "inventory.out_of_stock", "orders.payment_window_passed")
            order.refresh_from_db()
            assert order.state == OrderState.PENDING_PAYMENT

    @rule(pick=st.integers(0, 50), any_state=st.booleans())
    def cancel(self, pick, any_state):
        order = self._order(pick, *(OrderState.values if any_state else [OrderState.PENDING_PAYMENT]))
        if order is None:
            return
        try:
            services.cancel_order(buyer=order.buyer, order_id=order.pk, reason="changed my mind")
        except DomainError as exc:
            assert order.state != OrderState.PENDING_PAYMENT and exc.code == "orders.invalid_transition"

    @rule(pick=st.integers(0, 50))
    @precondition(lambda self: _open_batches("manual").exists())
    def deliver_manually(self, pick):
        batches = list(_open_batches("manual").order_by("pk"))
        order = batches[pick % len(batches)].order
        services.deliver_manually(merchant=self.merchant, order_id=order.pk, note="已通过游戏邮件发送")

    @rule(pick=st.integers(0, 50), succeeded=st.booleans())
    @precondition(lambda self: _open_batches("direct_topup").exists())
    def supplier_answers(self, pick, succeeded):
        batches = list(_open_batches("direct_topup").order_by("pk"))
        batch = batches[pick % len(batches)]
        ref = f"order:{batch.order_id}:batch:{batch.seq}"
        services.topup_finished(ref=ref, succeeded=succeeded, detail={"supplier_ref": "SIM"})
        services.topup_finished(ref=ref, succeeded=not succeeded, detail={"late": True})  # a second answer: ignored

    @rule(pick=st.integers(0, 50))
    @precondition(lambda self: OrderKey.objects.filter(batch__state__in=REVEALABLE).exists())
    def reveal(self, pick):
        keys = list(OrderKey.objects.filter(batch__state__in=REVEALABLE).order_by("pk"))
        okey = keys[pick % len(keys)]
        order = okey.batch.order
        code, _password = services.reveal_key(
            buyer=order.buyer, order_id=order.pk, order_key_id=okey.pk, ip="10.0.0.1", user_agent="hypothesis"
        )
        assert code.startswith("K")

    @rule(pick=st.integers(0, 50))
    @precondition(lambda self: DeliveryBatch.objects.filter(state=BatchState.DELIVERED).exists())
    def confirm(self, pick):
        order = self._order(pick, *OrderState.values)
        if order is None:
            return
        try:
            services.confirm_receipt(buyer=order.buyer, order_id=order.pk)
        except DomainError as exc:
            assert exc.code == "orders.nothing_to_confirm"
            assert not order.batches.filter(state=BatchState.DELIVERED).exists()

    # --- time and the sweep ----------------------------------------------------------------------

    @rule(
        jump=st.sampled_from(
            [timedelta(0), timedelta(minutes=16), timedelta(hours=6, minutes=1), timedelta(hours=72, minutes=1)]
        ),
        merchant_on_time=st.booleans(),
    )
    def sweep(self, jump, merchant_on_time):
        if merchant_on_time:  # the merchant delivers everything open before the clock moves on
            for batch in _open_batches("manual"):
                services.deliver_manually(merchant=self.merchant, order_id=batch.order_id, note="按时发货")
        self.clock.shift(jump)
        services.sweep()
        expire_stale_payments()
        again = services.sweep()  # a second pass finds nothing: every deadline was applied once
        assert (again.cancelled, again.manual_refunded, again.auto_confirmed) == (0, 0, 0)

    @rule(succeeded=st.booleans())
    def run_everything_out(self, succeeded):
        """Liveness: with the supplier answering and the clock running, every order ends; no money
        waits in escrow forever. Card-key batches need one protection window each."""
        for _ in range(4):
            for batch in DeliveryBatch.objects.filter(order__delivery_kind="direct_topup", state=BatchState.DELIVERING):
                services.topup_finished(ref=f"order:{batch.order_id}:batch:{batch.seq}", succeeded=succeeded, detail={})
            self.clock.shift(timedelta(hours=73))
            services.sweep()
        for order in Order.objects.prefetch_related("batches"):
            stuck = [b for b in order.batches.all() if b.state not in (BatchState.SETTLED, BatchState.REFUNDED)]
            if order.state == OrderState.CANCELLED:
                continue
            assert not stuck, f"order {order.pk} ({order.state}) never finishes: {[(b.seq, b.state) for b in stuck]}"
            assert order.state in (OrderState.COMPLETED, OrderState.REFUNDED, OrderState.PARTIALLY_REFUNDED)
            assert balance_of(kind=AccountKind.ORDER_ESCROW, owner_id=order.pk) == 0

    # --- payouts (提现) ---------------------------------------------------------------------------

    @rule(share=st.sampled_from([0.3, 1.0, 1.5]))
    def request_payout(self, share):
        available = balance_of(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=self.products["card"].shop_id)
        amount = int(available * share)
        try:
            funds.request_payout(merchant=self.merchant, amount_fen=amount, method="alipay", account="13800138000")
        except DomainError as exc:
            assert exc.code in ("orders.payout_too_small", "ledger.insufficient_funds"), exc.code
            assert amount < 100 or amount > available

    @rule(pick=st.integers(0, 50), approve=st.booleans())
    @precondition(lambda self: Payout.objects.filter(state=Payout.State.REQUESTED).exists())
    def decide_payout(self, pick, approve):
        payouts = list(Payout.objects.filter(state=Payout.State.REQUESTED).order_by("pk"))
        payout = payouts[pick % len(payouts)]
        funds.decide_payout(operator=self.operator, payout_id=payout.pk, approve=approve)
        if approve:
            self.money_out += payout.amount_fen

    # --- after-sales money without cases: the money room called directly --------------------------

    @rule(pick=st.integers(0, 50), share=st.sampled_from([0.2, 0.5, 1.0]), one_batch=st.booleans())
    @precondition(lambda self: Order.objects.filter(paid_at__isnull=False).exists())
    def refund_part(self, pick, share, one_batch):
        """A remedy paid back through ``money.refund`` on mixed settled/escrow batches (partial or whole)."""
        paid = list(Order.objects.filter(paid_at__isnull=False).order_by("pk"))
        order = paid[pick % len(paid)]
        seqs = sorted(order.batches.values_list("seq", flat=True))
        seqs = seqs[-1:] if one_batch else seqs
        room = money.refundable_fen(order, seqs)
        amount = max(1, int(room * share)) if room else 0
        if not amount:
            return
        plan = money.preview_refund(order=order, seqs=seqs, amount_fen=amount)
        source = f"sm-refund:{next(self.counter)}"
        try:
            row = money.refund(order_id=order.pk, seqs=seqs, amount_fen=amount, source=source, reason="sm").refund
        except DomainError as exc:
            assert exc.code == "aftersales.guarantee_fund_short", exc.code
            assert plan.fund_short_fen > 0
            return
        # What the preview said is what was posted (nothing moved in between).
        assert (row.from_escrow_fen, row.from_available_fen, row.from_deposit_fen, row.from_fund_fen) == (
            plan.from_escrow_fen,
            plan.from_available_fen,
            plan.from_deposit_fen,
            plan.from_fund_fen,
        )

    @rule(pick=st.integers(0, 50), share=st.sampled_from([0.5, 1.0]))
    @precondition(lambda self: Refund.objects.filter(source__startswith="sm-refund:").exists())
    def recover_part(self, pick, share):
        rows = list(Refund.objects.filter(source__startswith="sm-refund:").order_by("pk"))
        row = rows[pick % len(rows)]
        left = row.amount_fen - row.recovered_fen - money.owed_on(row)
        if left <= 0 or not self._may_recover(row):
            return
        want = max(1, int(left * share))
        back = money.recover(
            order_id=row.order_id,
            refund_source=row.source,
            amount_fen=want,
            source=f"{row.source}:back:{next(self.counter)}",
            reason="sm",
        )
        # All of it, unless part was on a batch the order has since refunded whole by itself.
        assert back.recovered_fen + back.owed_fen <= want

    def _may_recover(self, row) -> bool:
        """These direct recoveries stand in for a case's (the only caller of ``recover``)."""
        return True

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def counters_agree_with_the_ledger(self):
        """Order, batch and refund-row counters say what the ledger says."""
        for order in Order.objects.filter(paid_at__isnull=False):
            assert sum(order.batches.values_list("refunded_fen", flat=True)) == order.refunded_fen, order.pk
        for row in Refund.objects.all():
            assert sum(fen for _seq, fen, _escrow in row.shares) == row.amount_fen, row.source
            posted = dict(
                Posting.objects.filter(entry__source=row.source)
                .values_list("account__kind")
                .annotate(s=Sum("amount_fen"))
                .values_list("account__kind", "s")
            )
            assert posted.get(AccountKind.BUYER_WALLET, 0) == row.amount_fen, row.source
            assert -posted.get(AccountKind.ORDER_ESCROW, 0) == row.from_escrow_fen, row.source
            assert -posted.get(AccountKind.MERCHANT_AVAILABLE, 0) == row.from_available_fen, row.source
            assert -posted.get(AccountKind.MERCHANT_DEPOSIT, 0) == row.from_deposit_fen, row.source
            assert -posted.get(AccountKind.GUARANTEE_FUND, 0) == row.from_fund_fen, row.source
            # The buyer nets what the refund says: paid, minus what was taken back from the wallet.
            back = (
                Posting.objects.filter(
                    entry__source__startswith=f"{row.source}:back:", account__kind=AccountKind.BUYER_WALLET
                ).aggregate(s=Sum("amount_fen"))["s"]
                or 0
            )
            if row.source.startswith("sm-refund:"):
                assert -back == row.recovered_fen, row.source

    @invariant()
    def books_balance(self):
        report = check_ledger()
        assert report.ok, report.breaches
        assert report.total_fen == 0
        assert (LedgerAccount.objects.aggregate(s=Sum("balance_fen"))["s"] or 0) == 0

    @invariant()
    def money_inside_is_what_came_in_minus_what_went_out(self):
        inside = LedgerAccount.objects.filter(kind__in=INSIDE).aggregate(s=Sum("balance_fen"))["s"] or 0
        assert inside == self.money_in - self.money_out
        assert balance_of(kind=AccountKind.GATEWAY_CLEARING) == -(self.money_in - self.money_out)
        paid = Payout.objects.filter(state=Payout.State.PAID).aggregate(s=Sum("amount_fen"))["s"] or 0
        assert paid == self.money_out

    @invariant()
    def each_escrow_holds_what_is_neither_settled_nor_refunded(self):
        for order in Order.objects.prefetch_related("batches"):
            batches = list(order.batches.all())
            open_part = sum(
                b.amount_fen - b.refunded_fen
                for b in batches
                if b.state not in (BatchState.SETTLED, BatchState.REFUNDED)
            )
            held = open_part if order.paid_at else 0
            assert balance_of(kind=AccountKind.ORDER_ESCROW, owner_id=order.pk) == held, order
            assert order.refunded_fen == sum(b.refunded_fen for b in batches)
            assert all(0 <= b.refunded_fen <= b.amount_fen for b in batches)
            assert sum(b.amount_fen for b in batches) == order.total_fen
            if order.state in (OrderState.PENDING_PAYMENT, OrderState.CANCELLED):
                assert not order.paid_at and all(b.state == BatchState.WAITING for b in batches)
            if order.state == OrderState.COMPLETED:
                assert all(b.state == BatchState.SETTLED for b in batches)
            if order.state == OrderState.REFUNDED:
                assert order.refunded_fen == order.total_fen or all(b.state == BatchState.REFUNDED for b in batches)

    @invariant()
    def no_card_key_is_sold_twice(self):
        assert not OrderKey.objects.values("card_key_id").annotate(n=Count("id")).filter(n__gt=1).exists()
        sold = CardKey.objects.filter(product=self.products["card"], status=CardKeyStatus.SOLD)
        assert sold.count() == OrderKey.objects.count()
        for okey in OrderKey.objects.select_related("batch__order"):
            key = CardKey.objects.get(pk=okey.card_key_id)
            assert key.sold_to_id == okey.batch.order.buyer_id and key.fingerprint == okey.fingerprint
        for order in Order.objects.filter(delivery_kind="card_key", paid_at__isnull=False):
            assert OrderKey.objects.filter(batch__order=order).count() == order.quantity

    @invariant()
    def order_states_follow_the_table(self):
        for pk, state in Order.objects.values_list("pk", "state"):
            before = self.seen_state.get(pk, OrderState.PENDING_PAYMENT)
            assert state in REACHABLE[before], f"order {pk}: {before} → {state} is not a path of the table"
            self.seen_state[pk] = state

    @invariant()
    def a_batch_is_refunded_at_most_once(self):
        refunds = JournalEntry.objects.filter(source__regex=r"^order:\d+:batch:\d+:refunded$")
        for entry in refunds:  # an order-side refund closes its batch, once
            _o, order_id, _b, seq, _r = entry.source.split(":")
            assert DeliveryBatch.objects.get(order_id=order_id, seq=seq).state == BatchState.REFUNDED, entry.source
        assert not JournalEntry.objects.values("source").annotate(n=Count("id")).filter(n__gt=1).exists()

    @invariant()
    def timelines_are_intact(self):
        assert verify_all() == []


@pytest.fixture
def world(shop, card_product, topup_product, manual_product, operator):
    publish_rules(batch_threshold_fen=BATCH_THRESHOLD_FEN)
    load_keys(card_product, 40)  # 60 in all: enough to sell, few enough to run out sometimes
    card_product.max_per_order = 7
    card_product.save(update_fields=["max_per_order"])
    for product in (topup_product, manual_product):
        product.max_per_order = 3
        product.save(update_fields=["max_per_order"])
    return {
        "buyers": [UserFactory(role="buyer", username="sm-buyer-1"), UserFactory(role="buyer", username="sm-buyer-2")],
        "merchant": shop.owner,
        "operator": operator,
        "products": {"card": card_product, "topup": topup_product, "manual": manual_product},
    }


def test_money_is_never_created_or_destroyed(world):
    MoneyMachine.world = world
    run_state_machine_as_test(
        MoneyMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            database=None,
        ),
    )


def test_a_late_second_manual_batch_is_refunded(buyer, manual_product, merchant):
    """分批到账 of a 人工发货 order: after batch 1 is delivered and confirmed, batch 2 waits on the
    merchant. If the merchant never delivers it, the sweep must refund it, as it does for batch 1
    (regression: batch 2 once had no deadline and its money stayed in escrow forever)."""
    publish_rules(batch_threshold_fen=3000)  # 2000 fen a unit: one unit per batch
    manual_product.max_per_order = 3
    manual_product.save(update_fields=["max_per_order"])
    fund(buyer, 10_000)
    order = services.place_order(
        buyer=buyer, product_id=manual_product.pk, quantity=3, buyer_fields={"role": "小鹿"}, idempotency_key="m3"
    ).order
    services.deliver_manually(merchant=merchant, order_id=order.pk, note="已发送第一批")
    services.confirm_receipt(buyer=buyer, order_id=order.pk)
    assert [b.state for b in order.batches.all()] == [BatchState.SETTLED, BatchState.DELIVERING, BatchState.WAITING]
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        services.sweep()
    order.refresh_from_db()
    assert [b.state for b in order.batches.all()] == [BatchState.SETTLED, BatchState.REFUNDED, BatchState.REFUNDED]
    assert order.state == OrderState.PARTIALLY_REFUNDED and order.refunded_fen == 4000
    assert balance_of(kind=AccountKind.ORDER_ESCROW, owner_id=order.pk) == 0
