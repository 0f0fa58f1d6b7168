import pytest

from kameng.catalog.models import Product
from kameng.core.errors import DomainError
from kameng.inventory.models import CardKey, CardKeyStatus
from kameng.inventory.services import import_card_keys
from kameng.inventory.transitions import ACTIONS, CLEARING, TRANSITIONS, apply_transition

EDGES = sorted((str(state), action) for state, action in TRANSITIONS)
NON_EDGES = sorted(
    (str(state), action) for state in CardKeyStatus.values for action in ACTIONS if (state, action) not in TRANSITIONS
)


@pytest.fixture
def key(merchant, product, buyer):
    batch = import_card_keys(user=merchant, product_id=product.pk, text="EDGE1")
    return CardKey.objects.get(batch=batch)


def _put_in(key, state, buyer):
    extra = {"sold_to": buyer} if state in ("sold", "reported_invalid") else {}
    CardKey.objects.filter(pk=key.pk).update(status=state, **extra)


@pytest.mark.parametrize("state,action", EDGES)
def test_every_edge_of_the_table(key, buyer, state, action):
    _put_in(key, state, buyer)
    edge = apply_transition(
        key_ids=[key.pk], from_status=state, action=action, **({"sold_to": buyer} if action == "sell" else {})
    )
    key.refresh_from_db()
    assert key.status == edge.to == TRANSITIONS[(CardKeyStatus(state), action)].to
    if action in CLEARING:
        assert getattr(key, edge.stamp) is None
    else:
        assert getattr(key, edge.stamp) is not None


@pytest.mark.parametrize("state,action", NON_EDGES)
def test_every_missing_edge_is_refused(key, buyer, state, action):
    _put_in(key, state, buyer)
    with pytest.raises(DomainError) as exc:
        apply_transition(key_ids=[key.pk], from_status=state, action=action)
    assert exc.value.code == "conflict"
    assert CardKey.objects.get(pk=key.pk).status == state


def test_guarded_update_refuses_a_key_that_changed_underneath(key, buyer):
    CardKey.objects.filter(pk=key.pk).update(status="revoked")
    with pytest.raises(DomainError) as exc:
        apply_transition(key_ids=[key.pk], from_status="available", action="sell", sold_to=buyer)
    assert exc.value.code == "conflict"


def test_stock_deltas_keep_counter_equal_to_available():
    for (state, _action), edge in TRANSITIONS.items():
        expected = (edge.to == CardKeyStatus.AVAILABLE) - (state == CardKeyStatus.AVAILABLE)
        assert edge.stock_delta == expected, (state, edge)


def test_product_fixture_unchanged(product):
    assert Product.objects.get(pk=product.pk).stock_available == 0
