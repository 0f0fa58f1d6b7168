"""/api/v1/cases: after-sales cases (售后单) for buyers, merchants and support agents, and the order
tags around them. Mounted with api_auth. Thin: parse, call one service or selector, shape; every
step answers with the case as the caller now sees it."""

from __future__ import annotations

from django.core.paginator import Paginator
from ninja import File, Form, Path, Query, Router, UploadedFile

from kameng.aftersales import selectors, services
from kameng.aftersales.schemas import (
    MAX_ID,
    AnswerIn,
    CaseDetailOut,
    CaseFilter,
    CaseIn,
    CaseMessageOut,
    CaseNoteIn,
    CasePageOut,
    DeflectionOut,
    ExternalIn,
    InfoIn,
    MoneyLineOut,
    OfferIn,
    OptionalReasonIn,
    PreviewIn,
    QuestionIn,
    ReasonIn,
    RuleIn,
    RunAnswerIn,
    RunOut,
    RunStartIn,
    TagIn,
    TagOut,
    WizardIn,
    WizardOut,
)
from kameng.aftersales.tags import add_private_tag, remove_private_tag
from kameng.core.errors import DomainError
from kameng.orders.schemas import ShopOrderPageOut

router = Router(tags=["aftersales"])
PAGE_SIZE = 20


def _id():
    return Path(..., ge=1, le=MAX_ID)


def _page(qs, page: int) -> dict:
    got = Paginator(qs, PAGE_SIZE).get_page(page)
    return {
        "items": list(got.object_list),
        "page": got.number,
        "pages": got.paginator.num_pages,
        "total": got.paginator.count,
    }


def _detail(request, case_id: int):
    return selectors.case_detail(request.auth, case_id)


# --- order tags (static paths first, so they never read as a case id) ----------------------------


@router.get("/orders", response=ShopOrderPageOut, summary="My orders carrying a tag (订单标签)")
def orders_by_tag(request, tag: str = Query(..., min_length=1, max_length=24), page: int = Query(1, ge=1, le=10**6)):
    qs = selectors.orders_with_tag(request.auth, tag).prefetch_related("batches")
    return _page(qs, page)


@router.post("/orders/{order_id}/tags", response={201: TagOut}, summary="Add a private tag (merchant, agent)")
def add_tag(request, order_id: int = _id(), *, payload: TagIn):
    return 201, add_private_tag(user=request.auth, order_id=order_id, name=payload.name)


@router.delete("/orders/{order_id}/tags/{name}", response={204: None}, summary="Remove one of my private tags")
def remove_tag(request, order_id: int = _id(), name: str = Path(..., min_length=1, max_length=24)):
    if not remove_private_tag(user=request.auth, order_id=order_id, name=name):
        raise DomainError("not_found")
    return 204, None


# --- cases ---------------------------------------------------------------------------------------


@router.get("", response=CasePageOut, summary="My cases (buyer: mine; merchant: my shop's by deadline; agent: queue)")
def list_cases(request, filters: Query[CaseFilter]):
    qs = selectors.cases_for(request.auth, state=filters.state, open_only=filters.open)
    if not qs.ordered:
        qs = qs.order_by("-opened_at", "-pk")
    return _page(qs, filters.page)


@router.post("", response={201: CaseDetailOut}, summary="Open a case (buyer)")
def open_case(request, payload: CaseIn):
    case = services.open_case(
        buyer=request.auth,
        order_id=payload.order_id,
        subtype=payload.subtype,
        demand=payload.demand.value,
        description=payload.description,
        demand_fen=payload.demand_fen,
        batch_seqs=payload.batch_seqs or None,
        order_key_ids=payload.order_key_ids or None,
        self_check_run_id=payload.self_check_run_id,
    )
    return 201, _detail(request, case.pk)


@router.get("/{case_id}", response=CaseDetailOut, summary="One case: facts, offers, rulings, messages, timeline")
def case_detail(request, case_id: int = _id()):
    return _detail(request, case_id)


# merchant stage


@router.post("/{case_id}/accept", response=CaseDetailOut, summary="Grant the buyer's demand (merchant)")
def accept(request, case_id: int = _id(), *, payload: CaseNoteIn):
    services.accept_case(merchant=request.auth, case_id=case_id, note=payload.note)
    return _detail(request, case_id)


