"""Offline verification of an evidence bundle: ``kameng evidence verify BUNDLE.zip``.

Runs on a machine where Kameng's database is gone: only the standard library, ``cryptography``,
``rfc3161-client`` (through ``evidence.tsa``), ``timeline.canonical`` and ``evidence.merkle``. No
Django settings, no database — keep it that way (tests/test_offline.py runs it in a clean process).

What anchors what (each link is checked, and a broken link is named):

    evidence file ──sha256──▶ "evidence.added" event on the case timeline
    every event ──prev_hash──▶ the event before it (recomputed with timeline.canonical)
    the last sealed event of each stream ──head_hash──▶ a Merkle leaf (proofs/…)
    leaf ──merkle_path──▶ the seal's root ──token──▶ an Ed25519 signature or an RFC 3161 timestamp

The manifest and checksums.sha256 only say which file is which: someone who rewrites a file can
rewrite them too, but not the timeline events, and not the seal token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kameng.timeline.canonical import HASHED_FIELDS, ZERO_HASH, canonical_json, field_digests

FORMAT = "kameng-evidence-bundle"
VERSION = 1
MANIFEST = "manifest.json"
CHECKSUMS = "checksums.sha256"
TIMELINE_FILES = {"order": "order-timeline.json", "case": "case-timeline.json"}
# A bundle is read entry by entry; refuse absurd sizes instead of filling memory (zip bombs).
MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_ENTRY_BYTES = 2 * 1024 * 1024 * 1024
_CHUNK = 1024 * 1024
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


@dataclass(frozen=True)
class Problem:
    item: str  # what failed: a path in the bundle, "case:5 #3", "seal 7"
    problem: str

    def __str__(self) -> str:
        return f"{self.item}: {self.problem}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # not failures: e.g. events newer than the last seal
    files: int = 0
    events: int = 0
    seals: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, item: str, problem: str) -> None:
        self.problems.append(Problem(item, problem))


def stream_slug(stream: str) -> str:
    """``case:5`` → ``case-5``: a colon is not a portable file-name character."""
    return stream.replace(":", "-")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)


def event_fields(event: dict) -> dict[str, Any]:
    """The hashed fields of an exported event, as ``timeline.canonical`` takes them."""
    fields = {name: event[name] for name in HASHED_FIELDS}
    fields["created_at"] = parse_time(fields["created_at"])
    return fields


def recompute_hash(event: dict) -> str:
    """The event's hash from its own fields: exactly the canonical JSON the platform hashed."""
    content = {name: event.get(name) for name in HASHED_FIELDS}
    return sha256_hex(canonical_json(content).encode("utf-8"))


def _where(stream: str, seq: Any) -> str:
    return f"{stream} #{seq}"


# --- reading the ZIP ------------------------------------------------------------------------------


class _Bundle:
    def __init__(self, zf: zipfile.ZipFile, report: Report):
        self.zf = zf
        self.report = report
        self.names = {info.filename: info for info in zf.infolist() if not info.is_dir()}

    def digest(self, name: str) -> str | None:
        info = self.names.get(name)
        if info is None:
            return None
        if info.file_size > MAX_ENTRY_BYTES:
            self.report.add(name, f"larger than {MAX_ENTRY_BYTES} bytes; not read")
            return None
        h = hashlib.sha256()
        try:
            with self.zf.open(info) as fh:
                while chunk := fh.read(_CHUNK):
                    h.update(chunk)
        except (zipfile.BadZipFile, OSError, RuntimeError) as exc:  # CRC error, encrypted entry
            self.report.add(name, f"cannot be read from the ZIP ({exc})")
            return None
        return h.hexdigest()

    def read(self, name: str, *, limit: int = MAX_JSON_BYTES) -> bytes | None:
        info = self.names.get(name)
        if info is None:
            return None
        if info.file_size > limit:
            self.report.add(name, f"larger than {limit} bytes; not read")
            return None
        try:
            return self.zf.read(info)
        except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
            self.report.add(name, f"cannot be read from the ZIP ({exc})")
            return None

    def json(self, name: str, *, required: bool = True) -> Any:
        data = self.read(name)
        if data is None:
            if required and name not in self.names:
                self.report.add(name, "missing from the bundle")
            return None
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            self.report.add(name, f"is not valid JSON ({exc})")
            return None


