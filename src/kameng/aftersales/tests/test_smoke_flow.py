import pytest

from kameng.aftersales import services
from kameng.aftersales.models import CaseState
from kameng.ledger.selectors import balance_of
from kameng.orders.models import OrderKey
from kameng.timeline.selectors import verify_stream

pytestmark = pytest.mark.django_db


def test_invalid_key_replaced_by_merchant(buyer, merchant, card_order):
    okey = OrderKey.objects.get(batch__order=card_order)
    # Reveal first so the case is not a fast refund.
    from kameng.orders.services import reveal_key

    reveal_key(buyer=buyer, order_id=card_order.pk, order_key_id=okey.pk, ip="1.2.3.4", user_agent="t")
    case = services.open_case(
        buyer=buyer, order_id=card_order.pk, subtype="invalid_key", demand="replace", description="不能用"
    )
    assert case.state == CaseState.MERCHANT
    case = services.accept_case(merchant=merchant, case_id=case.pk)
    assert case.state == CaseState.RESOLVED
    assert OrderKey.objects.filter(batch__order=card_order).count() == 2
    assert verify_stream(case.stream) == []
    assert verify_stream(card_order.stream) == []
    assert balance_of(kind="order_escrow", owner_id=card_order.pk) == 1000
