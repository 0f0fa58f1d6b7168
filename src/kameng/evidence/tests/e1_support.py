"""Shared by the E1 evidence tests: an open case between buyer and merchant, test files made on
the spot (Pillow for images, pypdf for PDFs), and media in a temporary folder."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kameng.aftersales import services as cases
from kameng.aftersales.tests.conftest import buy
from kameng.orders.models import OrderKey
from kameng.orders.services import reveal_key
from kameng.orders.tests.conftest import card_product  # noqa: F401  (a fixture)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def case(buyer, card_product):  # noqa: F811
    order = buy(buyer, card_product, quantity=1)
    key = OrderKey.objects.get(batch__order=order)
    # A revealed key keeps the case out of 极速退款, so it waits for the merchant.
    reveal_key(buyer=buyer, order_id=order.pk, order_key_id=key.pk, ip="1.2.3.4", user_agent="t")
    return cases.open_case(
        buyer=buyer, order_id=order.pk, subtype="invalid_key", demand="full_refund", description="卡密无效"
    )


def media_files(root) -> list[Path]:
    root = Path(root)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def image_bytes(fmt: str = "PNG", *, size=(8, 6), exif: bool = False) -> bytes:
    from PIL import Image

    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    options = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SpyCam Inc"  # Make
        data[0x0131] = "secret-software"  # Software
        options["exif"] = data.tobytes()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def pdf_bytes(*, javascript: bool = False) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if javascript:
        # A document-level script in the /Names tree: runs when the file opens.
        action = writer._add_object(
            DictionaryObject(
                {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
            )
        )
        tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("x"), action])})
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)