# --- the checks ------------------------------------------------------------------------------------


def _check_files(bundle: _Bundle, manifest: dict) -> dict[str, str]:
    """Every file the manifest lists is there with the hash it states; nothing else is there;
    checksums.sha256 agrees. Returns the actual hash of every file read."""
    report = bundle.report
    actual: dict[str, str] = {}
    listed = manifest.get("files")
    if not isinstance(listed, list):
        report.add(MANIFEST, "has no file list")
        listed = []
    declared: dict[str, str] = {}
    for entry in listed:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            report.add(MANIFEST, f"unreadable file entry {entry!r}")
            continue
        path, want = entry["path"], entry.get("sha256")
        declared[path] = want
        got = bundle.digest(path)
        if got is None:
            if path not in bundle.names:
                report.add(path, "listed in the manifest but missing from the bundle")
            continue
        actual[path] = got
        report.files += 1
        if got != want:
            report.add(path, f"sha256 does not match the manifest (manifest {str(want)[:16]}…, file {got[:16]}…)")
    for name in sorted(set(bundle.names) - set(declared) - {MANIFEST, CHECKSUMS}):
        report.add(name, "in the bundle but not listed in the manifest")

    # checksums.sha256 is for `sha256sum -c`; it must say the same as the manifest and the files.
    raw = bundle.read(CHECKSUMS)
    if raw is None:
        if CHECKSUMS not in bundle.names:
            report.add(CHECKSUMS, "missing from the bundle")
        return actual
    actual[MANIFEST] = bundle.digest(MANIFEST) or ""
    seen = set()
    for number, line in enumerate(raw.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        digest, sep, path = line.partition("  ")
        if not sep:
            report.add(CHECKSUMS, f"line {number} is not '<sha256>  <path>'")
            continue
        seen.add(path)
        if path not in actual:
            if path not in bundle.names:
                report.add(path, f"listed in {CHECKSUMS} but missing from the bundle")
            continue
        if digest != actual[path]:
            report.add(path, f"sha256 does not match {CHECKSUMS}")
    for path in sorted(set(actual) - seen):
        report.add(path, f"not listed in {CHECKSUMS}")
    return actual


def _check_chain(report: Report, stream: str, events: Any, source: str) -> dict[int, dict]:
    """Recompute one exported stream: each hash from its fields, each link to the one before.
    Returns the events by seq (those whose seq is readable)."""
    by_seq: dict[int, dict] = {}
    if not isinstance(events, list):
        report.add(source, "has no event list")
        return by_seq
    expected_seq, prev_hash, prev_time = 1, ZERO_HASH, None
    for position, event in enumerate(events, 1):
        if not isinstance(event, dict) or not all(name in event for name in HASHED_FIELDS):
            report.add(f"{source} event {position}", "is missing hashed fields")
            continue
        seq = event["seq"]
        where = _where(stream, seq)
        report.events += 1
        if event["stream"] != stream:
            report.add(where, f"belongs to stream {event['stream']!r}, not {stream!r}")
        recomputed = recompute_hash(event)
        if recomputed != event.get("hash"):
            for name in _changed_fields(event):
                report.add(where, f"edited ({name}): the content does not match the event's hash")
        if not isinstance(seq, int) or isinstance(seq, bool):
            report.add(where, "seq is not a number")
            continue
        if seq != expected_seq:
            if seq > expected_seq:
                missing = f"#{expected_seq}" if seq == expected_seq + 1 else f"#{expected_seq}–#{seq - 1}"
                report.add(where, f"gap: expected #{expected_seq}; {missing} deleted or moved")
            else:
                report.add(where, f"out of order: comes after #{expected_seq - 1} (events reordered or duplicated)")
        elif event.get("prev_hash") != prev_hash:
            report.add(
                where, "broken link (prev_hash): does not match the previous event's hash (reordered or replaced)"
            )
        try:
            moment = parse_time(event["created_at"])
        except (TypeError, ValueError):
            moment = None
        if moment is not None and prev_time is not None and moment < prev_time:
            report.add(where, "time goes backwards (created_at): earlier than the previous event")
        # Chain on the recomputed hash: a forged "hash" field must not make the next link look right.
        by_seq.setdefault(seq, {**event, "_recomputed": recomputed})
        expected_seq, prev_hash, prev_time = seq + 1, recomputed, moment or prev_time
    return by_seq


def _changed_fields(event: dict) -> list[str]:
    # The event hash proves that something changed; the exported per-field digests say what. If the
    # digests were altered as well, name the hash itself.
    stored = event.get("digests") if isinstance(event.get("digests"), dict) else {}
    try:
        now = field_digests(**event_fields(event))
    except (TypeError, ValueError, KeyError):
        return ["created_at"]
    changed = [name for name in HASHED_FIELDS if stored.get(name) != now[name]]
    return changed or ["hash"]


def _check_seal(bundle: _Bundle, path: str) -> dict | None:
    """One seals/<id>.json: its token verifies over its root, and the .tsr/.sig and .pem beside it
    say the same thing. Returns the seal if it is readable."""
    from kameng.evidence import tsa

    report = bundle.report
    seal = bundle.json(path)
    if not isinstance(seal, dict):
        return None
    label = f"seal {seal.get('id', path)}"
    try:
        token = base64.b64decode(seal["token_b64"], validate=True)
        root, method, pem = seal["root"], seal["method"], seal["verifier_pem"]
    except (KeyError, TypeError, binascii.Error) as exc:
        report.add(label, f"unreadable seal record ({exc})")
        return None
    report.seals += 1
    try:
        stamped_at = tsa.verify_stamp(method, root, token, pem)
    except ValueError as exc:
        report.add(label, f"the {method} token does not verify over root {str(root)[:16]}…: {exc}")
        return seal
    except Exception as exc:  # a malformed token can make a parser raise anything; it is still a failure
        report.add(label, f"the {method} token cannot be read: {exc.__class__.__name__}: {exc}")
        return seal
    claimed = seal.get("stamped_at")
    if claimed and _same_moment(claimed, stamped_at) is False:
        report.add(label, f"stamped_at {claimed} differs from the time in the token ({stamped_at.isoformat()})")
    stem = path.removesuffix(".json")
    try:
        expected = token_files(method, token, root)
    except ValueError:
        expected = {}
    for suffix, data in expected.items():
        raw = bundle.read(stem + suffix)
        if raw is not None and raw != data:
            report.add(stem + suffix, f"differs from the token in {path}")
    pem_file = bundle.read(stem + ".pem")
    if pem_file is not None and pem_file.decode("utf-8", "replace").strip() != pem.strip():
        report.add(stem + ".pem", f"differs from the verifier in {path}")
    return seal


def token_files(method: str, token: bytes, root_hex: str) -> dict[str, bytes]:
    """A seal token as the files standard tools read (the bundle writes them beside the seal):

    - rfc3161: ``.tsr`` the DER TimeStampResp and ``.data`` the 32 root bytes whose SHA-256 the
      TSA stamped (``openssl ts -verify -data X.data -in X.tsr -CAfile X.pem``);
    - ed25519: ``.sig`` the raw signature and ``.msg`` the exact signed bytes
      (``openssl pkeyutl -verify -pubin -inkey X.pem -rawin -in X.msg -sigfile X.sig``).
    """
    from kameng.evidence import tsa

    try:
        root = bytes.fromhex(root_hex)
    except (TypeError, ValueError) as exc:
        raise ValueError("the root is not hex") from exc
    if method == tsa.RFC3161:
        return {".tsr": bytes(token), ".data": root}
    if method == tsa.ED25519:
        try:
            doc = json.loads(bytes(token).decode("utf-8"))
            signature = base64.b64decode(doc["sig"], validate=True)
            message = tsa.SIGNING_PREFIX + root_hex.encode("ascii") + b":" + doc["stamped_at"].encode("ascii")
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeError) as exc:
            raise ValueError(f"malformed Ed25519 token: {exc}") from exc
        return {".sig": signature, ".msg": message}
    raise ValueError(f"unknown timestamp method {method!r}")


