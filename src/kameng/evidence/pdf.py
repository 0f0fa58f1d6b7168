"""The external-escalation documents (外部维权): the buyer's 12315 complaint package and the court
evidence list (证据目录), as PDFs built with reportlab.

Both are Chinese whatever the reader's language (12315 and Chinese courts read Chinese), and embed
a CJK TrueType font (settings.KAMENG_PDF_FONT) so they render the same on any machine.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kameng.accounts.models import User
from kameng.aftersales.models import Case, Demand, Offer, Remedy
from kameng.aftersales.permissions import role_on
from kameng.aftersales.selectors import case_for
from kameng.catalog.models import DeliveryKind
from kameng.core.errors import DomainError
from kameng.core.templatetags.money import format_fen
from kameng.evidence.listing import EvidenceRow, evidence_list, group_title
from kameng.rulebook import selectors as rulebook
from kameng.timeline.labels import kind_label, role_label
from kameng.timeline.selectors import events_of

FONT = "KamengCJK"
TIMELINE_LIMIT = 60  # the complaint's abridged timeline; the evidence list has every record
_registered: dict[str, str] = {}


def _font() -> str:
    """Register the CJK font once per path; a missing font is a set-up error, said plainly."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = str(settings.KAMENG_PDF_FONT)
    if path in _registered:
        return _registered[path]
    if not path or not Path(path).is_file():
        raise ImproperlyConfigured(
            f"KAMENG_PDF_FONT: no CJK TrueType font at {path!r}; install fonts-wqy-microhei "
            "or point KAMENG_PDF_FONT at a .ttf/.ttc with Chinese glyphs"
        )
    name = f"{FONT}{len(_registered)}"
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    _registered[path] = name
    return name


def _when(value: datetime | None) -> str:
    if value is None:
        return "-"
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %z")


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


class _Doc:
    """A small layer over platypus: paragraphs and tables in the CJK font."""

    def __init__(self, *, title: str, landscape_page: bool = False) -> None:
        from reportlab.lib import colors
        from reportlab.lib.pagesizes import A4, landscape
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.lib.units import mm

        self.colors, self.mm = colors, mm
        self.font = _font()
        self.title = title
        self.pagesize = landscape(A4) if landscape_page else A4
        self.story: list = []
        base = {"fontName": self.font, "wordWrap": "CJK"}
        self.styles = {
            "title": ParagraphStyle("title", fontSize=18, leading=26, alignment=1, spaceAfter=8, **base),
            "h": ParagraphStyle("h", fontSize=13, leading=20, spaceBefore=10, spaceAfter=4, **base),
            "p": ParagraphStyle("p", fontSize=10, leading=15, **base),
            "small": ParagraphStyle("small", fontSize=8, leading=11, **base),
            "cell": ParagraphStyle("cell", fontSize=7.5, leading=10, **base),
        }

    def para(self, text: str, style: str = "p") -> None:
        from reportlab.platypus import Paragraph

        self.story.append(Paragraph(escape(text).replace("\n", "<br/>"), self.styles[style]))

    def heading(self, text: str) -> None:
        self.para(text, "h")

    def fields(self, pairs: list[tuple[str, str]]) -> None:
        self.table([[k, v] for k, v in pairs], widths=[40 * self.mm, None], header=False)

    def table(self, rows: list[list[str]], *, widths: list, header: bool = True) -> None:
        from reportlab.platypus import Paragraph, Table, TableStyle

        if not rows:
            return
        cells = [[Paragraph(escape(str(v)).replace("\n", "<br/>"), self.styles["cell"]) for v in row] for row in rows]
        usable = self.pagesize[0] - 30 * self.mm
        fixed = sum(w for w in widths if w)
        flexible = [w for w in widths if not w]
        widths = [w or (usable - fixed) / len(flexible) for w in widths]
        table = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
        style = [
            ("GRID", (0, 0), (-1, -1), 0.4, self.colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), self.colors.HexColor("#e8e8e8")))
        table.setStyle(TableStyle(style))
        self.story.append(table)

    def build(self) -> bytes:
        from reportlab.platypus import SimpleDocTemplate

        page_word = _("Page %(n)s")

        def on_page(canvas, doc) -> None:
            canvas.saveState()
            canvas.setFont(self.font, 8)
            canvas.drawRightString(self.pagesize[0] - 15 * self.mm, 8 * self.mm, page_word % {"n": doc.page})
            canvas.drawString(15 * self.mm, 8 * self.mm, self.title)
            canvas.restoreState()

        out = io.BytesIO()
        doc = SimpleDocTemplate(
            out,
            pagesize=self.pagesize,
            leftMargin=15 * self.mm,
            rightMargin=15 * self.mm,
            topMargin=15 * self.mm,
            bottomMargin=15 * self.mm,
            title=self.title,
            author=settings.KAMENG_PLATFORM_NAME,
            creator=settings.KAMENG_PLATFORM_NAME,
        )
        doc.build(self.story, onFirstPage=on_page, onLaterPages=on_page)
        return out.getvalue()


