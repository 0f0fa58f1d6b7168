import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kameng.catalog.models import Product
from kameng.inventory import crypto
from kameng.inventory.models import CardKey, ImportBatch
from kameng.inventory.services import allocate_card_keys, import_card_keys
from tests.helpers import assert_error

BASE = "/api/v1/inventory"


def stock(product):
    return Product.objects.get(pk=product.pk).stock_available


def nothing_written(product=None):
    assert ImportBatch.objects.count() == 0
    assert CardKey.objects.count() == 0
    if product is not None:
        assert stock(product) == 0


# --- import by JSON -----------------------------------------------------------------------------


def test_import_text(api_client, merchant, product):
    r = api_client(merchant).post(f"{BASE}/imports", {"product_id": product.pk, "text": "A1\nA1\nB 2\nC3,pw"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["accepted_count"] == 2 and body["duplicate_in_file_count"] == 1 and body["malformed_count"] == 1
    assert body["report"]["duplicates_in_file"] == [{"line": 2, "first_line": 1}]
    assert body["report"]["malformed"] == [{"line": 3, "reason": "inner_whitespace"}]
    assert "A1" not in r.content.decode()
    assert stock(product) == 2


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"product_id": 1},
        {"text": "A1"},
        {"product_id": "abc", "text": "A1"},
        {"product_id": 0, "text": "A1"},
        {"product_id": -3, "text": "A1"},
        {"product_id": None, "text": "A1"},
        {"product_id": 1, "text": ""},
        {"product_id": 1, "text": 12345},
        {"product_id": 1, "text": ["A1"]},
        {"product_id": 1.5, "text": "A1"},
    ],
)
def test_import_text_bad_input(api_client, merchant, product, payload):
    if payload.get("product_id") == 1:
        payload = {**payload, "product_id": product.pk}
    assert_error(api_client(merchant).post(f"{BASE}/imports", payload), 422, "invalid_input")
    nothing_written(product)


def test_import_text_not_json(api_client, merchant, product):
    r = api_client(merchant).post(f"{BASE}/imports", "{not json", content_type="application/json")
    assert r.status_code in (400, 422)
    assert_error(r, r.status_code)
    nothing_written(product)


def test_import_text_too_large(settings, api_client, merchant, product):
    settings.KAMENG_IMPORT_MAX_BYTES = 100
    r = api_client(merchant).post(f"{BASE}/imports", {"product_id": product.pk, "text": "A" * 101})
    assert_error(r, 413, "inventory.import_too_large")
    nothing_written(product)


def test_request_body_over_upload_limit(settings, api_client, merchant, product):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    r = api_client(merchant).post(f"{BASE}/imports", {"product_id": product.pk, "text": "A" * 5000})
    assert_error(r, 413)
    nothing_written(product)


def test_import_too_many_lines(settings, api_client, merchant, product):
    settings.KAMENG_IMPORT_MAX_LINES = 2
    r = api_client(merchant).post(f"{BASE}/imports", {"product_id": product.pk, "text": "A\nB\nC"})
    assert_error(r, 413, "inventory.import_too_many_lines")
    nothing_written(product)


def test_import_empty(api_client, merchant, product):
    r = api_client(merchant).post(f"{BASE}/imports", {"product_id": product.pk, "text": "\n \n"})
    assert_error(r, 422, "inventory.import_empty")
    nothing_written(product)


def test_import_into_other_merchants_product_is_404(api_client, merchant, other_product):
    r = api_client(merchant).post(f"{BASE}/imports", {"product_id": other_product.pk, "text": "A1"})
    assert_error(r, 404, "not_found")
    nothing_written(other_product)


def test_import_into_missing_product_is_404(api_client, merchant):
    assert_error(api_client(merchant).post(f"{BASE}/imports", {"product_id": 999999, "text": "A1"}), 404, "not_found")


def test_import_non_card_key_product(api_client, merchant, topup_product):
    r = api_client(merchant).post(f"{BASE}/imports", {"product_id": topup_product.pk, "text": "A1"})
    assert_error(r, 422, "inventory.not_card_key_product")
    nothing_written(topup_product)


@pytest.mark.parametrize("who", ["buyer", "agent", "operator"])
def test_import_wrong_role_is_403(request, api_client, product, who):
    user = request.getfixturevalue(who)
    r = api_client(user).post(f"{BASE}/imports", {"product_id": product.pk, "text": "A1"})
    assert_error(r, 403, "auth.role_required")
    nothing_written(product)


