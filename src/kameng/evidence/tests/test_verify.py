"""The bundle side of the tampering matrix: build a real bundle, change it the way an attacker
would (fixing the manifest and checksums too, so only the chains and seals can tell), and check that
verify_bundle names exactly what was changed."""

# ruff: noqa: F811 (fixtures imported from e3_support are taken as parameters)

from __future__ import annotations

import base64
import hashlib
import json
import warnings
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command

from kameng.evidence import merkle, tsa, verify
from kameng.evidence.bundle import build_bundle
from kameng.evidence.tests.e3_support import (  # noqa: F401 (fixtures)
    _media,
    dump,
    forger,
    load,
    other_case,
    read_zip,
    reseal_manifest,
    sealed_case,
    stamper,
    trusted_key,
    write_zip,
)
from kameng.evidence.verify import NOT_TRUSTED, TIMELINE_FILES, main, recompute_hash, token_files, verify_bundle
from kameng.orders.tests.conftest import card_product  # noqa: F401 (a fixture)
from kameng.timeline.canonical import HASHED_FIELDS, format_time

SHOT = "evidence/01-activation_error.png"


@pytest.fixture
def files(sealed_case, buyer):
    return read_zip(build_bundle(user=buyer, case_id=sealed_case.pk))


@pytest.fixture
def check(tmp_path, trusted_key):
    """verify_bundle of ``files`` written as a ZIP, trusting the platform's published key."""

    def problems_of(files, *, reseal=True, **trust):
        if reseal:
            reseal_manifest(files)
        path = tmp_path / "tampered.zip"
        write_zip(path, files)
        trust.setdefault("trusted_keys", [trusted_key])
        return [str(p) for p in verify_bundle(path, **trust)]

    return problems_of


def test_untouched_bundle_has_no_problems(check, files):
    assert check(files, reseal=False) == []


def test_changed_evidence_file_is_named_by_its_path(check, files):
    data = bytearray(files[SHOT])
    data[-1] ^= 1
    files[SHOT] = bytes(data)
    plain = check(dict(files), reseal=False)
    assert any(p.startswith(f"{SHOT}: sha256 does not match the manifest") for p in plain)
    # With the manifest and checksums rewritten, the case timeline still gives it away.
    found = check(files)
    assert len(found) == 1 and found[0].startswith(SHOT) and "recorded on the case timeline" in found[0]


def test_manifest_hash_mismatch_is_named(check, files):
    manifest = load(files, "manifest.json")
    entry = next(e for e in manifest["files"] if e["path"] == "order-timeline.json")
    entry["sha256"] = "0" * 64
    dump(files, "manifest.json", manifest)
    found = check(files, reseal=False)
    assert any(p.startswith("order-timeline.json: sha256 does not match the manifest") for p in found)
    assert any(p.startswith("manifest.json: sha256 does not match checksums.sha256") for p in found)


def test_edited_event_payload_is_named_by_stream_seq_and_field(check, files, sealed_case):
    timeline = load(files, "case-timeline.json")
    event = timeline["events"][0]
    event["payload"]["description"] = "卡密有效"
    dump(files, "case-timeline.json", timeline)
    found = check(files)
    assert f"{sealed_case.stream} #1: edited (payload): the content does not match the event's hash" in found


def test_edit_with_the_whole_chain_recomputed_still_fails_at_the_seal(check, files, sealed_case):
    timeline = load(files, "order-timeline.json")
    timeline["events"][0]["payload"]["amount_fen"] = 1
    prev = "0" * 64
    for event in timeline["events"]:  # a forger who knows the format rebuilds every hash and link
        event["prev_hash"] = prev
        event["hash"] = prev = recompute_hash(event)
        event.pop("digests")
    dump(files, "order-timeline.json", timeline)
    found = check(files)
    order = sealed_case.order.stream
    assert len(found) == 1, found
    assert found[0].startswith(f"{order} #") and "does not match the head sealed by seal" in found[0]


def test_swapped_events_are_named(check, files, sealed_case):
    timeline = load(files, "case-timeline.json")
    events = timeline["events"]
    events[1]["seq"], events[2]["seq"] = events[2]["seq"], events[1]["seq"]  # as the SQL swap does
    events[1], events[2] = events[2], events[1]
    dump(files, "case-timeline.json", timeline)
    found = check(files)
    stream = sealed_case.stream
    assert f"{stream} #2: edited (seq): the content does not match the event's hash" in found
    assert f"{stream} #3: edited (seq): the content does not match the event's hash" in found
    assert any(p.startswith(f"{stream} #2: broken link") for p in found)


