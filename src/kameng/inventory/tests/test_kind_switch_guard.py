"""An import racing a switch of the product's delivery kind must not leave keys on a non-card-key
product: the stock update is guarded by the kind, and a mismatch rolls the whole import back."""

import pytest

from kameng.catalog.models import DeliveryKind, Product
from kameng.catalog.services import adjust_stock
from kameng.core.errors import DomainError
from kameng.inventory import services
from kameng.inventory.models import CardKey, ImportBatch

pytestmark = pytest.mark.django_db


def test_guarded_stock_update_refuses_a_product_that_is_no_longer_card_key(product):
    Product.objects.filter(pk=product.pk).update(delivery_kind=DeliveryKind.MANUAL)
    with pytest.raises(DomainError) as exc:
        adjust_stock(product_id=product.pk, delta=3, only_if_card_key=True)
    assert exc.value.code == "conflict"
    product.refresh_from_db()
    assert product.stock_available == 0


def test_import_rolls_back_when_the_kind_changes_mid_import(product, merchant, monkeypatch):
    real = services.product_of_merchant

    def stale_read(**kwargs):
        # The import read the product as card-key; the merchant then switched it to manual.
        loaded = real(**kwargs)
        Product.objects.filter(pk=loaded.pk).update(delivery_kind=DeliveryKind.MANUAL)
        return loaded

    monkeypatch.setattr(services, "product_of_merchant", stale_read)
    with pytest.raises(DomainError) as exc:
        services.import_card_keys(user=merchant, product_id=product.pk, text="AAAA1111\nBBBB2222")
    assert exc.value.code == "conflict"
    assert not CardKey.objects.exists()
    assert not ImportBatch.objects.exists()
