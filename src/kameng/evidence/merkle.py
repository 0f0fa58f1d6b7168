"""Merkle trees over chain heads (RFC 6962 style), and the offline check of an event's proof.

A leaf is one stream's head at sealing time. Its hash is::

    SHA-256(0x00 || UTF-8("<stream>\\n<seq>\\n<head_hash>"))

(a stream name never holds a newline, so the encoding is unambiguous). An inner node is
``SHA-256(0x01 || left || right)``; a tree of n leaves splits at the largest power of two below n,
exactly as RFC 6962 section 2.1 does, so an odd leaf is never duplicated (duplicating it would let
two different leaf lists share a root). The root of no leaves is SHA-256 of nothing.

A proof is the audit path from a leaf to the root: ``[("L" | "R", "<hex sibling>"), ...]``,
bottom-up; "L" means the sibling sits on the left.

Pure Python on purpose (no Django): the bundle verifier runs this on a machine with no database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kameng.timeline.canonical import canonical_json

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def leaf_hash(stream: str, seq: int, head_hash: str) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + f"{stream}\n{int(seq)}\n{head_hash}".encode()).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below n (n >= 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def root(leaves: Sequence[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = _split(n)
    return _node(root(leaves[:k]), root(leaves[k:]))


def proof(leaves: Sequence[bytes], index: int) -> list[tuple[str, str]]:
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} outside a tree of {len(leaves)}")
    path: list[tuple[str, str]] = []
    lo, hi = 0, len(leaves)
    # Walk down from the root, remembering each sibling subtree; the path is read bottom-up.
    while hi - lo > 1:
        k = _split(hi - lo)
        mid = lo + k
        if index < mid:
            path.append(("R", root(leaves[mid:hi]).hex()))
            hi = mid
        else:
            path.append(("L", root(leaves[lo:mid]).hex()))
            lo = mid
    path.reverse()
    return path


def _as_bytes(value: bytes | str) -> bytes:
    return bytes.fromhex(value) if isinstance(value, str) else value


def root_from_path(leaf: bytes, path: Sequence[Sequence[str]]) -> bytes:
    node = leaf
    for side, sibling_hex in path:
        sibling = bytes.fromhex(sibling_hex)
        if side == "L":
            node = _node(sibling, node)
        elif side == "R":
            node = _node(node, sibling)
        else:
            raise ValueError(f"unknown side {side!r} in a Merkle path")
    return node


def verify_proof(leaf: bytes | str, path: Sequence[Sequence[str]], expected_root: bytes | str) -> bool:
    """True when ``path`` leads from ``leaf`` (its leaf hash) to ``expected_root`` (bytes or hex)."""
    try:
        computed = root_from_path(_as_bytes(leaf), path)
        return hmac.compare_digest(computed, _as_bytes(expected_root))
    except (ValueError, TypeError):
        return False


def _event_hash(fields: dict[str, Any]) -> str:
    # The timeline's canonical form; created_at is already the canonical string here.
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def verify_event_proof(proof_doc: dict[str, Any], *, trusted_pem: str | None = None) -> list[str]:
    """Check one event's inclusion proof (``sealing.event_proof``) offline. Empty list = ok.

    Recomputes the event's hash, follows the chain of later events to the sealed head, checks the
    leaf against that head, the Merkle path against the seal's root, and the seal's timestamp
    token against its verifier. ``verifier_pem`` travels with the proof, so whoever relies on it
    must also know the key is the platform's (or the TSA's): pass ``trusted_pem`` to require it."""
    from kameng.evidence import tsa  # pure too; imported here so merkle alone stays tiny

    problems: list[str] = []
    try:
        event = proof_doc["event"]
        chain = proof_doc.get("chain") or []
        leaf = proof_doc["leaf"]
        seal = proof_doc["seal"]
        path = proof_doc["merkle_path"]
        stream, seq = event["stream"], event["seq"]
        current = _event_hash(event)
        for later in chain:
            if later.get("stream") != stream or later.get("seq") != seq + 1:
                problems.append(f"chain: expected {stream} #{seq + 1}, found {later.get('stream')} #{later.get('seq')}")
                break
            if later.get("prev_hash") != current:
                problems.append(f"chain: {stream} #{later['seq']} does not link to #{seq}")
                break
            seq, current = later["seq"], _event_hash(later)
        if leaf.get("stream") != stream or leaf.get("seq") != seq:
            problems.append(f"leaf: sealed head is {leaf.get('stream')} #{leaf.get('seq')}, chain ends at #{seq}")
        elif leaf.get("head_hash") != current:
            problems.append("leaf: the sealed head hash does not match the recomputed chain")
        if not verify_proof(leaf_hash(leaf["stream"], leaf["seq"], leaf["head_hash"]), path, seal["root"]):
            problems.append("merkle: the path does not lead to the seal's root")
        if trusted_pem is not None and seal["verifier_pem"].strip() != trusted_pem.strip():
            problems.append("seal: verified by a key other than the trusted one")
        try:
            asserted = tsa.verify_stamp(
                seal["method"], seal["root"], base64.b64decode(seal["token_b64"]), seal["verifier_pem"]
            )
            if asserted != _parse_time(seal["stamped_at"]):
                problems.append("seal: stamped_at differs from the time the token asserts")
        except ValueError as exc:
            problems.append(f"seal: timestamp does not verify: {exc}")
    except (KeyError, TypeError, AttributeError) as exc:
        problems.append(f"proof: malformed ({exc!r})")
    return problems