@router.post("/{case_id}/offer", response=CaseDetailOut, summary="Offer another remedy (merchant)")
def offer(request, case_id: int = _id(), *, payload: OfferIn):
    services.make_offer(
        merchant=request.auth,
        case_id=case_id,
        remedy=payload.remedy.value,
        amount_fen=payload.amount_fen,
        note=payload.note,
    )
    return _detail(request, case_id)


@router.post("/{case_id}/offer/answer", response=CaseDetailOut, summary="Accept or decline the offer (buyer)")
def answer_offer(request, case_id: int = _id(), *, payload: AnswerIn):
    services.answer_offer(buyer=request.auth, case_id=case_id, accept=payload.accept)
    return _detail(request, case_id)


@router.post("/{case_id}/refuse", response=CaseDetailOut, summary="Refuse with reasons (merchant)")
def refuse(request, case_id: int = _id(), *, payload: ReasonIn):
    services.refuse_case(merchant=request.auth, case_id=case_id, reason=payload.reason)
    return _detail(request, case_id)


@router.post("/{case_id}/ask-info", response=CaseDetailOut, summary="Ask the buyer for information (merchant)")
def ask_info(request, case_id: int = _id(), *, payload: QuestionIn):
    services.ask_for_info(merchant=request.auth, case_id=case_id, question=payload.question)
    return _detail(request, case_id)


@router.post("/{case_id}/info", response=CaseDetailOut, summary="Answer the merchant's question (buyer)")
def provide_info(request, case_id: int = _id(), *, payload: InfoIn):
    services.provide_info(buyer=request.auth, case_id=case_id, answer=payload.answer)
    return _detail(request, case_id)


# buyer steps


@router.post("/{case_id}/intervene", response=CaseDetailOut, summary="Ask the platform to step in (平台介入)")
def intervene(request, case_id: int = _id(), *, payload: OptionalReasonIn):
    services.request_intervention(buyer=request.auth, case_id=case_id, reason=payload.reason)
    return _detail(request, case_id)


@router.post("/{case_id}/withdraw", response=CaseDetailOut, summary="Withdraw the case (buyer)")
def withdraw(request, case_id: int = _id()):
    services.withdraw_case(buyer=request.auth, case_id=case_id)
    return _detail(request, case_id)


@router.post("/{case_id}/reopen", response=CaseDetailOut, summary="Reopen a case closed for silence (buyer, once)")
def reopen(request, case_id: int = _id()):
    services.reopen_case(buyer=request.auth, case_id=case_id)
    return _detail(request, case_id)


@router.post("/{case_id}/contest", response=CaseDetailOut, summary="Contest a fast refund (merchant)")
def contest(request, case_id: int = _id(), *, payload: ReasonIn):
    services.contest_fast_refund(merchant=request.auth, case_id=case_id, reason=payload.reason)
    return _detail(request, case_id)


@router.post("/{case_id}/appeal", response=CaseDetailOut, summary="Appeal a ruling (申诉, once per side)")
def appeal(request, case_id: int = _id(), *, payload: ReasonIn):
    services.appeal(user=request.auth, case_id=case_id, reason=payload.reason)
    return _detail(request, case_id)


@router.post("/{case_id}/external", response=CaseDetailOut, summary="Record external escalation (12315 / court)")
def external(request, case_id: int = _id(), *, payload: ExternalIn):
    services.escalate_externally(buyer=request.auth, case_id=case_id, channel=payload.channel)
    return _detail(request, case_id)


# platform


@router.post("/{case_id}/take", response=CaseDetailOut, summary="Take a case from the queue (agent)")
def take(request, case_id: int = _id()):
    services.take_case(agent=request.auth, case_id=case_id)
    return _detail(request, case_id)


@router.post("/{case_id}/rule", response=CaseDetailOut, summary="Rule, citing a clause (裁决; decides appeals too)")
def rule(request, case_id: int = _id(), *, payload: RuleIn):
    services.rule(
        agent=request.auth,
        case_id=case_id,
        remedy=payload.remedy.value,
        clause=payload.clause,
        text=payload.text,
        amount_fen=payload.amount_fen,
        penalty_fen=payload.penalty_fen,
        responsible=payload.responsible,
    )
    return _detail(request, case_id)


@router.get("/{case_id}/ruling-preview", response=list[MoneyLineOut], summary="Money a ruling would move (agent)")
def ruling_preview(request, case_id: int = _id(), *, query: Query[PreviewIn]):
    return services.ruling_preview(
        agent=request.auth,
        case_id=case_id,
        remedy=query.remedy.value,
        amount_fen=query.amount_fen,
        penalty_fen=query.penalty_fen,
    )


# conversation


