"""L2: malformed input is the client's mistake: a 4xx in the error shape, never a 500. Huge ids in
paths, queries and bodies, multipart without a boundary, very long file names."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.helpers import assert_error

pytestmark = pytest.mark.django_db
HUGE = 2**70


def _is_4xx_in_shape(response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert "code" in response.json()["error"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/catalog/products/-53443411467939463168",
        f"/api/v1/catalog/products/{10**19}",
        f"/api/v1/catalog/products?page={10**19}",
        f"/api/v1/orders/{10**19}",
        f"/api/v1/cases/{10**19}",
    ],
)
def test_huge_ids_in_paths_and_queries_are_refused(api_client, buyer, path):
    _is_4xx_in_shape(api_client(buyer).get(path))


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/orders", {"product_id": HUGE, "quantity": 1, "idempotency_key": "x"}),
        ("/api/v1/payments/topups", {"amount_fen": 100, "order_id": HUGE}),
        ("/api/v1/payments/topups", {"amount_fen": HUGE}),
    ],
)
def test_huge_ids_in_bodies_are_refused(api_client, buyer, path, body):
    _is_4xx_in_shape(api_client(buyer).post(path, body))


def test_a_huge_key_id_to_revoke_is_refused(api_client, merchant):
    _is_4xx_in_shape(api_client(merchant).post("/api/v1/inventory/keys/revoke", {"key_ids": [HUGE]}))


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary="])
def test_multipart_without_a_boundary_is_a_400(api_client, merchant, content_type):
    r = api_client(merchant).post("/api/v1/inventory/imports/upload", b"--x\r\n", content_type=content_type)
    assert_error(r, 400, "bad_request")


def test_a_2000_character_file_name_is_no_500(api_client, merchant, product):
    client = api_client(merchant)
    upload = SimpleUploadedFile("a" * 2000 + ".txt", b"ABCD12345678\n", content_type="text/plain")
    r = client.client.post(
        "/api/v1/inventory/imports/upload", {"product_id": product.pk, "file": upload}, headers=client.headers
    )
    assert r.status_code < 500, r.content[:300]
    if r.status_code == 201:
        assert len(r.json()["filename"]) <= 255


def test_a_nul_anywhere_in_a_request_is_refused_before_any_view(api_client, buyer, product, client):
    """Seen in review: a NUL in a review's text, a shop name or a slug reached the database and
    came back as a 500 (PostgreSQL cannot store NUL; the timeline refused it as a bug). Now the
    request is refused, naming the field, and nothing runs; uploaded files are not inspected."""
    from kameng.orders.models import Order

    api = api_client(buyer)
    before = Order.objects.count()
    body = {"product_id": product.pk, "quantity": 1, "idempotency_key": "nul\x00key"}
    assert_error(api.post("/api/v1/orders", body), 422, "invalid_input")
    nested = {"product_id": product.pk, "quantity": 1, "idempotency_key": "k", "buyer_fields": {"qq": ["1\x00"]}}
    r = api.post("/api/v1/orders", nested)
    assert r.status_code == 422 and r.json()["error"]["fields"] == {"qq": "contains a NUL character"}
    assert Order.objects.count() == before
    assert_error(api.get("/api/v1/catalog/products", {"q": "卡\x00"}), 422, "invalid_input")
    assert_error(api.get("/api/v1/shops/%00"), 422, "invalid_input")
    page = client.post("/accounts/login/", {"username": "a\x00", "password": "x"})
    assert page.status_code == 422 and "<html" in page.content.decode()
    # A literal backslash-u0000 in a JSON string is six characters, not a NUL: it passes through.
    r = api.post("/api/v1/orders", {**body, "idempotency_key": "\\u0000"})
    assert "contains a NUL character" not in r.content.decode()


def test_names_refuse_invisible_characters_and_texts_control_characters(shop):
    from kameng.accounts.services import create_user
    from kameng.core.errors import DomainError
    from kameng.shops.services import update_shop

    for name in ("ad\u202emin", "zero\u200bwidth", "bell\x07"):
        with pytest.raises(DomainError) as err:
            create_user(username=name, password="Kameng-2026-ok", role="buyer")
        assert err.value.fields == {"username": "no control or invisible characters"}
    with pytest.raises(DomainError) as err:
        update_shop(merchant=shop.owner, name="星辰\u202e数卡", description="ok")
    assert "name" in err.value.fields
    with pytest.raises(DomainError):
        update_shop(merchant=shop.owner, name=shop.name, description="bell\x07")
    assert (
        update_shop(merchant=shop.owner, name=shop.name, description="两行\n描述\t可以").description
        == "两行\n描述\t可以"
    )
