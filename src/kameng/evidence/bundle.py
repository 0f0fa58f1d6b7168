"""The evidence bundle of a case: one ZIP a party can hand to anyone, verifiable without Kameng.

Layout (format ``kameng-evidence-bundle`` version 2, which added attachments/; the verifier is
``evidence.verify``)::

    README.txt                 what is inside and how to check it (zh + en)
    manifest.json              format, case, streams, generated_at, every file's path + sha256,
                               every evidence file's metadata (withdrawn ones too), every case
                               attachment's metadata (message, author, sha256)
    checksums.sha256           for `sha256sum -c checksums.sha256`
    order-timeline.json        {"stream": "order:17", "events": [every hashed field, hash, digests]}
    case-timeline.json         the same for "case:5"
    evidence/NN-<kind>.<ext>   every file uploaded to the case, as stored
    attachments/NN-message-<id>.<ext>
                               every file attached on the case form or in the conversation, as stored
    proofs/<stream>-<seq>.json sealing.event_proof of the LAST SEALED event of each stream
    seals/<id>.json            the seal (root, method, stamped_at, token, verifier); beside it the
                               token as openssl reads it (.tsr + .data for RFC 3161, .sig + .msg
                               for Ed25519: verify.token_files) and the verifier (.pem) — a copy
                               for convenience, not trusted: verifiers use the key or TSA CA the
                               platform publishes at /evidence/keys/
    evidence-list.json         listing.evidence_list: the numbered evidence list (证据目录)

One proof per stream, not one per event: every earlier event is covered by recomputing the chain
from #1 to the sealed head (the verifier does), so a proof per event would only repeat the chain.
Events newer than the last seal are in the timeline files, chained but not yet sealed; the
verifier says so.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from dataclasses import asdict
from datetime import UTC, datetime
from enum import Enum
from pathlib import PurePosixPath
from typing import Any

from django.utils import timezone

from kameng.accounts.models import User
from kameng.aftersales.models import Case
from kameng.aftersales.permissions import role_on
from kameng.aftersales.selectors import case_for
from kameng.core.errors import DomainError
from kameng.evidence.models import EvidenceItem, Seal, SealLeaf
from kameng.evidence.selectors import attached_files
from kameng.evidence.verify import (
    ATTACHMENTS_DIR,
    CHECKSUMS,
    FORMAT,
    KEYS_PAGE,
    MANIFEST,
    TIMELINE_FILES,
    VERSION,
    sha256_hex,
    stream_slug,
    token_files,
)
from kameng.timeline.canonical import HASHED_FIELDS, format_time
from kameng.timeline.models import Event
from kameng.timeline.selectors import events_of

_CHUNK = 1024 * 1024


def bundle_name(case: Case) -> str:
    return f"kameng-case-{case.pk}-evidence.zip"


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=_plain) + "\n").encode("utf-8")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, Enum):
        return value.value
    return str(value)  # lazy translations


def _event(event: Event) -> dict[str, Any]:
    fields = {name: getattr(event, name) for name in HASHED_FIELDS}
    fields["created_at"] = format_time(event.created_at)
    return {**fields, "hash": event.hash, "digests": event.digests}


def _read(item) -> bytes | None:
    """The stored bytes of an evidence item or a case attachment, or None if they cannot be read."""
    try:
        with item.file.storage.open(item.file.name, "rb") as fh:
            return fh.read()
    except (OSError, ValueError):
        return None


def _seal_record(seal: Seal) -> dict[str, Any]:
    return {
        "id": seal.pk,
        "created_at": seal.created_at,
        "cutoff": seal.cutoff,
        "root": seal.root,
        "leaf_count": seal.leaf_count,
        "previous_root": seal.previous_root,
        "method": seal.method,
        "stamped_at": seal.stamped_at,
        "token_b64": base64.b64encode(bytes(seal.token)).decode("ascii"),
        "verifier_pem": seal.verifier_pem,
    }


def _evidence_rows(case: Case) -> list[dict[str, Any]]:
    try:
        from kameng.evidence.listing import evidence_list
    except ImportError:  # pragma: no cover - listing is another module of this app
        return []
    return [asdict(row) for row in evidence_list(case)]


def build_bundle(*, user: User, case_id: int, now: datetime | None = None) -> bytes:
    """The ZIP for one case, for a party of it (someone else's case is "not found")."""
    from kameng.evidence.sealing import event_proof

    case = case_for(user, case_id)
    now = now or timezone.now()
    files: dict[str, bytes] = {}
    streams = {"order": case.order.stream, "case": case.stream}

    seal_ids: set[int] = set()
    for key, stream in streams.items():
        events = [_event(e) for e in events_of(stream=stream)]
        files[TIMELINE_FILES[key]] = _json_bytes({"stream": stream, "events": events})
        last_leaf = SealLeaf.objects.filter(stream=stream).order_by("-seq", "-seal_id").first()
        if last_leaf is not None:
            try:
                proof = event_proof(stream=stream, seq=last_leaf.seq)
            except DomainError:
                continue  # the sealed event is gone from the database: the audit names it
            files[f"proofs/{stream_slug(stream)}-{last_leaf.seq}.json"] = _json_bytes(proof)
            seal_ids.add(int(proof["seal"]["id"]))

    evidence = []
    items = EvidenceItem.objects.filter(case=case).order_by("created_at", "pk")
    for number, item in enumerate(items, 1):
        ext = PurePosixPath(item.file.name).suffix.lower()[:8]
        path = f"evidence/{number:02d}-{item.kind}{ext}"
        data = _read(item)
        entry = {
            "path": path,
            "item": item.pk,
            "kind": item.kind,
            "caption": item.caption,
            "uploader_role": item.uploader_role,
            "original_name": item.original_name,
            "content_type": item.content_type,
            "size": item.size,
            "sha256": item.sha256,
            "created_at": item.created_at,
            "withdrawn_at": item.withdrawn_at,
            "withdraw_reason": item.withdraw_reason,
        }
        if data is None:
            entry["missing"] = True  # the audit reports it too; the bundle still carries the rest
        else:
            files[path] = data
        evidence.append(entry)

    # Files attached on the case form or in the conversation are evidence too: each is anchored by
    # the "case.attachment" event (message id + sha256) written on the case timeline when it came.
    attachments = []
    for number, att in enumerate(attached_files(case), 1):
        ext = PurePosixPath(att.file.name).suffix.lower()[:8]
        path = f"{ATTACHMENTS_DIR}{number:02d}-message-{att.message_id}{ext}"
        data = _read(att)
        entry = {
            "path": path,
            "attachment": att.pk,
            "message": att.message_id,
            "author_role": att.author_role,
            "from_case_form": att.from_case_form,
            "original_name": att.name,
            "content_type": att.content_type,
            "size": att.size,
            "sha256": att.sha256,
            "created_at": att.created_at,
        }
        if data is None:
            entry["missing"] = True
        else:
            files[path] = data
        attachments.append(entry)

    for seal in Seal.objects.filter(pk__in=seal_ids).order_by("pk"):
        files[f"seals/{seal.pk}.json"] = _json_bytes(_seal_record(seal))
        try:
            split = token_files(seal.method, bytes(seal.token), seal.root)
        except ValueError:
            split = {}  # a broken token is still in seals/<id>.json, where the verifier names it
        for suffix, data in split.items():
            files[f"seals/{seal.pk}{suffix}"] = data
        files[f"seals/{seal.pk}.pem"] = seal.verifier_pem.encode("utf-8")

    files["evidence-list.json"] = _json_bytes(_evidence_rows(case))
    files["README.txt"] = readme(case=case, streams=streams, seal_ids=sorted(seal_ids)).encode("utf-8")

    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "case_id": case.pk,
        "order_id": case.order_id,
        "streams": streams,
        "generated_at": now,
        "generated_for": role_on(case, user),
        "proofs": "the last sealed event of each stream; earlier events by recomputing the chain",
        "files": [
            {"path": path, "sha256": sha256_hex(data), "size": len(data)} for path, data in sorted(files.items())
        ],
        "evidence": evidence,
        "attachments": attachments,
    }
    files[MANIFEST] = _json_bytes(manifest)
    checksums = "".join(f"{sha256_hex(data)}  {path}\n" for path, data in sorted(files.items()))
    files[CHECKSUMS] = checksums.encode("utf-8")

    buffer = io.BytesIO()
    stamp = now.astimezone(UTC).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in [MANIFEST, "README.txt", CHECKSUMS, *sorted(set(files) - {MANIFEST, "README.txt", CHECKSUMS})]:
            info = zipfile.ZipInfo(path, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[path])
    return buffer.getvalue()