def _same_moment(text: str, moment: datetime) -> bool | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    if parsed.tzinfo is None:
        return None
    return abs((parsed - moment).total_seconds()) < 1


def _check_proof(report: Report, path: str, proof: Any, seals: dict[str, dict], timelines: dict[str, dict]) -> None:
    """One inclusion proof: event → chain → leaf → Merkle path → the seal's root; and the exported
    timeline holds that very event at that seq."""
    from kameng.evidence import merkle

    if not isinstance(proof, dict):
        return
    try:
        leaf, seal, event = proof["leaf"], proof["seal"], proof["event"]
        stream, seq, head_hash = leaf["stream"], leaf["seq"], leaf["head_hash"]
        seal_id, root = str(seal["id"]), seal["root"]
        if not isinstance(event, dict):
            raise TypeError("the event is not an object")
    except (KeyError, TypeError, ValueError) as exc:
        report.add(path, f"unreadable proof ({exc})")
        return
    where = _where(stream, seq)
    # event → chain → leaf → Merkle path → root → token: the sealing module's own offline check.
    try:
        problems = merkle.verify_event_proof(proof)
    except Exception as exc:  # a malformed proof may make a parser raise anything; still a failure
        problems = [f"unreadable ({exc.__class__.__name__}: {exc})"]
    for problem in problems:
        report.add(path, f"{where}: {problem}")
    sealed = seals.get(seal_id)
    if sealed is None:
        report.add(path, f"refers to seal {seal_id}, which is not in the bundle")
    elif sealed.get("root") != root:
        report.add(path, f"names root {str(root)[:16]}… but seal {seal_id} stamped {str(sealed.get('root'))[:16]}…")
    # The exported timeline holds the sealed head event itself.
    exported = timelines.get(stream)
    if exported is None:
        report.add(path, f"proves {where}, a stream that is not in the bundle")
        return
    found = exported.get(seq)
    if found is None:
        report.add(where, f"the sealed event is missing from the timeline (sealed by seal {seal_id})")
    elif found["_recomputed"] != head_hash:
        report.add(where, f"does not match the head sealed by seal {seal_id}")


