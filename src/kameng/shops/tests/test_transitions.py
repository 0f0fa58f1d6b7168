import itertools

import pytest

from kameng.accounts.models import Role
from kameng.core.errors import DomainError
from kameng.shops import services
from kameng.shops.models import ShopStatus, ShopStatusChange
from kameng.shops.transitions import TRANSITIONS, action_for

ALL = list(itertools.product(ShopStatus.values, ShopStatus.values, Role.values))


def test_table_only_names_known_states_and_operator_or_the_rulebook():
    for (src, dst, role), action in TRANSITIONS.items():
        assert src in ShopStatus.values and dst in ShopStatus.values and src != dst
        assert action and role in (Role.OPERATOR, "system")
    # A rule never bans, and never touches a banned shop.
    assert not [k for k in TRANSITIONS if k[2] == "system" and ShopStatus.BANNED in k[:2]]


@pytest.mark.parametrize(("src", "dst", "role"), sorted(TRANSITIONS))
def test_every_allowed_transition_applies_and_is_recorded(src, dst, role, shop, operator):
    shop.status = src
    shop.save()
    if role == "system":  # an automatic penalty (4.5, 10.6); lifting needs a rule to have set it
        if services.SEVERITY[dst] < services.SEVERITY[src]:
            ShopStatusChange.objects.create(shop=shop, from_status="active", to_status=src, reason="by rule")
        services.set_status_by_rule(shop_id=shop.pk, to_status=dst, reason="rule 3.2")
        operator = None
    else:
        services.change_shop_status(operator=operator, shop_id=shop.pk, to_status=dst, reason="rule 3.2")
    shop.refresh_from_db()
    assert shop.status == dst and shop.status_reason == "rule 3.2"
    change = ShopStatusChange.objects.filter(shop=shop).first()
    assert (change.from_status, change.to_status, change.changed_by) == (src, dst, operator)


def test_a_rule_lifts_only_what_a_rule_set(shop, operator):
    services.change_shop_status(operator=operator, shop_id=shop.pk, to_status="warned", reason="operator")
    assert services.set_status_by_rule(shop_id=shop.pk, to_status="active", reason="recovered") is None
    assert services.set_status_by_rule(shop_id=shop.pk, to_status="frozen", reason="10.6").status == "frozen"
    assert services.set_status_by_rule(shop_id=shop.pk, to_status="warned", reason="recovered").status == "warned"
    # Back at the operator's warning: a rule does not lift it.
    assert services.set_status_by_rule(shop_id=shop.pk, to_status="active", reason="recovered") is None
    services.change_shop_status(operator=operator, shop_id=shop.pk, to_status="banned", reason="fraud")
    assert services.set_status_by_rule(shop_id=shop.pk, to_status="frozen", reason="10.6") is None


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        (s, d)
        for s, d in itertools.product(ShopStatus.values, ShopStatus.values)
        if (s, d, Role.OPERATOR) not in TRANSITIONS
    ],
)
def test_every_other_transition_is_refused_and_nothing_changes(src, dst, shop, operator):
    shop.status = src
    shop.save()
    with pytest.raises(DomainError) as exc:
        services.change_shop_status(operator=operator, shop_id=shop.pk, to_status=dst, reason="x")
    assert exc.value.code == "shop.transition_not_allowed"
    shop.refresh_from_db()
    assert shop.status == src
    assert not ShopStatusChange.objects.exists()


@pytest.mark.parametrize(("src", "dst", "role"), [c for c in ALL if c[2] != Role.OPERATOR])
def test_table_refuses_every_non_operator_role(src, dst, role):
    with pytest.raises(DomainError):
        action_for(from_status=src, to_status=dst, role=role)


def test_unknown_status_is_invalid():
    with pytest.raises(DomainError) as exc:
        action_for(from_status="active", to_status="closed", role=Role.OPERATOR)
    assert exc.value.code == "shop.invalid_status"
