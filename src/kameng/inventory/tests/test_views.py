import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kameng.catalog.models import Product
from kameng.inventory.models import CardKey, CardKeyStatus, ImportBatch
from kameng.inventory.services import allocate_card_keys, import_card_keys

URL = "/console/inventory/"


@pytest.fixture
def web(merchant):
    client = Client()
    client.force_login(merchant)
    return client


def count(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>([^<]*)<', html)
    assert match, testid
    return match.group(1)


def test_url_name():
    assert reverse("inventory:console") == URL


def test_console_has_the_browser_test_hooks(web, product):
    html = web.get(URL).content.decode()
    assert '<select name="product"' in html and '<textarea name="text"' in html
    assert 'type="file" name="file"' in html and 'data-testid="import-submit"' in html
    assert f'value="{product.pk}"' in html


def test_plain_post_renders_report(web, product):
    r = web.post(URL, {"product": product.pk, "text": "A1\nA1\nB 2\nC3"})
    html = r.content.decode()
    assert r.status_code == 200
    assert 'data-testid="import-report"' in html
    assert count(html, "accepted-count") == "2"
    assert count(html, "duplicate-in-file-count") == "1"
    assert count(html, "duplicate-on-platform-count") == "0"
    assert count(html, "malformed-count") == "1"
    assert "A1" not in html.split('data-testid="import-report"')[1]
    assert Product.objects.get(pk=product.pk).stock_available == 2


def test_htmx_post_returns_only_the_fragment(web, product):
    r = web.post(URL, {"product": product.pk, "text": "A1"}, headers={"HX-Request": "true"})
    html = r.content.decode()
    assert r.status_code == 200 and "<html" not in html
    assert count(html, "accepted-count") == "1"
    assert 'id="inventory-counts" hx-swap-oob="true"' in html  # the counters refresh too


def test_file_upload(web, product):
    f = SimpleUploadedFile("k.txt", "０１,甲\r\n02\r\n".encode("gb18030"))
    r = web.post(URL, {"product": product.pk, "text": "", "file": f})
    assert count(r.content.decode(), "accepted-count") == "2"
    assert ImportBatch.objects.get().filename == "k.txt"


def test_errors_render_on_the_page_and_write_nothing(web, product, other_product):
    r = web.post(URL, {"product": product.pk, "text": ""})
    assert r.status_code == 422 and 'data-code="inventory.import_empty"' in r.content.decode()
    r = web.post(URL, {"product": "abc", "text": "A1"})
    assert r.status_code == 422
    r = web.post(URL, {"product": "", "text": "A1"})
    assert r.status_code == 422
    r = web.post(URL, {"product": other_product.pk, "text": "A1"})
    assert r.status_code == 404
    assert ImportBatch.objects.count() == 0


def test_console_is_merchant_only(buyer, operator):
    for user in (buyer, operator):
        client = Client()
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.get(reverse("inventory:keys")).status_code == 403
    assert Client().get(URL).status_code == 302  # to login


def test_key_list_and_revoke(web, merchant, product, buyer):
    batch = import_card_keys(user=merchant, product_id=product.pk, text="A1\nA2\nA3")
    allocate_card_keys(product_id=product.pk, quantity=1, buyer=buyer)
    html = web.get(reverse("inventory:keys")).content.decode()
    assert html.count('name="key_ids"') == 2  # only available keys are selectable
    ids = list(CardKey.objects.filter(batch=batch, status="available").values_list("pk", flat=True))
    r = web.post(reverse("inventory:revoke"), {"key_ids": ids[:1]})
    assert r.status_code == 302
    assert CardKey.objects.filter(status=CardKeyStatus.REVOKED).count() == 1
    assert Product.objects.get(pk=product.pk).stock_available == 1
    assert web.get(reverse("inventory:keys") + "?status=revoked&product=" + str(product.pk)).status_code == 200
    assert web.post(reverse("inventory:revoke"), {"key_ids": ["x"]}).status_code == 422


def test_batch_history_and_detail(web, merchant, product, other_merchant, other_product):
    mine = import_card_keys(user=merchant, product_id=product.pk, text="A1\nBAD LINE")
    theirs = import_card_keys(user=other_merchant, product_id=other_product.pk, text="B1")
    html = web.get(reverse("inventory:batches")).content.decode()
    assert reverse("inventory:batch_detail", args=[mine.pk]) in html
    detail = web.get(reverse("inventory:batch_detail", args=[mine.pk])).content.decode()
    assert count(detail, "malformed-count") == "1" and 'data-reason="inner_whitespace"' in detail
    assert web.get(reverse("inventory:batch_detail", args=[theirs.pk])).status_code == 404
