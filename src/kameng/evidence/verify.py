"""Offline verification of an evidence bundle: ``kameng evidence verify BUNDLE.zip``.

Runs on a machine where Kameng's database is gone: only the standard library, ``cryptography``,
``rfc3161-client`` (through ``evidence.tsa``), ``timeline.canonical`` and ``evidence.merkle``. No
Django settings, no database — keep it that way (tests/test_offline.py runs it in a clean process).

What anchors what (each link is checked, and a broken link is named):

    evidence file ──sha256──▶ "evidence.added" event on the case timeline
    case attachment ──message + sha256──▶ "case.attachment" event on the case timeline
    every event ──prev_hash──▶ the event before it (recomputed with timeline.canonical)
    the last sealed event of each stream ──head_hash──▶ a Merkle leaf (proofs/…)
    leaf ──merkle_path──▶ the seal's root ──token──▶ an Ed25519 signature or an RFC 3161 timestamp

The manifest and checksums.sha256 only say which file is which: someone who rewrites a file can
rewrite them too, but not the timeline events, and not the seal token.

Trust comes from outside the bundle: a seal counts only if its token verifies with a key (or TSA
CA) the caller passes — the platform publishes them at /evidence/keys/. The verifier each seal
carries is a convenience copy; a bundle forged from scratch and signed with a fresh key carries
its own key too, so trusting it would prove nothing.

The ZIP itself is treated as hostile: member names that could escape a folder, duplicate members or
manifest paths, entries that decompress past their declared size or past MAX_TOTAL_BYTES overall,
and JSON nested deeper than MAX_JSON_DEPTH are named as problems, not followed.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import sys
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kameng.timeline.canonical import HASHED_FIELDS, ZERO_HASH, canonical_json, field_digests

FORMAT = "kameng-evidence-bundle"
VERSION = 2  # 2: case attachments (attachments/, the manifest's "attachments") are carried too
READ_VERSIONS = (1, 2)  # a version-1 bundle carries no attachments: their events are only noted
ATTACHMENTS_DIR = "attachments/"
MANIFEST = "manifest.json"
CHECKSUMS = "checksums.sha256"
TIMELINE_FILES = {"order": "order-timeline.json", "case": "case-timeline.json"}
# A bundle is read entry by entry; refuse absurd sizes instead of filling memory (zip bombs).
MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_ENTRY_BYTES = 2 * 1024 * 1024 * 1024
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024  # everything decompressed, all entries together
MAX_MEMBERS = 10_000  # entries in the ZIP, and entries in each manifest list
MAX_JSON_DEPTH = 64  # the platform's records nest a handful of levels
_CHUNK = 1024 * 1024
KEYS_PAGE = "/evidence/keys/"
NOT_TRUSTED = f"not checked against a trusted key (pass --trusted-key/--tsa-ca, published at {KEYS_PAGE})"
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


def unsafe_name(name: str) -> str | None:
    """Why a member name could write outside the folder it is extracted to (or hide), or None."""
    if not name:
        return "empty name"
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        return "control characters"
    if "\\" in name:
        return "a backslash"
    if name.startswith("/"):
        return "an absolute path"
    if re.match(r"[A-Za-z]:", name):
        return "a drive letter"
    if ".." in name.split("/"):
        return "a '..' component"
    return None


def _label(name: str) -> str:
    return name if name.isprintable() else repr(name)


def _too_deep(value: Any, limit: int) -> bool:
    # Iterative: a check for deep nesting must not itself recurse.
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Iterable[Any] = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class _Bundle:
    def __init__(self, zf: zipfile.ZipFile, report: Report):
        self.zf = zf
        self.report = report
        self.budget = MAX_TOTAL_BYTES
        self.exhausted = False
        self._digests: dict[str, str] = {}
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            report.add("bundle", f"holds {len(infos)} entries, more than {MAX_MEMBERS}; only the first are read")
            infos = infos[:MAX_MEMBERS]
        counts = Counter(info.filename for info in infos)
        self.names: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename
            reason = unsafe_name(name)
            if reason:
                report.add(_label(name), f"unsafe member name ({reason}): not read, do not extract this ZIP blindly")
            elif counts[name] > 1:
                if name not in self.names:
                    report.add(name, f"appears {counts[name]} times in the ZIP (duplicate member name); not read")
                    self.names[name] = None  # type: ignore[assignment]  # marks it as seen
            elif not info.is_dir():
                self.names[name] = info
        # Duplicates were named; none of their copies is read (which one a tool extracts varies).
        self.names = {name: info for name, info in self.names.items() if info is not None}

    def _consume(self, name: str, *, limit: int, keep: bool) -> tuple[str, bytes] | None:
        """Decompress one entry chunk by chunk, within its declared size, ``limit`` and what is
        left of the bundle's total budget. Returns (sha256 hex, the bytes if ``keep``)."""
        info = self.names.get(name)
        if info is None or self.exhausted:
            return None
        if info.file_size > limit:
            self.report.add(name, f"larger than {limit} bytes; not read")
            return None
        if info.file_size > self.budget:
            self._exhaust(name)
            return None
        h, parts, seen = hashlib.sha256(), [], 0
        try:
            with self.zf.open(info) as fh:
                while chunk := fh.read(_CHUNK):
                    seen += len(chunk)
                    if seen > info.file_size:  # the header lies about the size: a bomb in disguise
                        self.report.add(name, f"decompresses to more than its declared {info.file_size} bytes")
                        return None
                    self.budget -= len(chunk)
                    if self.budget < 0:
                        self._exhaust(name)
                        return None
                    h.update(chunk)
                    if keep:
                        parts.append(chunk)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
            # CRC error, encrypted entry, unknown compression (NotImplementedError), truncated data
            self.report.add(name, f"cannot be read from the ZIP ({exc})")
            return None
        digest = h.hexdigest()
        self._digests[name] = digest
        return digest, b"".join(parts)

    def _exhaust(self, name: str) -> None:
        self.exhausted = True
        self.report.add(name, f"the bundle decompresses to more than {MAX_TOTAL_BYTES} bytes; stopped reading")

    def digest(self, name: str) -> str | None:
        if name in self._digests:  # each entry is decompressed once, however often it is named
            return self._digests[name]
        done = self._consume(name, limit=MAX_ENTRY_BYTES, keep=False)
        return None if done is None else done[0]

    def read(self, name: str, *, limit: int = MAX_JSON_BYTES) -> bytes | None:
        done = self._consume(name, limit=limit, keep=True)
        return None if done is None else done[1]

    def json(self, name: str, *, required: bool = True) -> Any:
        data = self.read(name)
        if data is None:
            if required and name not in self.names:
                self.report.add(name, "missing from the bundle")
            return None
        try:
            value = json.loads(data.decode("utf-8"))
        except RecursionError:
            self.report.add(name, "invalid JSON (nested too deeply)")
            return None
        except (UnicodeDecodeError, ValueError) as exc:
            self.report.add(name, f"invalid JSON ({exc})")
            return None
        if _too_deep(value, MAX_JSON_DEPTH):
            self.report.add(name, f"invalid JSON (nested more than {MAX_JSON_DEPTH} levels)")
            return None
        return value


