"""The integrity audit: ``kameng evidence audit`` re-checks everything the platform stored.

- every stored evidence file against its own SHA-256 and against the "evidence.added" event on its
  case's timeline (so a file swapped with another case's, columns and all, still shows); and the
  other way, every evidence.added event on any case's timeline against its row and file (so a row
  deleted together with its file still shows);
- every case attachment (case form, conversation) against its own SHA-256 and against a
  "case.attachment" event of its message on its case's timeline, and every such event against a
  stored attachment;
- every timeline stream (``timeline.selectors.verify_all``);
- every seal: its root recomputed from its leaves, its token verified against the configured trust
  anchors (the seal key's public half, KAMENG_TSA_CERT_FILE; never the verifier stored beside it,
  which whoever rewrote the seal could rewrite too), its link to the seal before;
- every sealed leaf still matches its chain (the event at that seq still has that hash).

Audits read every file and every event, so they are not a periodic job: an operator runs one from
the dashboard, or cron runs ``kameng evidence audit`` (exit status 1 when anything is wrong).
"""

from __future__ import annotations

import hashlib
import sys
from collections import defaultdict
from datetime import datetime
from typing import Any

from django.utils import timezone

from kameng.evidence import merkle
from kameng.evidence.models import AuditRun, EvidenceItem, Seal, SealLeaf
from kameng.evidence.verify import pair_attachments
from kameng.timeline.models import Event
from kameng.timeline.selectors import verify_all

_CHUNK = 1024 * 1024


class _Findings:
    def __init__(self) -> None:
        self.problems: list[dict[str, str]] = []

    def add(self, item: str, problem: str) -> None:
        self.problems.append({"item": item, "problem": problem})