def test_import_anonymous_is_401(api_client, product):
    assert_error(api_client().post(f"{BASE}/imports", {"product_id": product.pk, "text": "A1"}), 401)
    nothing_written(product)


# --- import by upload ---------------------------------------------------------------------------


def upload(client, product_id, content: bytes, name="keys.csv"):
    data = {"file": SimpleUploadedFile(name, content, content_type="text/csv")}
    if product_id is not None:
        data["product_id"] = str(product_id)
    return client.client.post(f"{BASE}/imports/upload", data=data, headers=client.headers)


def test_upload_gb18030_csv(api_client, merchant, product):
    content = "卡号,密码\r\n０００１２３,甲\r\n000123,乙\r\n".encode("gb18030")
    r = upload(api_client(merchant), product.pk, content)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["accepted_count"] == 1 and body["duplicate_in_file_count"] == 1
    assert body["source"] == "file" and body["filename"] == "keys.csv"
    assert body["report"]["header_skipped"] is True


def test_upload_too_large(settings, api_client, merchant, product):
    settings.KAMENG_IMPORT_MAX_BYTES = 50
    assert_error(upload(api_client(merchant), product.pk, b"A\n" * 40), 413, "inventory.import_too_large")
    nothing_written(product)


def test_upload_bad_encoding(api_client, merchant, product):
    r = upload(api_client(merchant), product.pk, "A1\n".encode("utf-16"))
    assert_error(r, 422, "inventory.import_bad_encoding")
    nothing_written(product)


def test_upload_missing_file(api_client, merchant, product):
    client = api_client(merchant)
    r = client.client.post(f"{BASE}/imports/upload", data={"product_id": str(product.pk)}, headers=client.headers)
    assert_error(r, 422, "invalid_input")
    nothing_written(product)


@pytest.mark.parametrize("product_id", [None, "abc", "0", "-1"])
def test_upload_bad_product_id(api_client, merchant, product, product_id):
    assert_error(upload(api_client(merchant), product_id, b"A1"), 422, "invalid_input")
    nothing_written(product)


def test_upload_into_other_merchants_product(api_client, merchant, other_product):
    assert_error(upload(api_client(merchant), other_product.pk, b"A1"), 404, "not_found")
    nothing_written(other_product)


def test_upload_by_buyer(api_client, buyer, product):
    assert_error(upload(api_client(buyer), product.pk, b"A1"), 403)
    nothing_written(product)


# --- batches ------------------------------------------------------------------------------------


def test_list_and_get_batches(api_client, merchant, product, other_merchant, other_product):
    mine = import_card_keys(user=merchant, product_id=product.pk, text="A1\nA2")
    theirs = import_card_keys(user=other_merchant, product_id=other_product.pk, text="B1")
    client = api_client(merchant)
    r = client.get(f"{BASE}/imports")
    assert r.status_code == 200
    assert [b["id"] for b in r.json()["items"]] == [mine.pk] and r.json()["count"] == 1
    r = client.get(f"{BASE}/imports/{mine.pk}")
    assert r.status_code == 200 and r.json()["report"]["accepted"] == 2
    assert_error(client.get(f"{BASE}/imports/{theirs.pk}"), 404, "not_found")
    assert_error(client.get(f"{BASE}/imports/abc"), 422)
    assert_error(client.get(f"{BASE}/imports?product_id=abc"), 422)
    assert_error(api_client().get(f"{BASE}/imports"), 401)


def test_batches_forbidden_to_buyers(api_client, buyer):
    assert_error(api_client(buyer).get(f"{BASE}/imports"), 403)


# --- keys ---------------------------------------------------------------------------------------