# --- the checks ------------------------------------------------------------------------------------


def _manifest_list(report, manifest: dict, key: str, *, what: str, missing: str, optional: bool = False) -> list:
    """A list the manifest must hold, capped at MAX_MEMBERS entries (a hostile bundle may list millions)."""
    listed = manifest.get(key)
    if listed is None and optional:
        return []
    if not isinstance(listed, list):
        report.add(MANIFEST, missing)
        return []
    if len(listed) > MAX_MEMBERS:
        report.add(MANIFEST, f"lists {len(listed)} {what}, more than {MAX_MEMBERS}; only the first are checked")
        return listed[:MAX_MEMBERS]
    return listed


def _check_files(bundle: _Bundle, manifest: dict) -> dict[str, str]:
    """Every file the manifest lists is there with the hash it states; nothing else is there;
    checksums.sha256 agrees. Returns the actual hash of every file read."""
    report = bundle.report
    actual: dict[str, str] = {}
    listed = _manifest_list(report, manifest, "files", what="files", missing="has no file list")
    declared: dict[str, str] = {}
    repeated: Counter[str] = Counter()
    for entry in listed:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            report.add(MANIFEST, f"unreadable file entry {str(entry)[:80]}")
            continue
        path, want = entry["path"], entry.get("sha256")
        if path in declared:  # named once below; never read again (each copy would decompress anew)
            repeated[path] += 1
            continue
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
    for path, extra in sorted(repeated.items()):
        report.add(_label(path), f"listed {extra + 1} times in the manifest (duplicate path)")
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
        if number > MAX_MEMBERS + 2:
            report.add(CHECKSUMS, f"has more than {MAX_MEMBERS} lines; the rest is not checked")
            break
        if path in seen:
            report.add(CHECKSUMS, f"line {number} lists {_label(path)} again")
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


