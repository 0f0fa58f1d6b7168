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
