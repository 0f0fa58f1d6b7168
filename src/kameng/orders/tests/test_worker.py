"""The default task backend keeps jobs in the database; `kameng worker`'s engine runs them."""

import pytest
from django.core.management import call_command

from kameng.orders import services
from kameng.orders.models import OrderState
from kameng.orders.tests.conftest import fund

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_direct_topup_job_waits_in_the_database_until_the_worker_runs_it(settings, buyer, topup_product, supplier):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    fund(buyer, 10_000)
    order = services.place_order(
        buyer=buyer, product_id=topup_product.pk, quantity=1, buyer_fields={"phone": "13900139001"}, idempotency_key="w"
    ).order
    order.refresh_from_db()
    assert order.state == OrderState.DELIVERING
    assert DBTaskResult.objects.filter(status="READY").count() >= 1
    assert supplier.topup_count == {}

    call_command("db_worker", batch=True, no_startup_delay=True)

    order.refresh_from_db()
    assert order.state == OrderState.DELIVERED
    assert supplier.topup_count == {"13900139001": 1}