@dataclass(frozen=True)
class Trust:
    """The anchors the caller trusts (PEM texts): the platform's Ed25519 keys, TSA CA chains."""

    keys: tuple[str, ...] = ()
    tsa_ca: tuple[str, ...] = ()

    @classmethod
    def of(cls, trusted_keys: Iterable[str] | None, tsa_ca: Iterable[str] | None) -> Trust:
        """Normalised anchors; ValueError naming the bad one (a caller's mistake, not the bundle's)."""
        from kameng.evidence import tsa

        keys = []
        for number, pem in enumerate(trusted_keys or (), 1):
            try:
                keys.append(tsa.public_pem_of(pem))
            except ValueError as exc:
                raise ValueError(f"trusted key {number}: {exc}") from exc
        chains = []
        for number, pem in enumerate(tsa_ca or (), 1):
            try:
                tsa.check_tsa_ca(pem)
            except ValueError as exc:
                raise ValueError(f"TSA CA {number}: {exc}") from exc
            chains.append(pem)
        return cls(tuple(keys), tuple(chains))

    def covers(self, method: str) -> bool:
        from kameng.evidence import tsa

        return bool(self.keys) if method == tsa.ED25519 else bool(self.tsa_ca) if method == tsa.RFC3161 else False

    def anchor_for(self, method: str) -> str | None:
        """What a proof's seal must carry when its own seal record could not be trusted."""
        from kameng.evidence import tsa

        if method == tsa.ED25519 and self.keys:
            return self.keys[0]
        if method == tsa.RFC3161 and self.tsa_ca:
            return self.tsa_ca[0]
        return None


def _check_seal(bundle: _Bundle, path: str, trust: Trust) -> dict | None:
    """One seals/<id>.json: its token verifies over its root with a trusted key (or chains to a
    trusted TSA CA), and the .tsr/.sig and .pem beside it say the same thing. Returns the seal if
    it is readable; ``seal["_trusted"]`` is the verifier its proofs must carry once it is trusted."""
    from kameng.evidence import tsa

    report = bundle.report
    seal = bundle.json(path)
    if not isinstance(seal, dict):
        return None
    label = f"seal {_label(str(seal.get('id', path)))}"
    try:
        token = base64.b64decode(seal["token_b64"], validate=True)
        root, method, pem = seal["root"], seal["method"], seal["verifier_pem"]
        if not all(isinstance(value, str) for value in (root, method, pem)):
            raise TypeError("root, method and verifier_pem must be text")
    except (KeyError, TypeError, binascii.Error) as exc:
        report.add(label, f"unreadable seal record ({exc})")
        return None
    report.seals += 1
    failed = f"the {method} token does not verify over root {root[:16]}…"
    # First against the verifier it carries: says whether the token is intact at all.
    own_error: Exception | None = None
    try:
        stamped_at: datetime | None = tsa.verify_stamp(method, root, token, pem)
    except Exception as exc:  # ValueError by contract; a malformed token can make a parser raise anything
        stamped_at, own_error = None, exc
    if not trust.covers(method):
        if own_error is not None:
            report.add(label, f"{failed}: {own_error}")
        report.add(label, NOT_TRUSTED)
    else:
        try:
            stamped_at, anchor = tsa.verify_stamp_trusted(
                method, root, token, trusted_keys=list(trust.keys), tsa_ca=list(trust.tsa_ca)
            )
        except Exception as exc:
            stamped_at = None
            if own_error is None:
                report.add(
                    label,
                    f"signed by a key that is not trusted: the {method} token verifies only with the "
                    f"verifier carried in the bundle, not with any trusted key ({exc})",
                )
            else:
                report.add(label, f"{failed}: {exc}")
        else:
            # A proof's copy of the seal must name this verifier: the trusted key itself, or the TSA
            # chain whose token was just checked against the trusted CA.
            seal["_trusted"] = anchor if method == tsa.ED25519 else pem
            if own_error is not None:
                report.add(label, "its verifier_pem is not the key that signed it (the trusted key is)")
    claimed = seal.get("stamped_at")
    if stamped_at is not None and isinstance(claimed, str) and _same_moment(claimed, stamped_at) is False:
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


