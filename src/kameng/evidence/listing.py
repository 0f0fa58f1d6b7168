"""The evidence list (证据目录) of a case: every record the platform holds on it, numbered.

System records come first, from the two hash chains the case lives on (the order's and the case's),
grouped by what they prove; then every file a party uploaded, withdrawn ones included and marked,
and every file attached on the case form or in the conversation.
Each row carries a SHA-256 (a timeline record's event hash, an upload's file hash) and a time: the
trusted timestamp of the first seal that covers it, or else the record's own time, marked unsealed.

A pure read: the caller has already checked that the user may see the case. Used by the complaint
and court-list PDFs and by the evidence bundle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kameng.aftersales.models import Case
from kameng.evidence.models import EvidenceItem, EvidenceKind, SealLeaf
from kameng.evidence.selectors import attached_files
from kameng.evidence.verify import pair_attachments
from kameng.orders.selectors import public_payload
from kameng.timeline.labels import detail_line, kind_label, role_label
from kameng.timeline.models import Event
from kameng.timeline.selectors import events_of

# Groups in the order they are listed; each names what its records prove.
GROUPS: dict[str, tuple] = {
    "payment": (gettext_lazy("Order and payment"), gettext_lazy("The order was placed and paid, and for how much")),
    "delivery": (
        pgettext_lazy("evidence list", "Delivery"),
        gettext_lazy("What was delivered, when, and what the supplier answered"),
    ),
    "reveal": (gettext_lazy("Card key views"), gettext_lazy("When and from where the card key was viewed")),
    "money": (gettext_lazy("Confirmation, settlement and refunds"), gettext_lazy("Where the escrowed money went")),
    "case": (gettext_lazy("After-sales process"), gettext_lazy("How the case was opened and handled, step by step")),
    "messages": (gettext_lazy("Messages"), gettext_lazy("What the parties said to each other")),
    "rulings": (gettext_lazy("Platform rulings"), gettext_lazy("The platform's decision and the clause it cites")),
    "uploads": (gettext_lazy("Uploaded evidence"), gettext_lazy("Evidence a party submitted")),
}

_ORDER_GROUPS = {
    "order.created": "payment",
    "order.paid": "payment",
    "payment.duplicate_refunded": "payment",
    "order.cancelled": "payment",
    "keys.allocated": "delivery",
    "delivery.awaiting_merchant": "delivery",
    "supplier.requested": "delivery",
    "supplier.answered": "delivery",
    "batch.delivered": "delivery",
    "keys.replaced": "delivery",
    "key.revealed": "reveal",
}
_CASE_GROUPS = {
    "case.message": "messages",
    "case.rule": "rulings",
    "case.rule_appeal": "rulings",
}
# Not listed as system records: the order chain's copies of case steps (the case chain holds the
# full record) and the case chain's upload and attachment events (each file is its own row, below).
_SKIPPED_PREFIXES = ("case.", "evidence.")

# 证明目的 of an uploaded item, by its kind.
KIND_PURPOSES = {
    EvidenceKind.PAYMENT_PROOF: gettext_lazy("Proves the payment"),
    EvidenceKind.DELIVERY_ERROR: gettext_lazy("Proves what the delivery showed"),
    EvidenceKind.ACTIVATION_ERROR: gettext_lazy("Proves the goods could not be used"),
    EvidenceKind.CHAT_RECORD: gettext_lazy("Proves what the parties said"),
    EvidenceKind.SUPPLIER_PROOF: gettext_lazy("Proves what the supplier reported"),
    EvidenceKind.OTHER: gettext_lazy("Supports the party's statement"),
}


@dataclass(frozen=True)
class EvidenceRow:
    number: int
    title: str
    kind: str  # the event kind ("order.paid") of a system record, the EvidenceKind of an upload
    source: str  # who produced it
    sha256: str
    timestamp: datetime  # the covering seal's stamped_at, else the record's own time
    note: str
    sealed: bool = False
    group: str = ""
    purpose: str = ""  # 证明目的
    stream: str = ""
    seq: int | None = None
    item_id: int | None = None
    withdrawn: bool = False
    attachment_id: int | None = None  # a case attachment (case form or conversation)


class _Seals:
    """The covering seal of an event: the first seal with a leaf on its stream at or past its seq."""

    def __init__(self, streams: list[str]) -> None:
        self.leaves: dict[str, list[tuple[int, datetime]]] = {}
        rows = (
            SealLeaf.objects.filter(stream__in=streams)
            .order_by("seal_id")
            .values_list("stream", "seq", "seal__stamped_at")
        )
        for stream, seq, stamped_at in rows:
            self.leaves.setdefault(stream, []).append((seq, stamped_at))

    def stamped_at(self, stream: str, seq: int) -> datetime | None:
        for leaf_seq, stamped_at in self.leaves.get(stream, ()):
            if leaf_seq >= seq:
                return stamped_at
        return None


def _event_note(event: Event) -> str:
    payload = event.payload if isinstance(event.payload, dict) else {}
    if event.kind == "key.revealed":
        return _("IP %(ip)s, view no. %(count)s") % {"ip": payload.get("ip") or "-", "count": payload.get("count", "")}
    if event.kind in ("case.rule", "case.rule_appeal"):
        return _("Clause %(clause)s %(title)s") % {
            "clause": payload.get("clause", ""),
            "title": payload.get("title", ""),
        }
    if event.kind == "case.message":
        text = str(payload.get("text", ""))
        return text if len(text) <= 80 else text[:79] + "…"
    return detail_line(public_payload(payload), limit=80)


def _unsealed(note: str) -> str:
    mark = _("unsealed: own time")
    return f"{note}; {mark}" if note else mark


def evidence_list(case: Case) -> list[EvidenceRow]:
    """Rows numbered 1..N: the order's and the case's timeline records by group, then uploads."""
    order_stream, case_stream = case.order.stream, case.stream
    seals = _Seals([order_stream, case_stream])
    drafts: dict[str, list[dict]] = {name: [] for name in GROUPS}

    for stream, mapping, default in ((order_stream, _ORDER_GROUPS, "money"), (case_stream, _CASE_GROUPS, "case")):
        for event in events_of(stream=stream):
            group = mapping.get(event.kind)
            if group is None:
                if stream == order_stream and event.kind.startswith(_SKIPPED_PREFIXES):
                    continue
                if stream == case_stream and event.kind.startswith(("evidence.", "case.attachment")):
                    continue
                group = default
            stamped = seals.stamped_at(stream, event.seq)
            role = event.actor_role or "system"
            note = _("%(stream)s event #%(seq)s") % {"stream": stream, "seq": event.seq}
            detail = _event_note(event)
            note = f"{note}; {detail}" if detail else note
            drafts[group].append(
                {
                    "title": kind_label(event.kind),
                    "kind": event.kind,
                    "source": _("Platform record (%(actor)s)") % {"actor": role_label(role)},
                    "sha256": event.hash,
                    "timestamp": stamped or event.created_at,
                    "note": note if stamped else _unsealed(note),
                    "sealed": stamped is not None,
                    "group": group,
                    "purpose": str(GROUPS[group][1]),
                    "stream": stream,
                    "seq": event.seq,
                }
            )

    # Each upload's own "evidence.added" event on the case chain is what a seal covers.
    added_seq: dict[int, int] = {}
    for event in events_of(stream=case_stream).filter(kind="evidence.added"):
        payload = event.payload if isinstance(event.payload, dict) else {}
        item_id = payload.get("item", payload.get("item_id", payload.get("id")))
        if isinstance(item_id, int):
            added_seq.setdefault(item_id, event.seq)
    for item in EvidenceItem.objects.filter(case=case).order_by("created_at", "pk"):
        seq = added_seq.get(item.pk)
        stamped = seals.stamped_at(case_stream, seq) if seq is not None else None
        kind_name = str(EvidenceKind(item.kind).label) if item.kind in EvidenceKind.values else item.kind
        note = _("File %(name)s, %(type)s, %(size)s bytes") % {
            "name": item.original_name,
            "type": item.content_type,
            "size": item.size,
        }
        if item.withdrawn_at:
            withdrawn = _("Withdrawn")
            note = f"[{withdrawn}] {note}" + (f"; {item.withdraw_reason}" if item.withdraw_reason else "")
        drafts["uploads"].append(
            {
                "title": f"{kind_name}: {item.caption}" if item.caption else kind_name,
                "kind": item.kind,
                "source": _("Uploaded by the %(role)s") % {"role": role_label(item.uploader_role)},
                "sha256": item.sha256,
                "timestamp": stamped or item.created_at,
                "note": note if stamped else _unsealed(note),
                "sealed": stamped is not None,
                "group": "uploads",
                "purpose": str(KIND_PURPOSES.get(item.kind, KIND_PURPOSES[EvidenceKind.OTHER])),
                "stream": case_stream if seq is not None else "",
                "seq": seq,
                "item_id": item.pk,
                "withdrawn": item.withdrawn_at is not None,
            }
        )

    # Files attached on the case form or in the conversation, each covered by the seal of the
    # "case.attachment" event that recorded its message and sha256.
    attached = attached_files(case)
    recorded = [(e.seq, e.payload) for e in events_of(stream=case_stream).filter(kind="case.attachment")]
    attachment_seq, _left = pair_attachments([(a.pk, a.message_id, a.sha256) for a in attached], recorded)
    for att in attached:
        seq = attachment_seq.get(att.pk)
        stamped = seals.stamped_at(case_stream, seq) if seq is not None else None
        where = (
            _("attached when the case was opened")
            if att.from_case_form
            else _("attached to message #%(message)s") % {"message": att.message_id}
        )
        note = _("File %(name)s, %(type)s, %(size)s bytes") % {
            "name": att.name,
            "type": att.content_type,
            "size": att.size,
        }
        note = f"{note}; {where}"
        drafts["uploads"].append(
            {
                "title": _("Case attachment: %(name)s") % {"name": att.name},
                "kind": "case.attachment",
                "source": _("Attached by the %(role)s") % {"role": role_label(att.author_role)},
                "sha256": att.sha256,
                "timestamp": stamped or att.created_at,
                "note": note if stamped else _unsealed(note),
                "sealed": stamped is not None,
                "group": "uploads",
                "purpose": str(KIND_PURPOSES[EvidenceKind.OTHER]),
                "stream": case_stream if seq is not None else "",
                "seq": seq,
                "attachment_id": att.pk,
            }
        )

    rows: list[EvidenceRow] = []
    for group in GROUPS:
        for draft in drafts[group]:
            rows.append(EvidenceRow(number=len(rows) + 1, **draft))
    return rows


def group_title(group: str) -> str:
    return str(GROUPS[group][0]) if group in GROUPS else group
