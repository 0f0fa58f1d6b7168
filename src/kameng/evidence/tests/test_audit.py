"""The database side of the tampering matrix: change what the platform stored (a file on disk, an
event row, a seal row) the way someone with database or disk access would, and check that
``run_audit`` names the item; and that ``kameng evidence audit`` fails then."""

# ruff: noqa: F811 (fixtures imported from e3_support are taken as parameters)

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from kameng.evidence import audit
from kameng.evidence.audit import run_audit
from kameng.evidence.models import AuditRun, EvidenceItem, Seal
from kameng.evidence.tests.e3_support import (  # noqa: F401 (fixtures)
    _media,
    forger,
    other_case,
    sealed_case,
    stamper,
)
from kameng.orders.tests.conftest import card_product  # noqa: F401 (a fixture)
from kameng.timeline.canonical import event_hash, field_digests
from kameng.timeline.models import Event, StreamHead


def found(run: AuditRun) -> list[str]:
    return [f"{p['item']}: {p['problem']}" for p in run.problems]


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _sql(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_clean_state_audits_ok_and_is_recorded(sealed_case, other_case):
    run = run_audit()
    assert run.ok and run.problems == [], found(run)
    assert run.files_checked == 4 and run.seals_checked == 1 and run.streams_checked >= 4
    assert run.finished_at is not None
    assert AuditRun.objects.get() == run
    assert audit.status()["audit"]["ok"] is True


def test_edited_stored_file_is_named(sealed_case):
    item = EvidenceItem.objects.filter(case=sealed_case).first()
    path = Path(item.file.path)
    path.write_bytes(path.read_bytes() + b"\x00")
    problems = found(run_audit())
    assert len(problems) == 2, problems
    assert all(p.startswith(f"evidence item {item.pk} ") for p in problems)
    assert "sha256" in problems[0]


def test_missing_stored_file_is_named(sealed_case):
    item = EvidenceItem.objects.filter(case=sealed_case).first()
    Path(item.file.path).unlink()
    assert any(p.startswith(f"evidence item {item.pk} ") and "missing" in p for p in found(run_audit()))


def test_event_payload_edit_is_named(sealed_case):
    event = Event.objects.get(stream=sealed_case.stream, seq=1)
    Event.objects.filter(pk=event.pk).update(payload={**event.payload, "description": "卡密有效"})
    problems = found(run_audit())
    assert any(p.startswith(f"{sealed_case.stream} #1: edited (payload)") for p in problems), problems


def test_swapped_events_are_named(sealed_case):
    stream = sealed_case.stream
    table = _table(Event)
    # Swap #2 and #3 through a free number, as raw SQL must with the unique (stream, seq).
    _sql(f"UPDATE {table} SET seq = 9999 WHERE stream = %s AND seq = 2", [stream])
    _sql(f"UPDATE {table} SET seq = 2 WHERE stream = %s AND seq = 3", [stream])
    _sql(f"UPDATE {table} SET seq = 3 WHERE stream = %s AND seq = 9999", [stream])
    problems = found(run_audit())
    assert any(p.startswith(f"{stream} #2: edited (seq)") for p in problems), problems
    assert any(p.startswith(f"{stream} #3: edited (seq)") for p in problems), problems
    # Both were sealed only through the head; the head still matches, so only the chain shows it.


def test_deleted_event_is_named(sealed_case):
    stream = sealed_case.stream
    _sql(f"DELETE FROM {_table(Event)} WHERE stream = %s AND seq = 2", [stream])
    problems = found(run_audit())
    assert any(p.startswith(f"{stream} #3: gap (seq)") for p in problems), problems


def test_deleted_sealed_event_is_named_by_the_seal(sealed_case):
    leaf = Seal.objects.get().leaves.get(stream=sealed_case.order.stream)
    _sql(f"DELETE FROM {_table(Event)} WHERE stream = %s AND seq = %s", [leaf.stream, leaf.seq])
    problems = found(run_audit())
    assert f"{leaf.stream} #{leaf.seq}: sealed by seal {leaf.seal_id}, but the event is gone" in problems


def test_chain_rewritten_end_to_end_is_caught_by_the_seal(sealed_case):
    """Someone who edits an event and recomputes every later hash and the head passes the chain
    check; the sealed leaf does not match any more."""
    stream = sealed_case.order.stream
    leaf = Seal.objects.get().leaves.get(stream=stream)
    prev = None
    for event in Event.objects.filter(stream=stream).order_by("seq"):
        payload = {**event.payload, "forged": True} if event.seq == 1 else event.payload
        prev_hash = prev or event.prev_hash
        fields = dict(
            stream=stream,
            seq=event.seq,
            kind=event.kind,
            actor_id=event.actor_id,
            actor_role=event.actor_role,
            payload=payload,
            created_at=event.created_at,
        )
        new_hash = event_hash(**fields, prev_hash=prev_hash)
        Event.objects.filter(pk=event.pk).update(
            payload=payload, prev_hash=prev_hash, hash=new_hash, digests=field_digests(**fields, prev_hash=prev_hash)
        )
        prev = new_hash
    StreamHead.objects.filter(stream=stream).update(head_hash=prev)
    problems = found(run_audit())
    assert problems == [f"{stream} #{leaf.seq}: no longer matches the head sealed by seal {leaf.seal_id}"], problems


def test_evidence_file_swapped_with_another_cases_is_named(sealed_case, other_case):
    mine = EvidenceItem.objects.filter(case=sealed_case).first()
    theirs = EvidenceItem.objects.filter(case=other_case).first()
    a, b = Path(mine.file.path), Path(theirs.file.path)
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    problems = found(run_audit())
    assert any(p.startswith(f"evidence item {mine.pk} ") for p in problems), problems
    assert any(p.startswith(f"evidence item {theirs.pk} ") for p in problems), problems


def test_file_swap_with_its_columns_is_named_by_the_timeline(sealed_case, other_case):
    """Swapping the file *and* its recorded sha256 between two items passes the file check; the
    evidence.added event on each case's chain still names the original."""
    mine = EvidenceItem.objects.filter(case=sealed_case).first()
    theirs = EvidenceItem.objects.filter(case=other_case).first()
    # In SQL, as an attacker would: the model refuses to rewrite these columns.
    swap = f"UPDATE {_table(EvidenceItem)} SET file = %s, sha256 = %s WHERE id = %s"
    _sql(swap, [theirs.file.name, theirs.sha256, mine.pk])
    _sql(swap, [mine.file.name, mine.sha256, theirs.pk])
    problems = found(run_audit())
    assert any(p.startswith(f"evidence item {mine.pk} ") and sealed_case.stream in p for p in problems), problems
    assert any(p.startswith(f"evidence item {theirs.pk} ") and other_case.stream in p for p in problems), problems


def test_altered_seal_root_is_named(sealed_case):
    seal = Seal.objects.get()
    Seal.objects.filter(pk=seal.pk).update(root="ab" * 32)
    problems = found(run_audit())
    assert any(p.startswith(f"seal {seal.pk}: its leaves give root") for p in problems), problems
    assert any(p.startswith(f"seal {seal.pk}: the ed25519 token does not verify") for p in problems), problems


def test_altered_seal_token_is_named(sealed_case):
    seal = Seal.objects.get()
    token = bytearray(bytes(seal.token))
    token[-5] = ord("A") if token[-5] != ord("A") else ord("B")
    Seal.objects.filter(pk=seal.pk).update(token=bytes(token))
    problems = found(run_audit())
    assert any(p.startswith(f"seal {seal.pk}: the ed25519 token does not verify") for p in problems), problems


def test_deleted_row_and_file_are_named_by_their_evidence_added_event(sealed_case):
    item = EvidenceItem.objects.filter(case=sealed_case).first()
    event = Event.objects.get(stream=sealed_case.stream, kind="evidence.added", payload__item=item.pk)
    Path(item.file.path).unlink()
    # Evidence refuses deletion through the ORM; someone with database access does not ask it.
    _sql(f"DELETE FROM {_table(EvidenceItem)} WHERE id = %s", [item.pk])
    problems = found(run_audit())
    assert problems == [
        f"{sealed_case.stream} #{event.seq}: evidence.added for item {item.pk} (sha256 {item.sha256[:16]}…), "
        "but no such evidence item is stored on this case (row and file deleted or moved)"
    ], problems


def test_seal_re_signed_with_another_key_is_named(sealed_case, forger):
    """Whoever can write the seal row can re-sign it with a key of their own and store that key as
    its verifier; the audit trusts only the configured seal key."""
    seal = Seal.objects.get()
    stamp = forger.stamp(seal.root)
    Seal.objects.filter(pk=seal.pk).update(
        token=stamp.token, verifier_pem=stamp.verifier_pem, stamped_at=stamp.stamped_at
    )
    problems = found(run_audit())
    assert len(problems) == 1 and problems[0].startswith(
        f"seal {seal.pk}: signed by a key that is not the platform's configured one"
    ), problems


def test_seal_verifier_swapped_for_another_key_is_named(sealed_case, forger):
    seal = Seal.objects.get()
    Seal.objects.filter(pk=seal.pk).update(verifier_pem=forger.public_pem)
    problems = found(run_audit())
    assert problems == [f"seal {seal.pk}: its stored verifier_pem is not the platform's key (which did sign it)"]


def test_rfc3161_seal_is_checked_against_the_configured_tsa_certificate(
    buyer, merchant, card_product, settings, tmp_path
):
    from kameng.evidence import tsa
    from kameng.evidence.sealing import seal_now
    from kameng.evidence.tests.e3_support import open_case_with_evidence
    from kameng.evidence.tests.tsa_server import start_tsa

    open_case_with_evidence(buyer, merchant, card_product)
    servers = [start_tsa(tmp_path / "tsa"), start_tsa(tmp_path / "rogue")]
    try:
        seal = seal_now(timestamper=tsa.Rfc3161Timestamper(servers[0].url, servers[0].cert_pem))
    finally:
        for server in servers:
            server.close()
    cert_file = tmp_path / "tsa-ca.pem"
    cert_file.write_text(servers[0].cert_pem)
    settings.KAMENG_TSA_CERT_FILE = str(cert_file)
    run = run_audit()
    assert run.ok, found(run)
    cert_file.write_text(servers[1].cert_pem)  # the configured TSA is not the one that stamped
    problems = found(run_audit())
    assert any(p.startswith(f"seal {seal.pk}: signed by a key that is not the platform's") for p in problems), problems


def test_command_fails_on_problems(sealed_case, capsys):
    call_command("evidence", "audit")
    item = EvidenceItem.objects.filter(case=sealed_case).first()
    Path(item.file.path).write_bytes(b"changed")
    with pytest.raises(CommandError, match="FAILED"):
        call_command("evidence", "audit")
    assert audit.main([]) == 1
    assert f"FAIL evidence item {item.pk}" in capsys.readouterr().out