def _check_proof(
    report: Report, path: str, proof: Any, seals: dict[str, dict], timelines: dict[str, dict], trust: Trust
) -> None:
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
    sealed = seals.get(seal_id)
    # The verifier the proof's seal must carry: the one its trusted seal record was checked with;
    # failing that any trusted anchor (so a proof re-signed with another key is named here too).
    # With no anchor at all the seal itself is already reported as not checked.
    trusted_pem = (sealed or {}).get("_trusted") or trust.anchor_for(str(seal.get("method")))
    # event → chain → leaf → Merkle path → root → token: the sealing module's own offline check.
    try:
        problems = merkle.verify_event_proof(proof, trusted_pem=trusted_pem)
    except Exception as exc:  # a malformed proof may make a parser raise anything; still a failure
        problems = [f"unreadable ({exc.__class__.__name__}: {exc})"]
    for problem in problems:
        report.add(path, f"{where}: {problem}")
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


def _check_evidence(
    bundle: _Bundle,
    manifest: dict,
    case_events: dict[int, dict],
    case_stream: str,
    actual: dict[str, str],
    declared: set[str],
) -> None:
    """Both ways: each evidence file's hash is the one its "evidence.added" event recorded when it
    arrived (the file cannot be swapped, with another case's, without breaking the case's chain),
    and each evidence.added event has its file here (a deleted upload cannot pass unnoticed)."""
    report = bundle.report
    added: dict[Any, dict] = {}
    for seq in sorted(case_events):
        event = case_events[seq]
        payload = event.get("payload")
        if event.get("kind") != "evidence.added" or not isinstance(payload, dict):
            continue
        item = payload.get("item")
        if not isinstance(item, int | str) or isinstance(item, bool):
            report.add(_where(case_stream, seq), "an evidence.added event without an item id")
        elif item in added:
            report.add(_where(case_stream, seq), f"a second evidence.added event for item {item}")
        else:
            added[item] = event
    items = _manifest_list(
        report, manifest, "evidence", what="evidence files", missing="the evidence list is unreadable", optional=True
    )
    entries: dict[Any, dict] = {}
    paths: set[str] = set()
    for entry in items:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            report.add(MANIFEST, f"unreadable evidence entry {str(entry)[:80]}")
            continue
        path, item = entry["path"], entry.get("item")
        if not isinstance(item, int | str) or isinstance(item, bool):
            report.add(_label(path), f"evidence entry without an item id ({str(item)[:40]})")
            continue
        if item in entries or path in paths:
            report.add(_label(path), f"evidence item {item} or its path is listed twice in the manifest")
            continue
        entries[item] = entry
        paths.add(path)
        event = added.get(item)
        if event is None:
            report.add(_label(path), f"no evidence.added event for item {item} on {case_stream}")
            continue
        recorded = str(event["payload"].get("sha256"))
        where = _where(case_stream, event["seq"])
        if entry.get("missing"):
            report.add(_label(path), "the platform could not read the stored file when the bundle was made")
            continue
        got = actual.get(path) or (bundle.digest(path) if path in bundle.names else None)
        if got is None:
            if path not in declared and path not in bundle.names:  # else already named by _check_files
                report.add(_label(path), f"missing from the bundle (its evidence.added event is {where})")
            continue
        if got != recorded:
            report.add(
                _label(path),
                f"sha256 {got[:16]}… differs from the one recorded on the case timeline ({where}: {recorded[:16]}…)",
            )
    for item, event in added.items():
        if item not in entries:
            recorded = str(event["payload"].get("sha256"))[:16]
            report.add(
                _where(case_stream, event["seq"]),
                f"evidence.added for item {item} (sha256 {recorded}…): its file is not in the bundle",
            )
    for name in sorted(bundle.names):
        if name.startswith("evidence/") and name not in paths:
            report.add(name, f"an evidence file with no evidence.added event on {case_stream}")


def pair_attachments(
    files: Iterable[tuple[Any, Any, str]], events: Iterable[tuple[int, Any]]
) -> tuple[dict[Any, int], list[int]]:
    """Pair case attachments with the "case.attachment" events that recorded them when they came.

    ``files`` are (key, message id, sha256 of the bytes), ``events`` (seq, payload). The event names
    the message and the sha256 of the stored file, both in the hashed chain, so a file is anchored
    exactly when an event recorded its bytes on its message; two identical files on one message pair
    in order. Returns ({key: seq} for each paired file, the seqs of the events left unpaired)."""
    waiting: dict[tuple[Any, Any], list[int]] = {}
    for seq, payload in events:
        if isinstance(payload, dict):
            waiting.setdefault((payload.get("message"), payload.get("sha256")), []).append(seq)
    paired: dict[Any, int] = {}
    for key, message, sha in files:
        seqs = waiting.get((message, sha))
        if seqs:
            paired[key] = seqs.pop(0)
    return paired, sorted(seq for seqs in waiting.values() for seq in seqs)


