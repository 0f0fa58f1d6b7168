"""The unit of work every order write runs in, and the few helpers all order writes share.

One business act is one transaction. Its timeline events and the stock-counter change are written
together at the end, in the documented lock order (docs/concurrency.md): each stream's head, then
the product row — the one row every sale of a product shares — held only until the commit.

``orders.services`` (placing, paying, delivering, settling), ``orders.money`` (refunds and
recoveries) and ``orders.remedies`` (replacement keys) all build on this module; none of them
imports another's private names.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import transaction

from kameng.accounts.models import User
from kameng.core.errors import DomainError
from kameng.inventory.services import decrement_stock_counter
from kameng.ledger.models import AccountKind
from kameng.ledger.services import get_or_create_account
from kameng.orders.models import DeliveryBatch, Order
from kameng.orders.signals import OrderFact, orders_recorded
from kameng.orders.transitions import next_batch_state, next_order_state
from kameng.timeline.services import NewEvent, append_events


@dataclass
class Work:
    events: dict[str, list[NewEvent]] = field(default_factory=dict)
    new_streams: set[str] = field(default_factory=set)  # subjects created in this transaction
    sold: list[tuple[int, int]] = field(default_factory=list)  # (product id, keys) for the counter
    facts: list[OrderFact] = field(default_factory=list)  # for the shop figures, sent on commit


_current: ContextVar[Work | None] = ContextVar("orders_unit_of_work", default=None)


@contextmanager
def unit_of_work():
    """Open one (or join the one already open) and yield its ``Work``."""
    if _current.get() is not None:  # already inside one: join it
        yield _current.get()
        return
    work = Work()
    token = _current.set(work)
    try:
        with transaction.atomic():
            yield work
            for stream in sorted(work.events):
                append_events(stream=stream, events=work.events[stream], new_stream=stream in work.new_streams)
            for product_id, quantity in work.sold:
                decrement_stock_counter(product_id=product_id, quantity=quantity)
            if work.facts:
                facts = list(work.facts)
                transaction.on_commit(lambda: orders_recorded.send(sender=Order, facts=facts), robust=True)
    finally:
        _current.reset(token)


def current_work() -> Work:
    work = _current.get()
    if work is None:
        raise RuntimeError("order writes run inside orders.uow.unit_of_work()")
    return work


def record_fact(kind: str, order: Order, *, at, quantity: int, amount_fen: int = 0) -> None:
    current_work().facts.append(OrderFact(kind, order.pk, order.shop_id, order.product_id, at, quantity, amount_fen))


def record_event(order: Order, kind: str, payload: dict, actor: User | None = None, actor_role: str | None = None):
    current_work().events.setdefault(order.stream, []).append(NewEvent(kind, payload, actor, actor_role))


def set_order_state(order: Order, action: str, **fields) -> None:
    order.state = next_order_state(order.state, action)
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=["state", *fields])


def set_batch_state(batch: DeliveryBatch, action: str, *, save: bool = True, **fields) -> None:
    batch.state = next_batch_state(batch.state, action)
    for name, value in fields.items():
        setattr(batch, name, value)
    if save:
        batch.save(update_fields=["state", *fields])


def locked_order(order_id: int) -> Order:
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise DomainError("not_found")
    return order


def wallet_account(user_id: int):
    return get_or_create_account(kind=AccountKind.BUYER_WALLET, owner_id=user_id)


def escrow_account(order_id: int):
    return get_or_create_account(kind=AccountKind.ORDER_ESCROW, owner_id=order_id)


def available_account(shop_id: int):
    return get_or_create_account(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=shop_id)


def deposit_account(shop_id: int):
    return get_or_create_account(kind=AccountKind.MERCHANT_DEPOSIT, owner_id=shop_id)


def fund_account():
    return get_or_create_account(kind=AccountKind.GUARANTEE_FUND)


def commission_account():
    return get_or_create_account(kind=AccountKind.PLATFORM_COMMISSION)
