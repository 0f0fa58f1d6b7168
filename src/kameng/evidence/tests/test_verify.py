"""The bundle side of the tampering matrix: build a real bundle, change it the way an attacker
would (fixing the manifest and checksums too, so only the chains and seals can tell), and check that
verify_bundle names exactly what was changed."""

# ruff: noqa: F811 (fixtures imported from e3_support are taken as parameters)

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from django.core.management import CommandError, call_command

from kameng.evidence.bundle import build_bundle
from kameng.evidence.tests.e3_support import (  # noqa: F401 (fixtures)
    _media,
    dump,
    load,
    other_case,
    read_zip,
    reseal_manifest,
    sealed_case,
    stamper,
    write_zip,
)
from kameng.evidence.verify import main, recompute_hash, verify_bundle
from kameng.orders.tests.conftest import card_product  # noqa: F401 (a fixture)

SHOT = "evidence/01-activation_error.png"


@pytest.fixture
def files(sealed_case, buyer):
    return read_zip(build_bundle(user=buyer, case_id=sealed_case.pk))


def problems_of(tmp_path, files, *, reseal=True):
    if reseal:
        reseal_manifest(files)
    path = tmp_path / "tampered.zip"
    write_zip(path, files)
    return [str(p) for p in verify_bundle(path)]


def test_untouched_bundle_has_no_problems(tmp_path, files):
    assert problems_of(tmp_path, files, reseal=False) == []


def test_changed_evidence_file_is_named_by_its_path(tmp_path, files):
    data = bytearray(files[SHOT])
    data[-1] ^= 1
    files[SHOT] = bytes(data)
    plain = problems_of(tmp_path, dict(files), reseal=False)
    assert any(p.startswith(f"{SHOT}: sha256 does not match the manifest") for p in plain)
    # With the manifest and checksums rewritten, the case timeline still gives it away.
    found = problems_of(tmp_path, files)
    assert len(found) == 1 and found[0].startswith(SHOT) and "recorded on the case timeline" in found[0]


def test_manifest_hash_mismatch_is_named(tmp_path, files):
    manifest = load(files, "manifest.json")
    entry = next(e for e in manifest["files"] if e["path"] == "order-timeline.json")
    entry["sha256"] = "0" * 64
    dump(files, "manifest.json", manifest)
    found = problems_of(tmp_path, files, reseal=False)
    assert any(p.startswith("order-timeline.json: sha256 does not match the manifest") for p in found)
    assert any(p.startswith("manifest.json: sha256 does not match checksums.sha256") for p in found)


def test_edited_event_payload_is_named_by_stream_seq_and_field(tmp_path, files, sealed_case):
    timeline = load(files, "case-timeline.json")
    event = timeline["events"][0]
    event["payload"]["description"] = "卡密有效"
    dump(files, "case-timeline.json", timeline)
    found = problems_of(tmp_path, files)
    assert f"{sealed_case.stream} #1: edited (payload): the content does not match the event's hash" in found


def test_edit_with_the_whole_chain_recomputed_still_fails_at_the_seal(tmp_path, files, sealed_case):
    timeline = load(files, "order-timeline.json")
    timeline["events"][0]["payload"]["amount_fen"] = 1
    prev = "0" * 64
    for event in timeline["events"]:  # a forger who knows the format rebuilds every hash and link
        event["prev_hash"] = prev
        event["hash"] = prev = recompute_hash(event)
        event.pop("digests")
    dump(files, "order-timeline.json", timeline)
    found = problems_of(tmp_path, files)
    order = sealed_case.order.stream
    assert len(found) == 1, found
    assert found[0].startswith(f"{order} #") and "does not match the head sealed by seal" in found[0]


def test_swapped_events_are_named(tmp_path, files, sealed_case):
    timeline = load(files, "case-timeline.json")
    events = timeline["events"]
    events[1]["seq"], events[2]["seq"] = events[2]["seq"], events[1]["seq"]  # as the SQL swap does
    events[1], events[2] = events[2], events[1]
    dump(files, "case-timeline.json", timeline)
    found = problems_of(tmp_path, files)
    stream = sealed_case.stream
    assert f"{stream} #2: edited (seq): the content does not match the event's hash" in found
    assert f"{stream} #3: edited (seq): the content does not match the event's hash" in found
    assert any(p.startswith(f"{stream} #2: broken link") for p in found)