def _platform_pairs() -> list[tuple[str, str]]:
    return [
        (_("Platform"), settings.KAMENG_PLATFORM_NAME),
        (_("Platform contact"), settings.KAMENG_PLATFORM_CONTACT or "-"),
        (_("Platform address"), settings.SITE_URL),
    ]


def _evidence_table(doc: _Doc, rows: list[EvidenceRow], *, court: bool) -> None:
    mm = doc.mm
    if court:
        head = [
            _("No."),
            _("Evidence"),
            pgettext("evidence list", "Source"),
            _("Purpose"),
            _("Hash (SHA-256)"),
            _("Timestamp"),
            _("Page / remarks"),
        ]
        widths = [10 * mm, 45 * mm, 32 * mm, 40 * mm, 50 * mm, 32 * mm, None]
        body = [
            [
                str(r.number),
                r.title,
                r.source,
                r.purpose,
                r.sha256,
                _when(r.timestamp) + ("" if r.sealed else "\n" + _("(unsealed)")),
                r.note,
            ]
            for r in rows
        ]
    else:
        head = [
            _("No."),
            _("Evidence"),
            pgettext("evidence list", "Source"),
            _("Hash (SHA-256)"),
            _("Timestamp"),
            _("Remarks"),
        ]
        widths = [9 * mm, 32 * mm, 25 * mm, 38 * mm, 27 * mm, None]
        body = [
            [
                str(r.number),
                f"{r.title}\n({group_title(r.group)})",
                r.source,
                r.sha256,
                _when(r.timestamp) + ("" if r.sealed else "\n" + _("(unsealed)")),
                r.note,
            ]
            for r in rows
        ]
    doc.table([head, *body], widths=widths)
    doc.para(
        _(
            "Hashes of platform records are the SHA-256 event hashes of the hash-chained timeline; "
            "the timestamp is that of the first seal (a Merkle root over the chain heads, timestamped) "
            "that covers the record, else the record's own time, marked unsealed. The evidence bundle "
            "can be checked offline with `kameng evidence verify`."
        ),
        "small",
    )


def _timeline(case: Case) -> list[list[str]]:
    """Both chains merged by time; the order chain's copies of case steps left out."""
    events = [e for e in events_of(stream=case.order.stream) if not e.kind.startswith(("case.", "evidence."))]
    events += [e for e in events_of(stream=case.stream) if e.kind != "evidence.added"]
    events.sort(key=lambda e: (e.created_at, e.stream, e.seq))
    return [[_when(e.created_at), kind_label(e.kind), role_label(e.actor_role or "system")] for e in events]


def complaint_pdf(*, user: User, case_id: int) -> bytes:
    """The buyer's 12315 complaint package. Only the case's buyer (and an operator) get it."""
    case = case_for(user, case_id)
    if role_on(case, user) not in ("buyer", "operator"):
        raise DomainError("not_found")
    with translation.override("zh-hans"):
        return _complaint(case)


