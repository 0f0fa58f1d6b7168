import threading

import pytest
from django.db import connections

from kameng.core.errors import DomainError
from kameng.shops import services
from kameng.shops.models import Shop
from tests.factories import MerchantFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_create_shop_calls_make_exactly_one_shop():
    merchant = MerchantFactory()
    barrier = threading.Barrier(2)
    results: list[str] = []

    def attempt(name: str) -> None:
        try:
            barrier.wait()
            services.create_shop(merchant=merchant, name=name)
            results.append("created")
        except DomainError as exc:
            results.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(f"并发店铺{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["created", "shop.already_exists"]
    assert Shop.objects.filter(owner=merchant).count() == 1
