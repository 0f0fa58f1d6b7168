"""Every API operation, fuzzed from the OpenAPI schema (Schemathesis) as each role: whatever the
input, no answer is a 5xx and every 4xx is in the error shape ``{"error": {code, message, fields}}``.

Runs in CI's PostgreSQL run (the real production database), with a bounded number of examples per
operation: ``KAMENG_FUZZ_EXAMPLES`` (default 4) cases, each sent as every role. The figures of a
run are printed at the end (operations, requests, statuses)."""

from __future__ import annotations

import collections
import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from kameng.accounts.models import Role
from kameng.accounts.services import issue_api_token
from kameng.api import api
from kameng.orders.tests.conftest import fund, load_keys
from kameng.wsgi import application
from tests.factories import ProductFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("KAMENG_FUZZ_EXAMPLES", "4"))

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = application

# What the run saw, printed by the last fixture teardown: {(method path): Counter(status)}.
SEEN: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)


@pytest.fixture
def _keep_the_test_connection():
    """The WSGI handler closes the database connection after each request, as in production; the
    test's transaction lives on that connection, so (like Django's test client) keep it open."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(db, settings, _keep_the_test_connection):
    """A small world (a shop with stock, a buyer with an order) and a token per role."""
    settings.ALLOWED_HOSTS = ["*"]
    shop = ShopFactory()
    product = ProductFactory(shop=shop, price_fen=1000, face_value_fen=1000)
    load_keys(product, 5)
    buyer = UserFactory(role=Role.BUYER, username="fuzz-buyer")
    fund(buyer, 5000)
    from kameng.orders import services as orders

    orders.place_order(buyer=buyer, product_id=product.pk, quantity=1, buyer_fields=None, idempotency_key="fuzz-1")
    users = {
        "buyer": buyer,
        "merchant": shop.owner,
        "agent": UserFactory(role=Role.AGENT, username="fuzz-agent"),
        "operator": UserFactory(role=Role.OPERATOR, username="fuzz-operator"),
    }
    found = {role: {"Authorization": f"Bearer {issue_api_token(user=user)[1]}"} for role, user in users.items()}
    found["anonymous"] = {}
    return found


def _check(label: str, role: str, response) -> None:
    SEEN[label][response.status_code] += 1
    where = f"{label} as {role} → {response.status_code}: {response.text[:300]}"
    assert response.status_code < 500, where
    if 400 <= response.status_code < 500:
        try:
            body = json.loads(response.text)
        except ValueError as exc:
            raise AssertionError(f"not JSON: {where}") from exc
        error = body.get("error") if isinstance(body, dict) else None
        assert isinstance(error, dict), where
        assert isinstance(error.get("code"), str) and error["code"], where
        assert isinstance(error.get("message"), str) and error["message"], where
        assert isinstance(error.get("fields"), dict), where


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,  # the same cases every run: a failure is reproducible from the log
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_5xx_or_an_error_out_of_shape(case, tokens):
    label = f"{case.operation.method.upper()} {case.operation.path}"
    for role, headers in tokens.items():
        _check(label, role, case.call(headers=headers))


def test_print_the_fuzzing_figures():
    """Last in this module: the figures the issue note quotes (skipped when nothing was fuzzed)."""
    if not SEEN:
        pytest.skip("the fuzz test did not run here")
    statuses = collections.Counter()
    for counts in SEEN.values():
        statuses.update(counts)
    print(
        f"\nAPI fuzz: {len(SEEN)} operations, {sum(statuses.values())} requests, "
        f"statuses {dict(sorted(statuses.items()))}"
    )
