"""Files attached on the case form or in the conversation are evidence (issue 9 point 7, issue 14 L1):
listed on the case's evidence page and in its API, carried in the evidence bundle, anchored by their
"case.attachment" events, checked both ways by the bundle's verifier and by the audit.

Tried as a new user would: a buyer attached a screenshot to the case form, opened the evidence page
and found "还没有证据文件", and the bundle had no file."""

# ruff: noqa: F811 (fixtures imported from e3_support are taken as parameters)

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import MULTIPART_CONTENT
from django.urls import reverse

from kameng.aftersales.models import Attachment, Case
from kameng.aftersales.tests.conftest import buy
from kameng.evidence.audit import run_audit
from kameng.evidence.bundle import build_bundle
from kameng.evidence.listing import evidence_list
from kameng.evidence.sealing import seal_now
from kameng.evidence.tests.e3_support import (  # noqa: F401 (fixtures)
    _media,
    dump,
    load,
    png,
    read_zip,
    reseal_manifest,
    stamper,
    trusted_key,
    write_zip,
)
from kameng.evidence.verify import check_bundle
from kameng.orders.models import OrderKey
from kameng.orders.services import reveal_key
from kameng.orders.tests.conftest import card_product  # noqa: F401 (a fixture)
from kameng.timeline.selectors import events_of
from tests.helpers import ApiClient, assert_error

pytestmark = pytest.mark.django_db

SANDBOX = "default-src 'none'; sandbox"


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def opened(buyer, card_product) -> Case:
    """A buyer opens a case on the case form (the page) with a screenshot, as a new user does."""
    order = buy(buyer, card_product, quantity=1)
    key = OrderKey.objects.get(batch__order=order)
    reveal_key(buyer=buyer, order_id=order.pk, order_key_id=key.pk, ip="1.2.3.4", user_agent="t")
    response = login(buyer).post(
        reverse("aftersales:open", args=[order.pk]),
        {
            "subtype": "invalid_key",
            "demand": "full_refund",
            "description": "卡密无效，见截图",
            "files": SimpleUploadedFile("激活失败截图.png", png(), content_type="image/png"),
        },
    )
    assert response.status_code == 302, response.content
    return Case.objects.get(order=order)


def attachment_event(case: Case, att: Attachment):
    (event,) = [
        e
        for e in events_of(stream=case.stream)
        if e.kind == "case.attachment" and e.payload["message"] == att.message_id
    ]
    return event


def bundle_files(user, case) -> dict[str, bytes]:
    return read_zip(build_bundle(user=user, case_id=case.pk))


def problems_of(tmp_path, files: dict[str, bytes], *, trusted_key: str | None = None) -> list[str]:
    path = tmp_path / "bundle.zip"
    write_zip(path, files)
    return [str(p) for p in check_bundle(path, trusted_keys=[trusted_key] if trusted_key else None).problems]


# --- the evidence page and the API -------------------------------------------------------------------


def test_the_case_form_screenshot_is_on_the_evidence_page_of_both_parties(opened, buyer, merchant):
    att = Attachment.objects.get(case=opened)
    url = reverse("evidence:case_evidence", args=[opened.pk])
    for user in (buyer, merchant):
        page = login(user).get(url)
        assert page.status_code == 200
        body = page.content.decode()
        assert "还没有证据文件" not in body
        assert body.count('data-testid="attachment-item"') == 1
        assert "激活失败截图.png" in body and att.sha256 in body and "开启售后单时" in body
        assert reverse("aftersales:attachment", args=[opened.pk, att.pk]) in body


def test_an_empty_case_still_says_there_are_no_files(buyer, card_product):
    from kameng.aftersales import services as cases

    order = buy(buyer, card_product, quantity=1)
    key = OrderKey.objects.get(batch__order=order)
    reveal_key(buyer=buyer, order_id=order.pk, order_key_id=key.pk, ip="1.2.3.4", user_agent="t")
    case = cases.open_case(
        buyer=buyer, order_id=order.pk, subtype="invalid_key", demand="full_refund", description="卡密无效"
    )
    body = login(buyer).get(reverse("evidence:case_evidence", args=[case.pk])).content.decode()
    assert "还没有证据文件" in body and 'data-testid="attachment-item"' not in body


