"""`kameng demo --no-serve` seeds a realistic marketplace through the services, once."""

import pytest
from django.core.management import call_command

from kameng.accounts.models import Role, User
from kameng.catalog.models import DeliveryKind, Product
from kameng.inventory.models import CardKey
from kameng.shops.models import Shop, ShopStatus

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_seeds_three_kinds_of_shop_and_all_delivery_kinds(capsys):
    call_command("demo", no_serve=True)
    out = capsys.readouterr().out
    for username in ("operator", "agent", "xingchen", "xiaolu", "sufa", "buyer"):
        assert username in out
    assert "kameng-demo-2026" in out

    assert {u.role for u in User.objects.all()} == set(Role.values)
    shops = {s.owner.username: s for s in Shop.objects.select_related("owner")}
    assert shops["xingchen"].certified and shops["xingchen"].status == ShopStatus.ACTIVE
    assert not shops["xiaolu"].certified
    assert shops["sufa"].status == ShopStatus.WARNED
    assert shops["xingchen"].created_at < shops["xiaolu"].created_at

    products = Product.objects.all()
    assert {p.delivery_kind for p in products} == set(DeliveryKind.values)
    assert all(p.published for p in products)
    for product in products.filter(delivery_kind=DeliveryKind.CARD_KEY):
        available = CardKey.objects.filter(product=product, status="available").count()
        assert available > 0
        assert product.stock_available == available
    assert all(p.required_fields for p in products.filter(delivery_kind=DeliveryKind.DIRECT_TOPUP))

    from kameng.onboarding.models import ShopApplication
    from kameng.reputation.models import Review

    assert Review.objects.filter(buyer__username="buyer").count() == 1
    assert ShopApplication.objects.get().state == ShopApplication.State.SUBMITTED

    # 星辰数卡's back-dated history earns its badges by rule 10.5, and the counters agree with the
    # records; the other two shops earn neither.
    from kameng.reputation import metrics

    assert metrics.check() == []
    for shop in Shop.objects.all():
        shop.refresh_from_db()
    xingchen, xiaolu, sufa = (Shop.objects.get(owner__username=u) for u in ("xingchen", "xiaolu", "sufa"))
    assert xingchen.is_gold and xingchen.shows_certified and xingchen.trust_score >= 480
    assert not (xiaolu.is_gold or xiaolu.shows_certified or sufa.is_gold or sufa.shows_certified)

    # Running it again changes nothing.
    counts = (User.objects.count(), Product.objects.count(), CardKey.objects.count())
    call_command("demo", no_serve=True)
    assert (User.objects.count(), Product.objects.count(), CardKey.objects.count()) == counts
    assert "already present" in capsys.readouterr().out


def test_demo_logins_work(client):
    call_command("demo", no_serve=True)
    response = client.post("/accounts/login/", {"username": "xingchen", "password": "kameng-demo-2026"})
    assert response.status_code == 302


def test_demo_says_where_the_supplier_simulator_runs(capsys):
    call_command("demo", no_serve=True, supplier_port=8774)
    assert "supplier simulator: http://127.0.0.1:8774" in capsys.readouterr().out