def _check_attachments(
    bundle: _Bundle,
    manifest: dict,
    case_events: dict[int, dict],
    case_stream: str,
    actual: dict[str, str],
    declared: set[str],
    *,
    carried: bool,
) -> None:
    """Both ways, as for uploads: each attached file's bytes are the ones a "case.attachment" event
    of its message recorded, and each case.attachment event has its file here. A version-1 bundle
    carried no attachments; its events are noted, not failed."""
    report = bundle.report
    events: list[tuple[int, Any]] = []
    for seq in sorted(case_events):
        event = case_events[seq]
        if event.get("kind") != "case.attachment":
            continue
        payload = event.get("payload")
        if not isinstance(payload, dict) or not isinstance(payload.get("sha256"), str):
            report.add(_where(case_stream, seq), "a case.attachment event without a message and sha256")
            continue
        events.append((seq, payload))
    items = _manifest_list(
        report, manifest, "attachments", what="attachments", missing="the attachment list is unreadable", optional=True
    )
    files: list[tuple[str, Any, str]] = []
    paths: set[str] = set()
    for entry in items:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            report.add(MANIFEST, f"unreadable attachment entry {str(entry)[:80]}")
            continue
        path = entry["path"]
        label = _label(path)
        if not path.startswith(ATTACHMENTS_DIR) or path in paths:
            report.add(label, f"an attachment path outside {ATTACHMENTS_DIR} or listed twice in the manifest")
            continue
        paths.add(path)
        if entry.get("missing"):
            report.add(label, "the platform could not read the stored file when the bundle was made")
            continue
        got = actual.get(path) or (bundle.digest(path) if path in bundle.names else None)
        if got is None:
            if path not in declared and path not in bundle.names:  # else already named by _check_files
                report.add(label, "listed as an attachment but missing from the bundle")
            continue
        if entry.get("sha256") != got:
            report.add(label, f"sha256 {got[:16]}… differs from the manifest's attachment entry")
        files.append((path, entry.get("message"), got))
    paired, unpaired = pair_attachments(files, events)
    for path, message, got in files:
        if path not in paired:
            report.add(
                _label(path),
                f"sha256 {got[:16]}… is not recorded by any case.attachment event of message {str(message)[:20]} "
                f"on {case_stream} (the file was replaced or added)",
            )
    by_seq = dict(events)
    for seq in unpaired:
        recorded = str(by_seq[seq].get("sha256"))[:16]
        where = _where(case_stream, seq)
        if carried:
            report.add(where, f"case.attachment (sha256 {recorded}…): its file is not in the bundle")
        else:
            report.notes.append(f"{where}: a case attachment (sha256 {recorded}…) that version-1 bundles do not carry")
    for name in sorted(bundle.names):
        if name.startswith(ATTACHMENTS_DIR) and name not in paths:
            report.add(name, "an attachment file the manifest does not list as an attachment")


def check_bundle(
    path: str | Path, *, trusted_keys: Iterable[str] | None = None, tsa_ca: Iterable[str] | None = None
) -> Report:
    """The full report on the bundle at ``path``; seals count only against the anchors given."""
    trust = Trust.of(trusted_keys, tsa_ca)
    report = Report()
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, ValueError, EOFError) as exc:
        report.add(str(path), f"not a readable ZIP file ({exc})")
        return report
    with zf:
        bundle = _Bundle(zf, report)
        manifest = bundle.json(MANIFEST)
        if not isinstance(manifest, dict):
            if manifest is not None:
                report.add(MANIFEST, "is not an object")
            return report
        version = manifest.get("version")
        if manifest.get("format") != FORMAT or version not in READ_VERSIONS or isinstance(version, bool):
            wanted = " or ".join(str(v) for v in READ_VERSIONS)
            report.add(
                MANIFEST,
                f"not a {FORMAT} of version {wanted} (format {str(manifest.get('format'))[:40]!r}, "
                f"version {str(version)[:10]!r})",
            )
            return report
        actual = _check_files(bundle, manifest)
        listed = manifest.get("files") if isinstance(manifest.get("files"), list) else []
        declared = {entry["path"] for entry in listed if isinstance(entry, dict) and isinstance(entry.get("path"), str)}

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
                seal = _check_seal(bundle, name, trust)
                if seal is not None:
                    seals[str(seal.get("id"))] = seal
        proved: dict[str, int] = {}
        for name in sorted(bundle.names):
            if name.startswith("proofs/") and name.endswith(".json"):
                proof = bundle.json(name)
                _check_proof(report, name, proof, seals, timelines, trust)
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
        _check_evidence(bundle, manifest, timelines.get(case_stream, {}), case_stream, actual, declared)
        _check_attachments(
            bundle, manifest, timelines.get(case_stream, {}), case_stream, actual, declared, carried=version >= 2
        )
    return report