def _complaint(case: Case) -> bytes:
    order, shop, buyer = case.order, case.shop, case.buyer
    doc = _Doc(title=_("Consumer complaint (12315): case %(id)s") % {"id": case.pk})
    doc.para(_("Consumer complaint (12315)"), "title")
    doc.para(
        _("Prepared by %(platform)s at %(time)s from its records of after-sales case %(id)s.")
        % {"platform": settings.KAMENG_PLATFORM_NAME, "time": _when(timezone.now()), "id": case.pk},
        "small",
    )
    blank = "________________________"
    doc.heading(_("1. Complainant"))
    doc.fields(
        [
            (pgettext("complainant", "Name"), buyer.shown_name),
            (_("Platform username"), buyer.username),
            (_("Phone"), blank),
            (_("ID card number"), blank),
            (_("Address"), blank),
        ]
    )
    doc.para(_("The platform does not hold the complainant's phone, ID or address: fill them in."), "small")

    doc.heading(_("2. Respondent"))
    doc.fields(
        [
            (_("Shop name"), shop.name),
            (_("Shop ID"), str(shop.pk)),
            (_("Shop owner"), shop.owner.shown_name),
            *_platform_pairs(),
        ]
    )

    doc.heading(_("3. Transaction"))
    doc.fields(
        [
            (_("Order number"), str(order.pk)),
            (_("Product"), order.product_title),
            (_("Quantity"), str(order.quantity)),
            (_("Amount paid"), format_fen(order.total_fen)),
            (_("Paid at"), _when(order.paid_at)),
            (_("Delivered at"), _when(order.delivered_at)),
            (_("Delivery kind"), _label(DeliveryKind, order.delivery_kind)),
            (_("After-sales case"), f"{case.pk} ({_when(case.opened_at)})"),
        ]
    )

    doc.heading(_("4. What happened (abridged timeline)"))
    lines = _timeline(case)
    shown = lines[:TIMELINE_LIMIT]
    doc.table([[_("Time"), _("Event"), _("By")], *shown], widths=[45 * doc.mm, None, 35 * doc.mm])
    if len(lines) > len(shown):
        doc.para(
            _("%(n)s later records left out here; all are in the evidence list.") % {"n": len(lines) - len(shown)},
            "small",
        )

    doc.heading(_("5. The merchant's answers"))
    answers = []
    for offer in case.offers.order_by("created_at", "pk"):
        text = _("Offer: %(remedy)s %(amount)s (%(state)s)") % {
            "remedy": _label(Remedy, offer.remedy),
            "amount": format_fen(offer.amount_fen),
            "state": _label(Offer.State, offer.state),
        }
        answers.append([_when(offer.created_at), text + (f"\n{offer.note}" if offer.note else "")])
    for event in events_of(stream=case.stream).filter(kind="case.refuse"):
        reason = event.payload.get("reason", "") if isinstance(event.payload, dict) else ""
        answers.append([_when(event.created_at), _("Refused: %(reason)s") % {"reason": reason}])
    for message in case.messages.filter(author_role="merchant"):
        answers.append([_when(message.created_at), _("Message: %(text)s") % {"text": message.text}])
    answers.sort(key=lambda row: row[0])
    if answers:
        doc.table([[_("Time"), _("Answer")], *answers], widths=[45 * doc.mm, None])
    else:
        doc.para(_("The merchant gave no answer."))

    doc.heading(_("6. The platform's answers"))
    rulings = list(case.rulings.order_by("created_at", "pk"))
    if rulings:
        book = rulebook.version(case.rulebook_id)
        for ruling in rulings:
            clause = next((c for c in book.clauses if c.code == ruling.clause), None)
            what = _("Appeal decision") if ruling.is_appeal else _("Ruling")
            doc.fields(
                [
                    (what, _when(ruling.created_at)),
                    (_("Decision"), f"{_label(Remedy, ruling.remedy)} {format_fen(ruling.amount_fen)}"),
                    (
                        _("Clause cited"),
                        _("Rulebook v%(n)s, clause %(code)s %(title)s")
                        % {"n": book.number, "code": ruling.clause, "title": clause.title_zh if clause else ""}
                        + (f"\n{clause.body}" if clause else ""),
                    ),
                    (pgettext("ruling", "Reasons"), ruling.text),
                ]
            )
    else:
        doc.para(_("The platform has made no ruling on this case."))

    doc.heading(_("7. The complainant's demand"))
    demand = _label(Demand, case.demand)
    if case.demand_fen:
        demand = f"{demand} {format_fen(case.demand_fen)}"
    doc.fields([(_("Demand"), demand), (_("Statement"), case.description)])

    doc.heading(_("8. Evidence list"))
    _evidence_table(doc, evidence_list(case), court=False)

    doc.para("\n" + _("Complainant (signature): ________________    Date: ________________"))
    return doc.build()


def court_list_pdf(*, user: User, case_id: int) -> bytes:
    """The case's evidence list laid out as a court 证据目录. Every party of the case may get it."""
    case = case_for(user, case_id)
    with translation.override("zh-hans"):
        return _court_list(case)


def _court_list(case: Case) -> bytes:
    order, shop, buyer = case.order, case.shop, case.buyer
    doc = _Doc(title=_("Evidence list: case %(id)s") % {"id": case.pk}, landscape_page=True)
    doc.para(_("Evidence list"), "title")
    doc.fields(
        [
            (_("Buyer"), f"{buyer.shown_name} ({buyer.username})"),
            (_("Shop"), f"{shop.name} (ID {shop.pk}, {shop.owner.shown_name})"),
            (_("Order number"), f"{order.pk}: {order.product_title}, {format_fen(order.total_fen)}"),
            (_("After-sales case"), str(case.pk)),
            *_platform_pairs(),
            (_("Prepared at"), _when(timezone.now())),
        ]
    )
    doc.para("")
    _evidence_table(doc, evidence_list(case), court=True)
    doc.para("\n" + _("Submitted by (signature): ________________    Date: ________________"))
    return doc.build()
