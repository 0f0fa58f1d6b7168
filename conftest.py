"""Fixtures shared by every test: users of each role, a merchant with a shop, API clients."""

from __future__ import annotations

import pytest
from django.db import connection

from kameng.accounts.models import Role
from tests.factories import PASSWORD, ProductFactory, ShopFactory, UserFactory
from tests.helpers import ApiClient

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _tasks_run_in_process(settings):
    """Queued jobs run in-process right after commit in tests (a test may switch to the database
    backend and run the real worker)."""
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture(autouse=True)
def _sandbox_gateway(settings):
    """Tests opt in to the sandbox payment gateway, as the demo does; a real install has none
    unless configured (a test that needs that switches it off again)."""
    settings.KAMENG_PAYMENT_GATEWAYS = ["sandbox"]


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    """Text messages are kept in ``kameng.accounts.sms.outbox``, as Django keeps mail in
    ``mail.outbox``."""
    from kameng.accounts import sms

    settings.KAMENG_SMS_BACKEND = "locmem"
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _postgres_marker(request):
    """Tests marked `postgres` race real threads against PostgreSQL; on SQLite they are skipped
    (CI runs the suite on both)."""
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("real concurrency is tested on PostgreSQL")


@pytest.fixture
def buyer(db):
    return UserFactory(role=Role.BUYER, username="buyer")


@pytest.fixture
def other_buyer(db):
    return UserFactory(role=Role.BUYER, username="buyer2")


@pytest.fixture
def agent(db):
    return UserFactory(role=Role.AGENT, username="agent")


@pytest.fixture
def operator(db):
    return UserFactory(role=Role.OPERATOR, username="operator")


@pytest.fixture
def shop(db):
    return ShopFactory()


@pytest.fixture
def merchant(shop):
    return shop.owner


@pytest.fixture
def other_shop(db):
    return ShopFactory()


@pytest.fixture
def product(shop):
    return ProductFactory(shop=shop)


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def api_client():
    """api_client(user) → an ApiClient authenticated as user; api_client() → anonymous."""
    return ApiClient


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"