def _check_evidence(report: Report, manifest: dict, case_events: dict[int, dict], case_stream: str) -> None:
    """Each evidence file's hash is the one its "evidence.added" event recorded when it arrived:
    the file cannot be swapped (with another case's) without breaking the case's chain."""
    added: dict[Any, dict] = {}
    for event in case_events.values():
        payload = event.get("payload")
        if event.get("kind") == "evidence.added" and isinstance(payload, dict):
            added.setdefault(payload.get("item"), event)
    items = manifest.get("evidence") or []
    if not isinstance(items, list):
        report.add(MANIFEST, "the evidence list is unreadable")
        return
    for entry in items:
        if not isinstance(entry, dict):
            report.add(MANIFEST, f"unreadable evidence entry {entry!r}")
            continue
        path = str(entry.get("path") or f"evidence item {entry.get('item')}")
        actual = entry.get("_actual")
        event = added.get(entry.get("item"))
        if event is None:
            report.add(path, f"no evidence.added event for item {entry.get('item')} on {case_stream}")
            continue
        recorded = event["payload"].get("sha256")
        if entry.get("missing"):
            report.add(path, "the platform could not read the stored file when the bundle was made")
            continue
        if actual is None:
            continue  # already reported: missing from the ZIP
        if actual != recorded:
            report.add(
                path,
                f"sha256 {actual[:16]}… differs from the one recorded on the case timeline "
                f"({_where(case_stream, event['seq'])}: {str(recorded)[:16]}…)",
            )