def test_reordered_list_is_named(tmp_path, files, sealed_case):
    timeline = load(files, "case-timeline.json")
    events = timeline["events"]
    events[1], events[2] = events[2], events[1]
    dump(files, "case-timeline.json", timeline)
    found = problems_of(tmp_path, files)
    assert any(p.startswith(f"{sealed_case.stream} #3: gap") for p in found)
    assert any(p.startswith(f"{sealed_case.stream} #2: out of order") for p in found)


def test_deleted_event_is_named(tmp_path, files, sealed_case):
    timeline = load(files, "case-timeline.json")
    del timeline["events"][1]
    dump(files, "case-timeline.json", timeline)
    found = problems_of(tmp_path, files)
    assert f"{sealed_case.stream} #3: gap: expected #2; #2 deleted or moved" in found


def test_deleted_sealed_head_is_named(tmp_path, files, sealed_case):
    proof_name = next(n for n in files if n.startswith("proofs/order-"))
    sealed_seq = load(files, proof_name)["leaf"]["seq"]
    timeline = load(files, "order-timeline.json")
    timeline["events"] = [e for e in timeline["events"] if e["seq"] < sealed_seq]
    dump(files, "order-timeline.json", timeline)
    found = problems_of(tmp_path, files)
    assert any(p.startswith(f"{sealed_case.order.stream} #{sealed_seq}: the sealed event is missing") for p in found)


def test_evidence_file_swapped_from_another_case_is_named(tmp_path, files, other_case, other_buyer):
    theirs = read_zip(build_bundle(user=other_buyer, case_id=other_case.pk))
    assert theirs[SHOT] != files[SHOT]
    files[SHOT] = theirs[SHOT]
    found = problems_of(tmp_path, files)
    assert len(found) == 1 and found[0].startswith(f"{SHOT}: sha256") and "case timeline" in found[0]


def _seal_name(files):
    return next(n for n in files if n.startswith("seals/") and n.endswith(".json"))


def test_altered_seal_root_is_named(tmp_path, files):
    name = _seal_name(files)
    seal = load(files, name)
    seal["root"] = hashlib.sha256(b"another tree").hexdigest()
    dump(files, name, seal)
    found = problems_of(tmp_path, files)
    label = f"seal {seal['id']}"
    assert any(p.startswith(f"{label}: the ed25519 token does not verify") for p in found)
    assert any("but seal" in p and p.startswith("proofs/") for p in found)  # the proofs lead elsewhere


def test_altered_seal_token_is_named(tmp_path, files):
    name = _seal_name(files)
    seal = load(files, name)
    token = json.loads(base64.b64decode(seal["token_b64"]))
    token["stamped_at"] = "2020-01-01T00:00:00.000000Z"  # backdated
    seal["token_b64"] = base64.b64encode(json.dumps(token).encode()).decode()
    dump(files, name, seal)
    found = problems_of(tmp_path, files)
    assert any(p.startswith(f"seal {seal['id']}: the ed25519 token does not verify") for p in found)


def test_proof_that_does_not_lead_to_the_root_is_named(tmp_path, files):
    name = next(n for n in files if n.startswith("proofs/"))
    proof = load(files, name)
    side, _sibling = proof["merkle_path"][0]
    proof["merkle_path"][0] = [side, "0" * 64]
    dump(files, name, proof)
    found = problems_of(tmp_path, files)
    assert any(p.startswith(name) and "merkle" in p for p in found), found


def test_not_a_zip_and_foreign_files(tmp_path, files):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    assert [p.item for p in verify_bundle(junk)] == [str(junk)]
    files["evidence/99-extra.png"] = b"x"
    found = problems_of(tmp_path, files, reseal=False)
    assert "evidence/99-extra.png: in the bundle but not listed in the manifest" in found


def test_main_prints_and_exits_non_zero(tmp_path, files, capsys):
    good = tmp_path / "good.zip"
    write_zip(good, files)
    assert main([str(good)]) == 0
    assert "OK" in capsys.readouterr().out
    files[SHOT] = b"changed"
    bad = tmp_path / "bad.zip"
    write_zip(bad, files)
    assert main([str(bad)]) == 1
    assert f"FAIL {SHOT}" in capsys.readouterr().out
    # The same through `kameng evidence verify`.
    call_command("evidence", "verify", str(good))
    with pytest.raises(CommandError, match="FAILED"):
        call_command("evidence", "verify", str(bad))
