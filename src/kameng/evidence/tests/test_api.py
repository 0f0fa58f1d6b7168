"""/api/v1/evidence: list, multipart upload, withdraw, download — and their bad input."""

from __future__ import annotations

import pytest

from kameng.evidence.models import EvidenceItem
from kameng.evidence.tests import e1_support
from kameng.evidence.tests.e1_support import image_bytes, media_files, upload
from tests.helpers import ApiClient, assert_error

# The shared fixtures, bound here so pytest finds them for this module.
_media, card_product, case = e1_support._media, e1_support.card_product, e1_support.case

pytestmark = pytest.mark.django_db


def items_url(case) -> str:
    return f"/api/v1/evidence/cases/{case.pk}/items"


def _multipart(client: ApiClient, path, data):
    return client.client.post(path, data=data, headers=client.headers)


def test_upload_list_withdraw_and_download(buyer, merchant, case):
    client = ApiClient(buyer)
    response = _multipart(
        client,
        items_url(case),
        {"kind": "payment_proof", "caption": "付款截图", "file": upload("p.png", image_bytes())},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["uploader_role"] == "buyer" and body["content_type"] == "image/png" and len(body["sha256"]) == 64
    listed = ApiClient(merchant).get(items_url(case)).json()
    assert [i["id"] for i in listed] == [body["id"]]
    download = ApiClient(merchant).get(body["file_url"])
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")
    assert ApiClient(merchant).post(f"/api/v1/evidence/items/{body['id']}/withdraw", {"reason": ""}).status_code == 403
    done = client.post(f"/api/v1/evidence/items/{body['id']}/withdraw", {"reason": "重复"})
    assert done.status_code == 200 and done.json()["withdrawn_at"]
    assert_error(client.post(f"/api/v1/evidence/items/{body['id']}/withdraw", {}), 409, "evidence.already_withdrawn")


def test_bad_uploads_answer_with_their_codes(buyer, other_buyer, case, _media):
    client = ApiClient(buyer)
    fake = upload("a.png", b"<html><script>alert(1)</script></html>")
    assert_error(_multipart(client, items_url(case), {"kind": "other", "file": fake}), 415, "evidence.file_type")
    polyglot = upload("a.png", image_bytes() + b"PK\x03\x04zipzip")
    assert_error(_multipart(client, items_url(case), {"kind": "other", "file": polyglot}), 422, "evidence.bad_file")
    assert_error(_multipart(client, items_url(case), {"kind": "nope", "file": upload("a.txt", b"x")}), 422)
    assert_error(_multipart(client, items_url(case), {"kind": "other"}), 422)
    other = ApiClient(other_buyer)
    assert_error(_multipart(other, items_url(case), {"kind": "other", "file": upload("a.txt", b"x")}), 404, "not_found")
    assert_error(other.get(items_url(case)), 404, "not_found")
    assert_error(ApiClient().get(items_url(case)), 401)
    assert_error(client.get("/api/v1/evidence/items/999999/file"), 404, "not_found")
    assert_error(client.get("/api/v1/evidence/items/0/file"), 422)
    assert not EvidenceItem.objects.exists() and media_files(_media) == []


def test_an_event_proof_is_served_to_the_parties_only_and_verifies_with_the_published_key(
    client, buyer, other_buyer, case
):
    from kameng.evidence.merkle import verify_event_proof
    from kameng.evidence.sealing import seal_now
    from kameng.evidence.tsa import published_seal_keys

    client.force_login(buyer)
    url = f"/api/v1/evidence/proofs/case:{case.pk}/1"
    assert client.get(url).json()["error"]["code"] == "evidence.not_sealed"
    seal_now()
    proof = client.get(url).json()
    assert verify_event_proof(proof, trusted_pem=published_seal_keys()[0]) == []
    assert client.get(f"/api/v1/evidence/proofs/order:{case.order_id}/1").status_code == 200
    client.force_login(other_buyer)
    assert client.get(url).status_code == 404
    assert client.get(f"/api/v1/evidence/proofs/order:{case.order_id}/1").status_code == 404
    assert client.get("/api/v1/evidence/proofs/payment:1/1").status_code == 404