def test_reordered_list_is_named(check, files, sealed_case):
    timeline = load(files, "case-timeline.json")
    events = timeline["events"]
    events[1], events[2] = events[2], events[1]
    dump(files, "case-timeline.json", timeline)
    found = check(files)
    assert any(p.startswith(f"{sealed_case.stream} #3: gap") for p in found)
    assert any(p.startswith(f"{sealed_case.stream} #2: out of order") for p in found)


def test_deleted_event_is_named(check, files, sealed_case):
    timeline = load(files, "case-timeline.json")
    del timeline["events"][1]
    dump(files, "case-timeline.json", timeline)
    found = check(files)
    assert f"{sealed_case.stream} #3: gap: expected #2; #2 deleted or moved" in found


def test_deleted_sealed_head_is_named(check, files, sealed_case):
    proof_name = next(n for n in files if n.startswith("proofs/order-"))
    sealed_seq = load(files, proof_name)["leaf"]["seq"]
    timeline = load(files, "order-timeline.json")
    timeline["events"] = [e for e in timeline["events"] if e["seq"] < sealed_seq]
    dump(files, "order-timeline.json", timeline)
    found = check(files)
    assert any(p.startswith(f"{sealed_case.order.stream} #{sealed_seq}: the sealed event is missing") for p in found)


def test_evidence_file_swapped_from_another_case_is_named(check, files, other_case, other_buyer):
    theirs = read_zip(build_bundle(user=other_buyer, case_id=other_case.pk))
    assert theirs[SHOT] != files[SHOT]
    files[SHOT] = theirs[SHOT]
    found = check(files)
    assert len(found) == 1 and found[0].startswith(f"{SHOT}: sha256") and "case timeline" in found[0]


def _seal_name(files):
    return next(n for n in files if n.startswith("seals/") and n.endswith(".json"))


def test_altered_seal_root_is_named(check, files):
    name = _seal_name(files)
    seal = load(files, name)
    seal["root"] = hashlib.sha256(b"another tree").hexdigest()
    dump(files, name, seal)
    found = check(files)
    label = f"seal {seal['id']}"
    assert any(p.startswith(f"{label}: the ed25519 token does not verify") for p in found)
    assert any("but seal" in p and p.startswith("proofs/") for p in found)  # the proofs lead elsewhere


def test_altered_seal_token_is_named(check, files):
    name = _seal_name(files)
    seal = load(files, name)
    token = json.loads(base64.b64decode(seal["token_b64"]))
    token["stamped_at"] = "2020-01-01T00:00:00.000000Z"  # backdated
    seal["token_b64"] = base64.b64encode(json.dumps(token).encode()).decode()
    dump(files, name, seal)
    found = check(files)
    assert any(p.startswith(f"seal {seal['id']}: the ed25519 token does not verify") for p in found)


def test_proof_that_does_not_lead_to_the_root_is_named(check, files):
    name = next(n for n in files if n.startswith("proofs/"))
    proof = load(files, name)
    side, _sibling = proof["merkle_path"][0]
    proof["merkle_path"][0] = [side, "0" * 64]
    dump(files, name, proof)
    found = check(files)
    assert any(p.startswith(name) and "merkle" in p for p in found), found


def test_not_a_zip_and_foreign_files(tmp_path, check, files):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    assert [p.item for p in verify_bundle(junk)] == [str(junk)]
    files["evidence/99-extra.png"] = b"x"
    found = check(files, reseal=False)
    assert "evidence/99-extra.png: in the bundle but not listed in the manifest" in found


def test_main_needs_a_trusted_key_and_the_command_defaults_to_the_platforms(tmp_path, files, trusted_key, capsys):
    key_file = tmp_path / "seal-ed25519.pem"
    key_file.write_text(trusted_key)
    good = tmp_path / "good.zip"
    write_zip(good, files)
    assert main([str(good), "--trusted-key", str(key_file)]) == 0
    assert "OK" in capsys.readouterr().out
    # Offline there is no platform to ask: without an anchor it refuses to say "OK".
    assert main([str(good)]) == 2
    assert "/evidence/keys/" in capsys.readouterr().err
    files[SHOT] = b"changed"
    bad = tmp_path / "bad.zip"
    write_zip(bad, files)
    assert main([str(bad), "--trusted-key", str(key_file)]) == 1
    assert f"FAIL {SHOT}" in capsys.readouterr().out
    # `kameng evidence verify` on the platform host trusts the configured key with no options...
    call_command("evidence", "verify", str(good))
    with pytest.raises(CommandError, match="FAILED"):
        call_command("evidence", "verify", str(bad))
    # ...and only the keys it is given when it is given some.
    other = tmp_path / "other.pem"
    other.write_text(tsa.Ed25519Timestamper(Ed25519PrivateKey.generate()).public_pem)
    with pytest.raises(CommandError, match="FAILED"):
        call_command("evidence", "verify", str(good), "--trusted-key", str(other))
    call_command("evidence", "verify", str(good), "--trusted-key", str(key_file))
    with pytest.raises(CommandError, match="not a PEM public key"):
        call_command("evidence", "verify", str(good), "--trusted-key", str(bad))