def _file_hash(item) -> str | None:
    """The SHA-256 of an evidence item's or a case attachment's stored bytes, None if unreadable."""
    h = hashlib.sha256()
    try:
        with item.file.storage.open(item.file.name, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                h.update(chunk)
    except (OSError, ValueError):
        return None
    return h.hexdigest()


def _check_files(found: _Findings) -> int:
    count = 0
    # The sha256 each case's timeline recorded when the file arrived, by item id.
    recorded: dict[tuple[str, int], tuple[int, str]] = {}
    for stream, seq, payload in (
        Event.objects.filter(kind="evidence.added").order_by("stream", "seq").values_list("stream", "seq", "payload")
    ):
        if isinstance(payload, dict) and isinstance(payload.get("item"), int):
            recorded.setdefault((stream, payload["item"]), (seq, str(payload.get("sha256"))))
        else:
            found.add(f"{stream} #{seq}", "an evidence.added event without an item id")
    seen: set[tuple[str, int]] = set()
    items = EvidenceItem.objects.select_related("case").order_by("pk")
    for item in items.iterator(chunk_size=500):
        count += 1
        seen.add((item.case.stream, item.pk))
        label = f"evidence item {item.pk} (case {item.case_id}, {item.file.name})"
        actual = _file_hash(item)
        if actual is None:
            found.add(label, "the stored file is missing or unreadable")
        elif actual != item.sha256:
            found.add(label, f"the stored file's sha256 {actual[:16]}… differs from its record {item.sha256[:16]}…")
        event = recorded.get((item.case.stream, item.pk))
        if event is None:
            found.add(label, f"no evidence.added event for it on {item.case.stream}")
            continue
        seq, sha = event
        where = f"{item.case.stream} #{seq}"
        if sha != item.sha256:
            found.add(label, f"its recorded sha256 differs from the one on the case timeline ({where})")
        elif actual is not None and actual != sha:
            found.add(label, f"the stored file differs from the one recorded on the case timeline ({where})")
    # The other way: an upload the timeline remembers must still be stored, on that very case.
    for (stream, item_id), (seq, sha) in sorted(recorded.items()):
        if (stream, item_id) not in seen:
            found.add(
                f"{stream} #{seq}",
                f"evidence.added for item {item_id} (sha256 {sha[:16]}…), but no such evidence item "
                f"is stored on this case (row and file deleted or moved)",
            )
    return count


def _check_attachments(found: _Findings) -> int:
    from kameng.aftersales.selectors import all_attachments

    recorded: dict[str, list[tuple[int, Any]]] = defaultdict(list)
    events = Event.objects.filter(kind="case.attachment").order_by("stream", "seq")
    for stream, seq, payload in events.values_list("stream", "seq", "payload").iterator(chunk_size=2000):
        if isinstance(payload, dict) and isinstance(payload.get("sha256"), str):
            recorded[stream].append((seq, payload))
        else:
            found.add(f"{stream} #{seq}", "a case.attachment event without a message and sha256")
    stored: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
    count = 0
    for att in all_attachments().iterator(chunk_size=500):
        count += 1
        label = f"case attachment {att.pk} (case {att.case_id}, {att.file.name})"
        actual = _file_hash(att)
        if actual is None:
            found.add(label, "the stored file is missing or unreadable")
        elif actual != att.sha256:
            found.add(label, f"the stored file's sha256 {actual[:16]}… differs from its record {att.sha256[:16]}…")
        stored[att.case.stream].append((att.pk, att.message_id, att.sha256, label))
    for stream in sorted(set(recorded) | set(stored)):
        rows = stored.get(stream, [])
        paired, left = pair_attachments([(pk, message, sha) for pk, message, sha, _ in rows], recorded.get(stream, []))
        for pk, message, _sha, label in rows:
            if pk not in paired:
                found.add(label, f"no case.attachment event of message {message} with its sha256 on {stream}")
        payloads = dict(recorded.get(stream, []))
        for seq in left:
            sha = str(payloads[seq].get("sha256"))[:16]
            found.add(
                f"{stream} #{seq}",
                f"case.attachment (sha256 {sha}…), but no such attachment is stored on this case "
                f"(row and file deleted or moved)",
            )
    return count


def _check_streams(found: _Findings) -> int:
    problems = verify_all()
    for problem in problems:
        where = problem.stream if problem.seq is None else f"{problem.stream} #{problem.seq}"
        what = f"{problem.code} ({problem.field})" if problem.field else problem.code
        found.add(where, f"{what}: {problem.detail}" if problem.detail else what)
    return Event.objects.values("stream").distinct().count()


def _trust(found: _Findings) -> tuple[list[str], list[str]] | None:
    from kameng.evidence import tsa

    try:
        return tsa.configured_trust()
    except (OSError, ValueError) as exc:  # an unreadable key or certificate file
        found.add("trust anchors", f"cannot load the configured seal key / TSA certificate: {exc}")
        return None


def _check_seal_token(found: _Findings, seal: Seal, trust: tuple[list[str], list[str]] | None) -> None:
    from kameng.evidence import tsa

    label = f"seal {seal.pk}"
    token = bytes(seal.token)
    try:
        tsa.verify_stamp(seal.method, seal.root, token, seal.verifier_pem)
    except Exception as exc:  # ValueError by contract; a malformed token may raise anything else
        intact, reason = False, exc
    else:
        intact, reason = True, None
    if trust is None:
        if not intact:
            found.add(label, f"the {seal.method} token does not verify: {reason}")
        return
    keys, cas = trust
    try:
        stamped_at, anchor = tsa.verify_stamp_trusted(seal.method, seal.root, token, trusted_keys=keys, tsa_ca=cas)
    except Exception as exc:
        if intact:
            found.add(
                label,
                f"signed by a key that is not the platform's configured one: the {seal.method} token verifies "
                f"only with the verifier stored beside it ({exc})",
            )
        else:
            found.add(label, f"the {seal.method} token does not verify: {exc}")
        return
    if abs((stamped_at - seal.stamped_at).total_seconds()) >= 1:
        found.add(label, "stamped_at differs from the time the token asserts")
    if seal.method == tsa.ED25519 and seal.verifier_pem.strip() != anchor.strip():
        # Bundles copy this verifier; it must be the key that really signed.
        found.add(label, "its stored verifier_pem is not the platform's key (which did sign it)")


def _check_seals(found: _Findings) -> int:
    count = 0
    trust = _trust(found) if Seal.objects.exists() else None  # loading the key may create it
    previous_root = ""
    for seal in Seal.objects.order_by("pk").iterator(chunk_size=200):
        count += 1
        label = f"seal {seal.pk}"
        leaves = list(seal.leaves.order_by("index"))
        if len(leaves) != seal.leaf_count or [leaf.index for leaf in leaves] != list(range(len(leaves))):
            found.add(label, f"has {len(leaves)} leaves (indexes not 0…n-1 or count ≠ {seal.leaf_count})")
        computed = merkle.root([merkle.leaf_hash(leaf.stream, leaf.seq, leaf.head_hash) for leaf in leaves]).hex()
        if computed != seal.root:
            found.add(label, f"its leaves give root {computed[:16]}…, the seal says {seal.root[:16]}…")
        _check_seal_token(found, seal, trust)
        if seal.previous_root != previous_root:
            found.add(label, "previous_root does not match the seal before it")
        previous_root = seal.root
    return count


def _check_leaves(found: _Findings) -> None:
    """Each sealed head must still be in its chain: a rewrite after sealing shows here even when
    the chain was recomputed end to end."""
    by_stream: dict[str, list[SealLeaf]] = defaultdict(list)
    for leaf in SealLeaf.objects.order_by("stream", "seq").iterator(chunk_size=2000):
        by_stream[leaf.stream].append(leaf)
    for stream, leaves in by_stream.items():
        hashes = dict(
            Event.objects.filter(stream=stream, seq__in={leaf.seq for leaf in leaves}).values_list("seq", "hash")
        )
        for leaf in leaves:
            where = f"{stream} #{leaf.seq}"
            if leaf.seq not in hashes:
                found.add(where, f"sealed by seal {leaf.seal_id}, but the event is gone")
            elif hashes[leaf.seq] != leaf.head_hash:
                found.add(where, f"no longer matches the head sealed by seal {leaf.seal_id}")


def run_audit(*, now: datetime | None = None) -> AuditRun:
    """Check everything and record the run; ``run.problems`` name each failing item."""
    run = AuditRun.objects.create(started_at=now or timezone.now())
    found = _Findings()
    run.files_checked = _check_files(found) + _check_attachments(found)
    run.streams_checked = _check_streams(found)
    run.seals_checked = _check_seals(found)
    _check_leaves(found)
    run.problems = found.problems
    run.ok = not found.problems
    run.finished_at = timezone.now()
    run.save(update_fields=["files_checked", "streams_checked", "seals_checked", "problems", "ok", "finished_at"])
    return run


def last_audit() -> AuditRun | None:
    return AuditRun.objects.order_by("-pk").first()


def last_seal() -> Seal | None:
    return Seal.objects.order_by("-pk").first()


def status() -> dict[str, Any]:
    """The last seal and the last audit, for the operator dashboard and /api/v1/evidence/status."""
    seal, run = last_seal(), last_audit()
    return {
        "seal": None
        if seal is None
        else {
            "id": seal.pk,
            "created_at": seal.created_at,
            "stamped_at": seal.stamped_at,
            "method": seal.method,
            "leaf_count": seal.leaf_count,
            "root": seal.root,
        },
        "audit": None
        if run is None
        else {
            "id": run.pk,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "ok": run.ok,
            "files_checked": run.files_checked,
            "streams_checked": run.streams_checked,
            "seals_checked": run.seals_checked,
            "problems": run.problems,
        },
    }


def main(args: Any = None) -> int:
    """``kameng evidence audit``: prints every problem; exit status 1 if there is any."""
    run = run_audit()
    out = sys.stdout
    out.write(f"audit {run.pk}: {run.files_checked} files, {run.streams_checked} streams, {run.seals_checked} seals\n")
    for problem in run.problems:
        out.write(f"FAIL {problem['item']}: {problem['problem']}\n")
    out.write("OK\n" if run.ok else f"{len(run.problems)} problem(s)\n")
    return 0 if run.ok else 1