def test_list_keys_filters_and_paginates_without_secrets(
    api_client, merchant, product, buyer, other_merchant, other_product
):
    import_card_keys(user=merchant, product_id=product.pk, text="\n".join(f"K{i}" for i in range(60)))
    import_card_keys(user=other_merchant, product_id=other_product.pk, text="OTHER1")
    allocate_card_keys(product_id=product.pk, quantity=5, buyer=buyer)
    client = api_client(merchant)
    r = client.get(f"{BASE}/keys")
    body = r.json()
    assert r.status_code == 200 and body["count"] == 60 and len(body["items"]) == 50
    assert len(client.get(f"{BASE}/keys?page=2").json()["items"]) == 10
    assert client.get(f"{BASE}/keys?status=sold").json()["count"] == 5
    assert client.get(f"{BASE}/keys?product_id={other_product.pk}").json()["count"] == 0
    item = body["items"][0]
    assert "ciphertext" not in item and "fingerprint" not in item and len(item["fingerprint_prefix"]) == 12
    assert client.get(f"{BASE}/keys/counts").json() == {
        "available": 55,
        "reserved": 0,
        "sold": 5,
        "revoked": 0,
        "reported_invalid": 0,
    }
    assert_error(client.get(f"{BASE}/keys?status=bogus"), 422, "invalid_input")
    assert_error(client.get(f"{BASE}/keys?page=0"), 422, "invalid_input")
    assert_error(client.get(f"{BASE}/keys?product_id=x"), 422, "invalid_input")
    assert_error(api_client(buyer).get(f"{BASE}/keys"), 403)


# --- revoke -------------------------------------------------------------------------------------


def test_revoke(api_client, merchant, product):
    batch = import_card_keys(user=merchant, product_id=product.pk, text="A1\nA2")
    ids = list(CardKey.objects.filter(batch=batch).values_list("pk", flat=True))
    r = api_client(merchant).post(f"{BASE}/keys/revoke", {"key_ids": ids})
    assert r.status_code == 200 and r.json() == {"revoked": 2}
    assert stock(product) == 0


@pytest.mark.parametrize(
    "payload", [{}, {"key_ids": []}, {"key_ids": "1"}, {"key_ids": ["a"]}, {"key_ids": list(range(1, 1002))}]
)
def test_revoke_bad_input(api_client, merchant, product, payload):
    import_card_keys(user=merchant, product_id=product.pk, text="A1")
    assert_error(api_client(merchant).post(f"{BASE}/keys/revoke", payload), 422, "invalid_input")
    assert stock(product) == 1


def test_revoke_other_merchants_keys_is_404(api_client, merchant, other_merchant, other_product):
    batch = import_card_keys(user=other_merchant, product_id=other_product.pk, text="A1")
    ids = list(CardKey.objects.filter(batch=batch).values_list("pk", flat=True))
    assert_error(api_client(merchant).post(f"{BASE}/keys/revoke", {"key_ids": ids}), 404, "not_found")
    assert stock(other_product) == 1


def test_revoke_sold_key_is_409(api_client, merchant, product, buyer):
    import_card_keys(user=merchant, product_id=product.pk, text="A1")
    (key,) = allocate_card_keys(product_id=product.pk, quantity=1, buyer=buyer)
    r = api_client(merchant).post(f"{BASE}/keys/revoke", {"key_ids": [key.pk]})
    assert_error(r, 409, "inventory.key_not_revocable")


# --- operator lookup ----------------------------------------------------------------------------


def test_operator_lookup(api_client, operator, merchant, product):
    import_card_keys(user=merchant, product_id=product.pk, text="LOOK123,pw")
    r = api_client(operator).post(f"{BASE}/lookup", {"code": " ｌｏｏｋ１２３ "})
    body = r.json()
    assert r.status_code == 200 and body["found"] is True
    assert body["fingerprint"] == crypto.fingerprint("LOOK123")
    assert body["shop_id"] == product.shop_id and body["product_id"] == product.pk and body["status"] == "available"
    assert "LOOK123" not in json.dumps(body)
    miss = api_client(operator).post(f"{BASE}/lookup", {"code": "NOPE"}).json()
    assert miss["found"] is False and miss["shop_id"] is None


@pytest.mark.parametrize("who", ["merchant", "buyer", "agent"])
def test_lookup_only_for_operators(request, api_client, who):
    user = request.getfixturevalue(who)
    assert_error(api_client(user).post(f"{BASE}/lookup", {"code": "X"}), 403)


@pytest.mark.parametrize("payload", [{}, {"code": ""}, {"code": "   "}, {"code": 5}, {"code": "x" * 257}])
def test_lookup_bad_input(api_client, operator, payload):
    assert_error(api_client(operator).post(f"{BASE}/lookup", payload), 422, "invalid_input")