@router.post("/{case_id}/messages", response={201: CaseMessageOut}, summary="Post a message with files (multipart)")
def post_message(
    request,
    case_id: int = _id(),
    text: Form[str] = "",
    files: File[list[UploadedFile]] = None,
):
    return 201, services.post_message(user=request.auth, case_id=case_id, text=text, files=files or ())


@router.get(
    "/{case_id}/attachments/{attachment_id}",
    url_name="case_attachment",
    summary="Download an attachment",
    response={200: None},
)
def attachment(request, case_id: int = _id(), attachment_id: int = _id()):
    from kameng.aftersales.attachments import file_response

    # Named and typed by the server, nosniff, sandbox CSP: the same response as the page's download.
    return file_response(selectors.attachment_for(request.auth, case_id, attachment_id))


# --- self-check wizards (自查) ----------------------------------------------------------------------


def _run_out(run) -> dict:
    from urllib.parse import urlencode

    from django.urls import reverse

    from kameng.aftersales import selfcheck

    step = selfcheck.step_of(run) or {}
    variables = (run.facts or {}).get("vars", {})
    query = {"subtype": run.subtype, "checked": "1", "run": run.pk}
    if run.description:
        query["description"] = run.description
    return {
        "id": run.pk,
        "order_id": run.order_id,
        "subtype": run.subtype,
        "wizard_version": run.wizard_version,
        "outcome": run.outcome,
        "step": run.step,
        "kind": step.get("kind"),
        "text": selfcheck.text_of(step, "text", variables) if step else "",
        "choices": [
            {"index": i, "label": selfcheck.text_of(a, "label", variables)}
            for i, a in enumerate(step.get("answers") or [])
        ]
        if step.get("kind") == selfcheck.QUESTION and run.outcome == "in_progress"
        else [],
        "article_slug": step.get("slug") if step.get("kind") == selfcheck.ARTICLE else None,
        "answers": run.answers,
        "case_id": run.case_id,
        "case_form_url": f"{reverse('aftersales:open', args=[run.order_id])}?{urlencode(query)}",
    }


def _subtype(value: str) -> str:
    from kameng.rulebook.problems import SUBTYPES

    if value not in SUBTYPES:
        raise DomainError("not_found")
    return value


@router.get(
    "/self-checks/stats", response=list[DeflectionOut], summary="Self-check deflection per subtype (operator, agent)"
)
def selfcheck_stats(request):
    from kameng.aftersales import selfcheck

    rows = selfcheck.deflection(user=request.auth)
    return [{**r.__dict__, "deflected": r.deflected, "rate": r.rate} for r in rows]


@router.get("/self-checks/wizards/{subtype}", response=WizardOut, summary="The current self-check wizard of a subtype")
def get_wizard(request, subtype: str = Path(..., min_length=1, max_length=32)):
    from kameng.aftersales import selfcheck

    wizard = selfcheck.current_wizard(_subtype(subtype))
    if wizard is None:
        raise DomainError("selfcheck.no_wizard")
    return wizard


@router.put("/self-checks/wizards/{subtype}", response=WizardOut, summary="Save a new wizard version (operator, agent)")
def put_wizard(request, payload: WizardIn, subtype: str = Path(..., min_length=1, max_length=32)):
    from kameng.aftersales.services.selfcheck import save_wizard

    return save_wizard(
        user=request.auth,
        subtype=_subtype(subtype),
        steps=payload.steps,
        base_version=payload.base_version,
        note=payload.note,
    )


@router.post("/self-checks/runs", response={201: RunOut}, summary="Start a self-check on my order (buyer)")
def start_run(request, payload: RunStartIn):
    from kameng.aftersales.services.selfcheck import start_run as start

    run = start(buyer=request.auth, order_id=payload.order_id, subtype=payload.subtype, description=payload.description)
    return 201, _run_out(run)


@router.get("/self-checks/runs/{run_id}", response=RunOut, summary="One of my self-check runs (buyer)")
def get_run(request, run_id: int = _id()):
    from kameng.aftersales import selfcheck

    return _run_out(selfcheck.run_of_buyer(buyer=request.auth, run_id=run_id))


@router.post("/self-checks/runs/{run_id}/answers", response=RunOut, summary="Answer the current question (buyer)")
def answer_run(request, payload: RunAnswerIn, run_id: int = _id()):
    from kameng.aftersales.services.selfcheck import answer_step

    return _run_out(answer_step(buyer=request.auth, run_id=run_id, step=payload.step, answer=payload.answer))