def test_the_attachment_download_from_the_evidence_page_is_named_typed_and_sandboxed(opened, merchant):
    att = Attachment.objects.get(case=opened)
    download = login(merchant).get(reverse("aftersales:attachment", args=[opened.pk, att.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png" and download["Content-Security-Policy"] == SANDBOX
    assert download["Content-Disposition"] == f'attachment; filename="case-{opened.pk}-{att.pk}.png"'
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == att.sha256


def test_conversation_files_are_listed_with_their_message(opened, buyer, merchant):
    response = ApiClient(merchant).post(
        f"/api/v1/cases/{opened.pk}/messages",
        {"text": "我方日志", "files": [SimpleUploadedFile("log.txt", "发货成功\n".encode())]},
        content_type=MULTIPART_CONTENT,
    )
    assert response.status_code == 201, response.content
    listed = ApiClient(buyer).get(f"/api/v1/evidence/cases/{opened.pk}/attachments")
    assert listed.status_code == 200
    rows = listed.json()
    assert [(r["name"], r["author_role"], r["from_case_form"]) for r in rows] == [
        ("激活失败截图.png", "buyer", True),
        ("log.txt", "merchant", False),
    ]
    message_id = response.json()["id"]
    assert rows[1]["message_id"] == message_id and rows[1]["content_type"] == "text/plain"
    body = login(buyer).get(reverse("evidence:case_evidence", args=[opened.pk])).content.decode()
    assert body.count('data-testid="attachment-item"') == 2 and f"第 {message_id} 号消息" in body
    # The file_url of each row is the permission-checked, sandboxed download.
    download = ApiClient(buyer).get(rows[1]["file_url"])
    assert download.status_code == 200 and download["Content-Security-Policy"] == SANDBOX


def test_someone_elses_attachments_are_not_found(opened, other_buyer):
    assert_error(ApiClient(other_buyer).get(f"/api/v1/evidence/cases/{opened.pk}/attachments"), 404, "not_found")
    assert login(other_buyer).get(reverse("evidence:case_evidence", args=[opened.pk])).status_code == 404


def test_the_evidence_list_numbers_the_attachment_with_its_sealed_event(opened, stamper):
    att = Attachment.objects.get(case=opened)
    event = attachment_event(opened, att)
    (row,) = [r for r in evidence_list(opened) if r.attachment_id == att.pk]
    assert row.sha256 == att.sha256 and row.seq == event.seq and not row.sealed
    seal_now(timestamper=stamper)
    (row,) = [r for r in evidence_list(opened) if r.attachment_id == att.pk]
    assert row.sealed and row.stream == opened.stream


# --- the bundle and its verification ---------------------------------------------------------------


def test_the_bundle_carries_the_case_form_screenshot_and_verifies(opened, buyer, stamper, trusted_key, tmp_path):
    att = Attachment.objects.get(case=opened)
    seal_now(timestamper=stamper)
    files = bundle_files(buyer, opened)
    path = f"attachments/01-message-{att.message_id}.png"
    assert path in files and hashlib.sha256(files[path]).hexdigest() == att.sha256
    (entry,) = load(files, "manifest.json")["attachments"]
    assert entry["path"] == path and entry["sha256"] == att.sha256 and entry["from_case_form"] is True
    assert entry["original_name"] == "激活失败截图.png" and entry["author_role"] == "buyer"
    assert f"{hashlib.sha256(files[path]).hexdigest()}  {path}" in files["checksums.sha256"].decode()
    assert "attachments/" in files["README.txt"].decode()
    assert problems_of(tmp_path, files, trusted_key=trusted_key) == []


def test_a_replaced_attachment_is_named_even_with_the_manifest_rewritten(opened, buyer, tmp_path):
    att = Attachment.objects.get(case=opened)
    files = bundle_files(buyer, opened)
    path = f"attachments/01-message-{att.message_id}.png"
    files[path] = png(color=(0, 0, 0))  # another screenshot
    manifest = load(files, "manifest.json")
    manifest["attachments"][0]["sha256"] = hashlib.sha256(files[path]).hexdigest()
    dump(files, "manifest.json", manifest)
    reseal_manifest(files)
    found = problems_of(tmp_path, files)
    assert any(p.startswith(path) and f"case.attachment event of message {att.message_id}" in p for p in found), found
    # Its event is still there, now without its file.
    seq = attachment_event(opened, att).seq
    assert any(p.startswith(f"{opened.stream} #{seq}: case.attachment") for p in found), found


def test_a_dropped_attachment_is_named_by_its_event(opened, buyer, tmp_path):
    att = Attachment.objects.get(case=opened)
    files = bundle_files(buyer, opened)
    path = f"attachments/01-message-{att.message_id}.png"
    del files[path]
    manifest = load(files, "manifest.json")
    manifest["files"] = [e for e in manifest["files"] if e["path"] != path]
    manifest["attachments"] = []
    dump(files, "manifest.json", manifest)
    reseal_manifest(files)
    seq = attachment_event(opened, att).seq
    assert problems_of(tmp_path, files) == [
        f"{opened.stream} #{seq}: case.attachment (sha256 {att.sha256[:16]}…): its file is not in the bundle"
    ]


def test_an_attachment_the_manifest_does_not_list_is_named(opened, buyer, tmp_path):
    files = bundle_files(buyer, opened)
    files["attachments/99-message-1.txt"] = b"slipped in"
    manifest = load(files, "manifest.json")
    manifest["files"].append({"path": "attachments/99-message-1.txt", "sha256": "", "size": 10})
    dump(files, "manifest.json", manifest)
    reseal_manifest(files)
    found = problems_of(tmp_path, files)
    assert "attachments/99-message-1.txt: an attachment file the manifest does not list as an attachment" in found


# --- the audit ------------------------------------------------------------------------------------------


def test_the_audit_checks_attachments_against_their_hash_and_event(opened, stamper):
    seal_now(timestamper=stamper)
    att = Attachment.objects.get(case=opened)
    run = run_audit()
    assert run.ok, run.problems
    assert run.files_checked == 1  # no evidence uploads: the attachment is the one file
    stored = Path(att.file.path)
    stored.write_bytes(png(color=(0, 0, 0)))
    problems = [f"{p['item']}: {p['problem']}" for p in run_audit().problems]
    assert problems and all(p.startswith(f"case attachment {att.pk} ") for p in problems), problems
    assert any("differs from its record" in p for p in problems)