def readme(*, case: Case, streams: dict[str, str], seal_ids: list[int]) -> str:
    from django.conf import settings

    seal = f"seals/{seal_ids[-1]}" if seal_ids else "seals/<id>"
    slug = stream_slug(streams["case"])
    return README.format(
        case=case.pk,
        order_stream=streams["order"],
        case_stream=streams["case"],
        seal=seal,
        proof=f"proofs/{slug}-<seq>.json",
        keys=settings.SITE_URL.rstrip("/") + KEYS_PAGE,
    )


# Kept as plain text, not a translation: the bundle is the same for every reader, in both languages.
README = """\
Kameng 证据包 / evidence bundle — 售后单 case {case}
=====================================================

中文
----
本证据包包含售后单 {case} 的全部存证记录，可以在没有 Kameng 的电脑上独立核验。

内容：
  manifest.json         证据包说明：格式版本、售后单号、每个文件的路径与 SHA-256、每份上传证据的信息（含已撤回的）、
                        每个附件的信息（所属消息、上传方、SHA-256）
  checksums.sha256      全部文件的 SHA-256 校验值
  order-timeline.json   订单时间线 {order_stream}：每条事件的全部入链字段、hash 与 prev_hash
  case-timeline.json    售后时间线 {case_stream}
  evidence/             各方上传的证据文件（按平台保存的原样）
  attachments/          开启售后单时和售后对话中附带的文件（按平台保存的原样）
  proofs/               每条时间线最后一条已封存事件的包含证明（Merkle 路径）
  seals/                封存记录：Merkle 根、时间戳令牌（.tsr 与 .data，或 .sig 与 .msg）、
                        验证用的证书或公钥副本（.pem，仅供比对，不作为信任依据）
  evidence-list.json    证据目录（编号、名称、来源、SHA-256、时间）

用标准工具核验：
  1. 文件完整：      sha256sum -c checksums.sha256
  2. 查看 JSON：     python3 -m json.tool case-timeline.json
  3. 事件链：每条事件的 hash = SHA-256(按键排序、无空格、UTF-8 的 JSON：
     stream, seq, kind, actor_id, actor_role, payload, created_at, prev_hash)；
     第一条事件的 prev_hash 为 64 个 0，其后每条的 prev_hash 等于前一条的 hash。
  4. 上传证据：evidence/ 中每个文件的 SHA-256 必须等于售后时间线上对应 evidence.added 事件记录的 sha256；
     attachments/ 中每个文件的 SHA-256 必须等于售后时间线上同一消息（message）的 case.attachment 事件记录的 sha256。
  5. 封存：proofs/ 中的 leaf 的 head_hash 等于该时间线对应事件的 hash；按 merkle_path 计算
     （叶子 = SHA-256(0x00 || "stream\\nseq\\nhead_hash")，节点 = SHA-256(0x01 || 左 || 右)）得到 seals/ 中的 root。
  6. 时间戳令牌：只能用从平台下载的公钥或证书核验，不能用本证据包里附带的那份——
     伪造者可以连同自己的密钥一起伪造整个证据包。
     先从平台的公开页面下载（并核对页面上显示的 SHA-256 指纹）：
       {keys}
       curl -O {keys}seal-ed25519.pem        （平台 Ed25519 公钥）
       curl -O {keys}tsa-ca.pem              （若平台使用时间戳机构：其证书链）
       openssl pkey -pubin -in seal-ed25519.pem -outform DER | sha256sum    （指纹，与页面比对）
     本包附带的 {seal}.pem 只是副本，应与下载的文件相同（cmp seal-ed25519.pem {seal}.pem）；
     如不相同，此证据包不是由该平台封存的。
     RFC 3161（可信时间戳机构）：
       openssl ts -verify -data {seal}.data -in {seal}.tsr -CAfile tsa-ca.pem
     平台 Ed25519 签名：
       openssl pkeyutl -verify -pubin -inkey seal-ed25519.pem -rawin -in {seal}.msg -sigfile {seal}.sig
  或者一次核验全部：
       kameng evidence verify 本文件.zip --trusted-key seal-ed25519.pem [--tsa-ca tsa-ca.pem]
     （离线、无需 Kameng 数据库：python -m kameng.evidence.verify 本文件.zip --trusted-key seal-ed25519.pem）
  任何一个字节被改动，核验都会指出具体是哪个文件、哪条事件的哪个字段、哪个封存出了问题。

English
-------
This bundle holds every record Kameng keeps for after-sales case {case}. It can be checked on a
machine without Kameng.

Contents:
  manifest.json         format version, case, every file's path and SHA-256, every uploaded
                        evidence file's metadata (withdrawn ones too), every attachment's
                        metadata (its message, who attached it, SHA-256)
  checksums.sha256      the SHA-256 of every file
  order-timeline.json   the order timeline {order_stream}: every event with all hashed fields,
                        its hash and prev_hash
  case-timeline.json    the case timeline {case_stream}
  evidence/             the files the parties uploaded, as the platform stored them
  attachments/          the files attached when the case was opened and in its conversation,
                        as the platform stored them
  proofs/               the inclusion proof (Merkle path) of the last sealed event of each timeline,
                        e.g. {proof}
  seals/                each seal: Merkle root, timestamp token (.tsr + .data, or .sig + .msg),
                        a copy of its verifier (.pem: for comparison only, not to be trusted)
  evidence-list.json    the numbered evidence list (number, title, source, SHA-256, time)

Check it with standard tools:
  1. Files intact:      sha256sum -c checksums.sha256
  2. Read the JSON:     python3 -m json.tool case-timeline.json
  3. The chains: each event's hash is SHA-256 of the UTF-8 JSON object of stream, seq, kind,
     actor_id, actor_role, payload, created_at, prev_hash (keys sorted, no spaces, non-ASCII as
     is). The first event's prev_hash is 64 zeros; each later prev_hash is the previous hash.
  4. Uploads: each file in evidence/ has the sha256 recorded by its evidence.added event on the
     case timeline; each file in attachments/ the sha256 recorded by a case.attachment event of
     the same message.
  5. Seals: the leaf's head_hash in proofs/ is the hash of that event in the timeline; following
     merkle_path (leaf = SHA-256(0x00 || "stream\\nseq\\nhead_hash"), node = SHA-256(0x01 || left
     || right)) gives the root in seals/.
  6. The timestamp token, checked ONLY with the key or certificate you download from the
     platform, never with the copy in this bundle: whoever forges a bundle forges its key too.
     Download them from the platform's public page (and compare the SHA-256 fingerprint it shows):
       {keys}
       curl -O {keys}seal-ed25519.pem        (the platform's Ed25519 public key)
       curl -O {keys}tsa-ca.pem              (when the platform uses a TSA: its certificate chain)
       openssl pkey -pubin -in seal-ed25519.pem -outform DER | sha256sum    (the fingerprint)
     The bundled {seal}.pem is only a copy and must equal the download (cmp seal-ed25519.pem
     {seal}.pem); if it does not, this bundle was not sealed by that platform.
     RFC 3161 (a time-stamping authority):
       openssl ts -verify -data {seal}.data -in {seal}.tsr -CAfile tsa-ca.pem
     The platform's Ed25519 signature:
       openssl pkeyutl -verify -pubin -inkey seal-ed25519.pem -rawin -in {seal}.msg -sigfile {seal}.sig
  Or all at once:
       kameng evidence verify THIS-FILE.zip --trusted-key seal-ed25519.pem [--tsa-ca tsa-ca.pem]
     (offline, no Kameng database: python -m kameng.evidence.verify THIS-FILE.zip --trusted-key ...)
  If a single byte was changed, the verifier names the file, the event and field, or the seal.
"""
