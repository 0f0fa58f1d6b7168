from datetime import UTC, datetime

import pytest
import time_machine
from django.template.loader import render_to_string
from django.utils import translation

from kameng.accounts.models import Role
from kameng.timeline import labels
from kameng.timeline.labels import detail_line, kind_label, register_kind_labels
from kameng.timeline.selectors import events_of
from kameng.timeline.services import append_event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def restore_labels():
    saved = dict(labels.KIND_LABELS)
    yield
    labels.KIND_LABELS.clear()
    labels.KIND_LABELS.update(saved)


def render(stream, language="en", technical=False):
    with translation.override(language):
        return render_to_string("timeline/_timeline.html", {"events": events_of(stream=stream), "technical": technical})


def test_partial_renders_label_local_time_actor_and_plain_detail_without_hashes(restore_labels):
    register_kind_labels({"order.paid": "Paid"})
    buyer = UserFactory(role=Role.BUYER)
    with time_machine.travel(datetime(2025, 3, 1, 16, 30, 5, tzinfo=UTC), tick=False):
        event = append_event(
            stream="order:1", kind="order.paid", payload={"amount_fen": 1999, "payment": "pay_7"}, actor=buyer
        )
    html = render("order:1")
    assert "Paid" in html
    assert "2025-03-02 00:30" in html  # Asia/Shanghai, the display time zone, as the pages show times
    assert 'datetime="2025-03-02T00:30:05+08:00"' in html
    assert "by Buyer" in html
    assert "Amount: ¥19.99" in html
    assert event.hash[:12] not in html and "<details" not in html  # a buyer reads no hashes


def test_technical_view_for_staff_has_hash_seq_source_and_raw_payload():
    buyer = UserFactory(role=Role.BUYER)
    event = append_event(
        stream="order:1", kind="order.paid", payload={"amount_fen": 1999, "ledger_entry": "x:1"}, actor=buyer
    )
    html = render("order:1", technical=True)
    assert "<details" in html and "Technical view" in html
    assert event.hash in html and event.prev_hash in html and "#1" in html
    assert "order:1" in html and f"buyer #{buyer.pk}" in html
    assert "&quot;ledger_entry&quot;: &quot;x:1&quot;" in html


def test_partial_is_in_chinese_by_default(restore_labels):
    append_event(stream="order:1", kind="timeline.note", payload={"detail": "买家已确认收货"})
    html = render("order:1", "zh-hans")
    assert "备注" in html and "系统" in html and "买家已确认收货" in html


def test_unregistered_kind_reads_as_a_generic_label_not_its_code():
    append_event(stream="order:1", kind="order.mystery", payload={"mystery_code": "abc_def"})
    html = render("order:1")
    assert "Recorded event" in html
    assert ">order.mystery<" not in html and "abc_def" not in html and "mystery_code" not in html
    assert "order.mystery" in render("order:1", technical=True)


def test_empty_timeline_says_so():
    assert "No events yet." in render("order:404")
    assert "暂无记录" in render("order:404", "zh-hans")


def test_payload_is_escaped():
    append_event(stream="order:1", kind="timeline.note", payload={"detail": "<script>alert(1)</script>"})
    html = render("order:1")
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_register_kind_labels_replaces_and_adds(restore_labels):
    register_kind_labels({"case.opened": "Case opened", "timeline.note": "Remark"})
    assert kind_label("case.opened") == "Case opened"
    assert kind_label("timeline.note") == "Remark"


def test_detail_line_hides_sensitive_and_unknown_keys_and_truncates():
    with translation.override("en"):
        line = detail_line({"fingerprint": "abc", "ip": "1.2.3.4", "user_agent": "x", "quantity": 2, "qty": 3})
    assert line == "Quantity: 2"
    assert detail_line({"a": True, "b": [1], "c": {"d": 1}}) == ""
    long = detail_line({"detail": "字" * 500})
    assert len(long) == 120 and long.endswith("…")