def check_bundle(path: str | Path) -> Report:
    report = Report()
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.add(str(path), f"not a readable ZIP file ({exc})")
        return report
    with zf:
        bundle = _Bundle(zf, report)
        manifest = bundle.json(MANIFEST)
        if not isinstance(manifest, dict):
            if manifest is not None:
                report.add(MANIFEST, "is not an object")
            return report
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            report.add(MANIFEST, f"not a {FORMAT} version {VERSION} (format {manifest.get('format')!r})")
            return report
        actual = _check_files(bundle, manifest)

        timelines: dict[str, dict[int, dict]] = {}
        streams = manifest.get("streams") or {}
        for key, name in TIMELINE_FILES.items():
            exported = bundle.json(name)
            stream = streams.get(key) if isinstance(streams, dict) else None
            if not isinstance(exported, dict):
                continue
            stream = stream or exported.get("stream")
            if exported.get("stream") != stream:
                report.add(name, f"holds stream {exported.get('stream')!r}, the manifest says {stream!r}")
            timelines[str(stream)] = _check_chain(report, str(stream), exported.get("events"), name)

        seals: dict[str, dict] = {}
        for name in sorted(bundle.names):
            if name.startswith("seals/") and name.endswith(".json"):
                seal = _check_seal(bundle, name)
                if seal is not None:
                    seals[str(seal.get("id"))] = seal
        proved: dict[str, int] = {}
        for name in sorted(bundle.names):
            if name.startswith("proofs/") and name.endswith(".json"):
                proof = bundle.json(name)
                _check_proof(report, name, proof, seals, timelines)
                if isinstance(proof, dict) and isinstance(proof.get("leaf"), dict):
                    leaf = proof["leaf"]
                    if isinstance(leaf.get("seq"), int):
                        key = str(leaf.get("stream"))
                        proved[key] = max(proved.get(key, 0), leaf["seq"])
        for stream, events in timelines.items():
            last = max(events, default=0)
            sealed = proved.get(stream, 0)
            if last > sealed:
                first = sealed + 1
                span = f"#{first}" if first == last else f"#{first}–#{last}"
                report.notes.append(f"{stream}: events {span} are newer than the last seal (chained, not yet sealed)")

        case_stream = str(streams.get("case")) if isinstance(streams, dict) else ""
        items = manifest.get("evidence") if isinstance(manifest.get("evidence"), list) else []
        for entry in items:
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                entry["_actual"] = actual.get(entry["path"])
        _check_evidence(report, manifest, timelines.get(case_stream, {}), case_stream)
    return report


def verify_bundle(path: str | Path) -> list[Problem]:
    """Every problem in the bundle at ``path``; an empty list means every byte checks out."""
    return check_bundle(path).problems


def main(args: list[str] | Any) -> int:
    """``kameng evidence verify BUNDLE.zip``: prints what fails; exit status 1 if anything does."""
    paths = _paths(args)
    if not paths:
        print("usage: kameng evidence verify BUNDLE.zip [...]", file=sys.stderr)
        return 2
    status = 0
    for path in paths:
        report = check_bundle(path)
        print(f"{path}: {report.files} files, {report.events} events, {report.seals} seals")
        for note in report.notes:
            print(f"  note: {note}")
        for problem in report.problems:
            print(f"  FAIL {problem}")
        if report.ok:
            print("  OK: every file, event, proof and seal checks out")
        else:
            print(f"  {len(report.problems)} problem(s)")
            status = 1
    return status


def _paths(args: Any) -> list[str]:
    # The management command may hand over its argparse namespace or the raw arguments.
    if args is None:
        return []
    for attr in ("bundle", "bundles", "path", "paths"):
        value = getattr(args, attr, None)
        if value:
            return [str(value)] if isinstance(value, str | Path) else [str(v) for v in value]
    if isinstance(args, str | Path):
        return [str(args)]
    return [str(a) for a in args]


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