# --- trust: only the keys the platform publishes count ---------------------------------------------


def test_genuine_bundle_is_not_trusted_without_a_trusted_key(check, files):
    seal = load(files, _seal_name(files))
    assert check(files, reseal=False, trusted_keys=None) == [f"seal {seal['id']}: {NOT_TRUSTED}"]
    assert check(files, reseal=False) == []


def forge(files: dict[str, bytes], key: tsa.Ed25519Timestamper) -> None:
    """A forger's bundle made from scratch: an edited event, every chain rebuilt, a new Merkle tree
    over the new heads, signed with the forger's own key, which the bundle then carries."""
    for name in TIMELINE_FILES.values():
        timeline = load(files, name)
        if name == "case-timeline.json":
            timeline["events"][0]["payload"]["description"] = "卡密有效，买家撒谎"
        prev = "0" * 64
        for event in timeline["events"]:
            event["prev_hash"] = prev
            event["hash"] = prev = recompute_hash(event)
            event.pop("digests", None)
        dump(files, name, timeline)
    events = {}
    for name in TIMELINE_FILES.values():
        timeline = load(files, name)
        events[timeline["stream"]] = {event["seq"]: event for event in timeline["events"]}
    proof_names = sorted(n for n in files if n.startswith("proofs/"))
    proofs = [load(files, n) for n in proof_names]
    for proof in proofs:
        head = events[proof["leaf"]["stream"]][proof["leaf"]["seq"]]
        proof["event"] = {name: head[name] for name in HASHED_FIELDS}
        proof["chain"] = []
        proof["leaf"]["head_hash"] = head["hash"]
    leaves = [merkle.leaf_hash(p["leaf"]["stream"], p["leaf"]["seq"], p["leaf"]["head_hash"]) for p in proofs]
    root = merkle.root(leaves).hex()
    stamp = key.stamp(root)
    seal_name = _seal_name(files)
    seal = load(files, seal_name)
    seal.update(
        root=root,
        leaf_count=len(leaves),
        stamped_at=format_time(stamp.stamped_at),
        token_b64=base64.b64encode(stamp.token).decode(),
        verifier_pem=stamp.verifier_pem,
    )
    dump(files, seal_name, seal)
    stem = seal_name.removesuffix(".json")
    for suffix, data in token_files(seal["method"], stamp.token, root).items():
        files[stem + suffix] = data
    files[stem + ".pem"] = stamp.verifier_pem.encode()
    for index, (name, proof) in enumerate(zip(proof_names, proofs, strict=True)):
        proof["leaf"]["index"] = index
        proof["merkle_path"] = [list(step) for step in merkle.proof(leaves, index)]
        proof["seal"].update({key: seal[key] for key in ("root", "stamped_at", "token_b64", "verifier_pem")})
        dump(files, name, proof)
    reseal_manifest(files)


def test_bundle_forged_from_scratch_with_a_fresh_key_is_named(check, files, forger, trusted_key):
    forge(files, forger)
    seal = load(files, _seal_name(files))
    # Consistent in itself: trusting the key it carries (the old verifier's mistake) finds nothing.
    assert check(dict(files), reseal=False, trusted_keys=[forger.public_pem]) == []
    found = check(files, reseal=False)
    assert any(p.startswith(f"seal {seal['id']}: signed by a key that is not trusted") for p in found), found
    assert all(p.startswith((f"seal {seal['id']}:", "proofs/")) for p in found), found
    assert any(p.startswith("proofs/") and "key other than the trusted one" in p for p in found), found
    assert check(files, reseal=False, trusted_keys=None) == [f"seal {seal['id']}: {NOT_TRUSTED}"]


def test_verify_bundle_refuses_a_trusted_key_that_is_not_one(tmp_path, files):
    path = tmp_path / "b.zip"
    write_zip(path, files)
    with pytest.raises(ValueError, match="trusted key 1"):
        verify_bundle(path, trusted_keys=["not a key"])


