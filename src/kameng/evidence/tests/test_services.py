"""Evidence services: who may add, withdraw = a mark only (file and row kept, both events on the
case timeline), never deleted; the selectors' object permission."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kameng.aftersales import services as cases
from kameng.core.errors import DomainError
from kameng.evidence import selectors, services
from kameng.evidence.models import EvidenceItem
from kameng.evidence.tests import e1_support
from kameng.evidence.tests.e1_support import image_bytes, media_files, upload
from kameng.timeline.selectors import events_of, verify_stream

# The shared fixtures, bound here so pytest finds them for this module.
_media, card_product, case = e1_support._media, e1_support.card_product, e1_support.case

pytestmark = pytest.mark.django_db


def add(user, case, data=b"hello", name="a.txt", kind="chat_record"):
    return services.upload_evidence(user=user, case_id=case.pk, file=upload(name, data), kind=kind, caption="记录")


def test_buyer_and_merchant_add_evidence_with_their_role(buyer, merchant, case):
    mine = add(buyer, case)
    theirs = add(merchant, case, image_bytes(), "shot.png", kind="supplier_proof")
    assert (mine.uploader_role, theirs.uploader_role) == ("buyer", "merchant")
    assert [i.pk for i in selectors.evidence_for(buyer, case.pk)] == [mine.pk, theirs.pk]
    assert [e.kind for e in events_of(stream=case.stream) if e.kind.startswith("evidence.")] == ["evidence.added"] * 2
    assert verify_stream(case.stream) == []


def test_withdraw_keeps_the_file_and_the_row(buyer, case, _media):
    item = add(buyer, case)
    done = services.withdraw_evidence(user=buyer, item_id=item.pk, reason="传错了")
    assert done.withdrawn_at is not None and done.withdrawn_by == buyer and done.withdraw_reason == "传错了"
    assert EvidenceItem.objects.filter(pk=item.pk).exists()
    assert (_media / item.file.name).read_bytes() == b"hello"
    last = list(events_of(stream=case.stream))[-1]
    assert (last.kind, last.payload) == (
        "evidence.withdrawn",
        {"item": item.pk, "sha256": item.sha256, "reason": "传错了"},
    )
    with pytest.raises(DomainError) as err:
        services.withdraw_evidence(user=buyer, item_id=item.pk, reason="")
    assert err.value.code == "evidence.already_withdrawn"


def test_only_the_uploader_withdraws(buyer, merchant, other_buyer, case):
    item = add(buyer, case)
    with pytest.raises(DomainError) as err:
        services.withdraw_evidence(user=merchant, item_id=item.pk, reason="")
    assert err.value.code == "permission_denied"
    with pytest.raises(DomainError) as err:
        services.withdraw_evidence(user=other_buyer, item_id=item.pk, reason="")
    assert err.value.code == "not_found"
    assert EvidenceItem.objects.get(pk=item.pk).withdrawn_at is None


def test_evidence_is_never_deleted(buyer, case):
    item = add(buyer, case)
    with pytest.raises(DomainError) as err:
        item.delete()
    assert err.value.code == "evidence.immutable"


def test_operator_reads_but_does_not_upload(operator, buyer, case):
    add(buyer, case)
    assert len(selectors.evidence_for(operator, case.pk)) == 1
    with pytest.raises(DomainError) as err:
        add(operator, case)
    assert err.value.code == "permission_denied"


def test_agent_adds_evidence_once_the_platform_steps_in(agent, buyer, merchant, case):
    with pytest.raises(DomainError) as err:
        add(agent, case)
    assert err.value.code == "not_found"  # the merchant stage is between buyer and merchant
    cases.refuse_case(merchant=merchant, case_id=case.pk, reason="卡密有效")
    cases.request_intervention(buyer=buyer, case_id=case.pk)
    assert add(agent, case).uploader_role == "agent"


def test_appeal_window_still_takes_evidence_then_closed_does_not(buyer, merchant, case):
    from kameng.aftersales.models import Case, CaseState

    Case.objects.filter(pk=case.pk).update(state=CaseState.RULED, due_at=timezone.now())
    assert add(buyer, case).pk
    Case.objects.filter(pk=case.pk).update(state=CaseState.RESOLVED, due_at=None)
    with pytest.raises(DomainError) as err:
        add(merchant, case)
    assert err.value.code == "evidence.case_closed"


def test_bad_kind_and_long_caption_are_invalid_input(buyer, case, _media):
    for kind, caption in (("virus", ""), ("other", "x" * 301)):
        with pytest.raises(DomainError) as err:
            services.upload_evidence(
                user=buyer, case_id=case.pk, file=upload("a.txt", b"x"), kind=kind, caption=caption
            )
        assert err.value.code == "invalid_input"
    assert media_files(_media) == []


def test_item_for_hides_other_cases(buyer, other_buyer, case):
    item = add(buyer, case)
    assert selectors.item_for(buyer, item.pk) == item
    with pytest.raises(DomainError):
        selectors.item_for(other_buyer, item.pk)
    with pytest.raises(DomainError):
        selectors.evidence_for(other_buyer, case.pk)