def verify_bundle(
    path: str | Path, *, trusted_keys: list[str] | None = None, tsa_ca: list[str] | None = None
) -> list[Problem]:
    """Every problem in the bundle at ``path``; an empty list means every byte checks out and every
    seal verifies with one of ``trusted_keys`` (Ed25519 public keys, PEM) or chains to ``tsa_ca``
    (TSA certificates, PEM). Without them every seal is a problem: see NOT_TRUSTED."""
    return check_bundle(path, trusted_keys=trusted_keys, tsa_ca=tsa_ca).problems


# --- command line -----------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options shared by ``python -m kameng.evidence.verify`` and ``kameng evidence verify``."""
    parser.add_argument("bundles", nargs="+", metavar="BUNDLE.zip", help="evidence bundle(s) to verify")
    parser.add_argument(
        "--trusted-key",
        action="append",
        default=[],
        metavar="FILE",
        help=f"the platform's Ed25519 public key (PEM), downloaded from {KEYS_PAGE}; repeatable",
    )
    parser.add_argument(
        "--tsa-ca",
        action="append",
        default=[],
        metavar="FILE",
        help=f"the time-stamping authority's certificate chain (PEM), from {KEYS_PAGE}; repeatable",
    )


def read_anchors(key_files: Iterable[str], ca_files: Iterable[str]) -> tuple[list[str], list[str]]:
    """The PEM texts of the files named by --trusted-key / --tsa-ca; OSError/ValueError naming the
    file that cannot be used."""
    from kameng.evidence import tsa

    keys, cas = [], []
    for name in key_files:
        text = Path(name).read_text(encoding="ascii", errors="replace")
        try:
            keys.append(tsa.public_pem_of(text))
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from exc
    for name in ca_files:
        text = Path(name).read_text(encoding="ascii", errors="replace")
        try:
            tsa.check_tsa_ca(text)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from exc
        cas.append(text)
    return keys, cas


def run(paths: Iterable[str | Path], *, trusted_keys: list[str], tsa_ca: list[str], out: Any = None) -> int:
    """Verify each bundle and print what fails; 1 if anything does."""
    out = out or sys.stdout
    status = 0
    for path in paths:
        report = check_bundle(path, trusted_keys=trusted_keys, tsa_ca=tsa_ca)
        out.write(f"{path}: {report.files} files, {report.events} events, {report.seals} seals\n")
        for note in report.notes:
            out.write(f"  note: {note}\n")
        for problem in report.problems:
            out.write(f"  FAIL {problem}\n")
        if report.ok:
            out.write("  OK: every file, event, proof and seal checks out\n")
        else:
            out.write(f"  {len(report.problems)} problem(s)\n")
            status = 1
    return status


def main(argv: list[str] | None = None) -> int:
    """``python -m kameng.evidence.verify BUNDLE.zip --trusted-key FILE [--tsa-ca FILE]``: offline,
    without Django, so the trust anchors must be given (``kameng evidence verify`` on the platform
    host defaults to the configured ones). Exit status 1 if anything fails, 2 on bad usage."""
    parser = argparse.ArgumentParser(
        prog="python -m kameng.evidence.verify",
        description="Verify a Kameng evidence bundle offline.",
        epilog=f"Download the platform's key (and TSA CA) from its {KEYS_PAGE} page and compare the fingerprint.",
    )
    add_arguments(parser)
    options = parser.parse_args(argv)
    if not options.trusted_key and not options.tsa_ca:
        parser.print_usage(sys.stderr)
        print(
            f"error: give --trusted-key and/or --tsa-ca: the platform publishes them at {KEYS_PAGE}; "
            "the keys inside a bundle prove nothing by themselves",
            file=sys.stderr,
        )
        return 2
    try:
        keys, cas = read_anchors(options.trusted_key, options.tsa_ca)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return run(options.bundles, trusted_keys=keys, tsa_ca=cas)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