# --- both ways: every upload the timeline remembers is in the bundle --------------------------------


def _drop(files: dict[str, bytes], path: str) -> None:
    """Delete a file and every trace of it in the manifest (checksums follow in reseal_manifest)."""
    del files[path]
    manifest = load(files, "manifest.json")
    manifest["files"] = [e for e in manifest["files"] if e["path"] != path]
    manifest["evidence"] = [e for e in manifest["evidence"] if e["path"] != path]
    dump(files, "manifest.json", manifest)


@pytest.mark.parametrize("path", [SHOT, "evidence/02-supplier_proof.txt"])  # the second one is withdrawn
def test_deleted_evidence_file_and_its_manifest_entry_are_named(check, files, sealed_case, path):
    entry = next(e for e in load(files, "manifest.json")["evidence"] if e["path"] == path)
    event = next(
        e
        for e in load(files, "case-timeline.json")["events"]
        if e["kind"] == "evidence.added" and e["payload"]["item"] == entry["item"]
    )
    _drop(files, path)
    found = check(files)
    assert found == [
        f"{sealed_case.stream} #{event['seq']}: evidence.added for item {entry['item']} "
        f"(sha256 {entry['sha256'][:16]}…): its file is not in the bundle"
    ]


def test_evidence_file_without_its_event_is_named(check, files, sealed_case):
    manifest = load(files, "manifest.json")
    manifest["evidence"] = [e for e in manifest["evidence"] if e["path"] != SHOT]
    dump(files, "manifest.json", manifest)
    found = check(files)
    assert f"{SHOT}: an evidence file with no evidence.added event on {sealed_case.stream}" in found


# --- hostile bundles: named, never followed, never a crash -----------------------------------------


def test_duplicate_manifest_paths_are_named_and_read_once(check, files, monkeypatch):
    manifest = load(files, "manifest.json")
    entry = next(e for e in manifest["files"] if e["path"] == SHOT)
    manifest["files"].extend([dict(entry)] * 999)
    dump(files, "manifest.json", manifest)
    reads = []
    consume = verify._Bundle._consume

    def counting(self, name, **kwargs):
        reads.append(name)
        return consume(self, name, **kwargs)

    monkeypatch.setattr(verify._Bundle, "_consume", counting)
    found = check(files)
    assert f"{SHOT}: listed 1000 times in the manifest (duplicate path)" in found
    assert reads.count(SHOT) == 1


def test_duplicate_member_names_are_named(tmp_path, files, trusted_key):
    path = tmp_path / "dup.zip"
    write_zip(path, files)
    with warnings.catch_warnings(), zipfile.ZipFile(path, "a") as zf:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it is told to write
        zf.writestr(SHOT, b"a second, different copy")
    found = [str(p) for p in verify_bundle(path, trusted_keys=[trusted_key])]
    assert f"{SHOT}: appears 2 times in the ZIP (duplicate member name); not read" in found


def test_entry_over_the_size_caps_is_named_not_read(check, files, monkeypatch):
    files["evidence-list.json"] = b" " * 3_000_000  # compresses to a few KB: bomb-ish
    monkeypatch.setattr(verify, "MAX_ENTRY_BYTES", 1_000_000)
    assert "evidence-list.json: larger than 1000000 bytes; not read" in check(dict(files))
    monkeypatch.setattr(verify, "MAX_ENTRY_BYTES", 10_000_000)
    monkeypatch.setattr(verify, "MAX_TOTAL_BYTES", 2_000_000)
    found = check(files)
    assert any("the bundle decompresses to more than 2000000 bytes; stopped reading" in p for p in found), found


@pytest.mark.parametrize("depth", [100, 200_000])
def test_deeply_nested_json_is_invalid_json_not_a_crash(check, files, depth):
    files["case-timeline.json"] = b"[" * depth + b"]" * depth
    found = check(files)
    assert any(p.startswith("case-timeline.json: invalid JSON (nested") for p in found), found


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil.txt", "a '..' component"),
        ("evidence/../../evil.txt", "a '..' component"),
        ("/etc/cron.d/evil", "an absolute path"),
        ("C:/Windows/evil.txt", "a drive letter"),
        ("evidence\\..\\evil.txt", "a backslash"),
    ],
)
def test_unsafe_member_names_are_named(check, files, name, reason):
    files[name] = b"x"
    found = check(files)
    assert f"{name}: unsafe member name ({reason}): not read, do not extract this ZIP blindly" in found
