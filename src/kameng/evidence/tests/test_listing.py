"""evidence_list: the case's records numbered, grouped, hashed, and timestamped by the covering seal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from kameng.accounts.models import Role
from kameng.aftersales import services as aftersales
from kameng.aftersales.models import CaseState
from kameng.aftersales.tests.conftest import card_product, fund, load_keys  # noqa: F401 (fixtures)
from kameng.aftersales.tests.ladder import Actors, case_in
from kameng.evidence.listing import GROUPS, evidence_list
from kameng.evidence.models import EvidenceItem, Seal, SealLeaf
from kameng.timeline.models import Event
from kameng.timeline.services import append_event
from tests.factories import UserFactory

HASH_A = "a" * 64
HASH_B = "b" * 64


def add_item(case, user, role, *, kind="activation_error", caption="激活失败截图", sha256=HASH_A, withdrawn=False):
    """An uploaded item and its timeline event, as the upload service records them."""
    item = EvidenceItem.objects.create(
        case=case,
        uploader=user,
        uploader_role=role,
        kind=kind,
        caption=caption,
        file=f"evidence/test/{sha256[:8]}.png",
        original_name="shot.png",
        content_type="image/png",
        size=1234,
        sha256=sha256,
    )
    append_event(stream=case.stream, kind="evidence.added", payload={"item": item.pk, "sha256": sha256}, actor=user)
    if withdrawn:
        EvidenceItem.objects.filter(pk=item.pk).update(
            withdrawn_at=timezone.now(), withdrawn_by=user, withdraw_reason="传错了"
        )
    return item


def ruled_case(buyer, merchant, agent, product):
    """A card-key case that went to the platform and was ruled, with a merchant message and two
    uploads (one withdrawn)."""
    buyer.display_name = "张小明"
    buyer.save()
    merchant.shop.name = "星辰点卡店"
    merchant.shop.save()
    actors = Actors(buyer, merchant, agent, UserFactory(role=Role.AGENT, username="agent2"), product)
    case = case_in(actors, CaseState.RULED)
    aftersales.post_message(user=merchant, case_id=case.pk, text="卡密已核实有效", now=actors.tick())
    add_item(case, buyer, "buyer")
    add_item(case, merchant, "merchant", kind="supplier_proof", caption="", sha256=HASH_B, withdrawn=True)
    case.refresh_from_db()
    return case


@pytest.fixture
def case(buyer, merchant, agent, card_product):  # noqa: F811
    return ruled_case(buyer, merchant, agent, card_product)


def seal(streams: dict[str, int], stamped_at):
    s = Seal.objects.create(
        cutoff=stamped_at,
        root="c" * 64,
        leaf_count=len(streams),
        method="ed25519",
        token=b"t",
        stamped_at=stamped_at,
        verifier_pem="-",
    )
    for i, (stream, seq) in enumerate(sorted(streams.items())):
        head = Event.objects.get(stream=stream, seq=seq)
        SealLeaf.objects.create(seal=s, index=i, stream=stream, seq=seq, head_hash=head.hash)
    return s


def test_rows_are_numbered_grouped_and_hashed(case):
    with translation.override("zh-hans"):
        rows = evidence_list(case)
    assert [r.number for r in rows] == list(range(1, len(rows) + 1))
    order = list(GROUPS)
    assert [order.index(r.group) for r in rows] == sorted(order.index(r.group) for r in rows)
    assert rows[0].kind == "order.created" and rows[-1].group == "uploads"
    for row in rows:
        if row.group != "uploads":
            assert Event.objects.get(stream=row.stream, seq=row.seq).hash == row.sha256
    kinds = [r.kind for r in rows]
    for kind in ("order.paid", "key.revealed", "case.opened", "case.refuse", "case.escalate", "case.rule"):
        assert kind in kinds
    # case steps are listed from the case chain only, uploads once (not also as events)
    assert "case.step" not in kinds and "evidence.added" not in kinds
    reveal = next(r for r in rows if r.kind == "key.revealed")
    assert "1.2.3.4" in reveal.note and reveal.group == "reveal"
    ruling = next(r for r in rows if r.kind == "case.rule")
    assert "4.4" in ruling.note and ruling.group == "rulings"
    assert any("卡密已核实有效" in r.note for r in rows if r.kind == "case.message")


def test_uploads_list_withdrawn_items_with_a_mark(case):
    with translation.override("zh-hans"):
        uploads = [r for r in evidence_list(case) if r.group == "uploads"]
    assert [(u.sha256, u.withdrawn) for u in uploads] == [(HASH_A, False), (HASH_B, True)]
    assert "激活失败截图" in uploads[0].title and "买家" in uploads[0].source
    assert "已撤回" in uploads[1].note and "已撤回" not in uploads[0].note
    assert "商家" in uploads[1].source


def test_unsealed_rows_keep_their_own_time_marked(case):
    with translation.override("zh-hans"):
        rows = evidence_list(case)
    assert not any(r.sealed for r in rows)
    assert all("未封存" in r.note for r in rows)
    first = rows[0]
    assert first.timestamp == Event.objects.get(stream=first.stream, seq=first.seq).created_at
    item = EvidenceItem.objects.get(sha256=HASH_A)
    assert next(r for r in rows if r.item_id == item.pk).timestamp == item.created_at


def test_a_seal_covers_events_up_to_its_leaf_and_the_first_covering_seal_wins(case):
    order_stream, case_stream = case.order.stream, case.stream
    order_last = Event.objects.filter(stream=order_stream).order_by("-seq").first().seq
    added = Event.objects.filter(stream=case_stream, kind="evidence.added").order_by("seq")
    first_upload_seq = added.first().seq
    t1 = timezone.now() + timedelta(minutes=5)
    t2 = t1 + timedelta(minutes=10)
    seal({order_stream: order_last, case_stream: first_upload_seq}, t1)
    seal({case_stream: added.last().seq}, t2)
    with translation.override("zh-hans"):
        rows = evidence_list(case)
    for row in rows:
        if row.stream == order_stream:
            assert row.sealed and row.timestamp == t1
        elif row.stream == case_stream and row.seq <= first_upload_seq:
            assert row.sealed and row.timestamp == t1, row
        elif row.stream == case_stream:
            assert row.sealed and row.timestamp == t2, row
        assert ("未封存" in row.note) is (not row.sealed)
    uploads = [r for r in rows if r.group == "uploads"]
    assert [u.timestamp for u in uploads] == [t1, t2]


def test_an_event_past_every_seal_is_unsealed(case):
    seal({case.stream: 1}, timezone.now())
    rows = evidence_list(case)
    opened = next(r for r in rows if r.kind == "case.opened")
    later = [r for r in rows if r.stream == case.stream and r.seq > 1]
    assert opened.sealed and later and not any(r.sealed for r in later)


def test_listing_is_a_pure_read(case):
    with CaptureQueriesContext(connection) as queries:
        evidence_list(case)
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE"))]
    assert writes == []
