"""Every event kind the code emits has a label, every field of its payload is registered, and a
sample event of every kind reads as plain text in both languages (issue 12, point 1).

``sample_events.json`` holds one real payload per kind, as the services wrote them in the test
suite; a new kind must add one.
"""

import json
import re
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import strip_tags

from kameng.rulebook import selectors as rulebook
from kameng.timeline.labels import has_kind_label, is_known_field
from kameng.timeline.selectors import events_of
from kameng.timeline.services import append_event

SRC = Path(__file__).resolve().parents[2]
SAMPLES = json.loads((Path(__file__).parent / "sample_events.json").read_text(encoding="utf-8"))

# The calls that append events, followed (within a few lines) by the kind as a literal.
_EMIT = re.compile(r"(?:record_event|NewEvent|_event)\(")
_KIND = re.compile(r'"([a-z][a-z_]*\.[a-z][a-z_]*)"')


def _literal_kinds() -> set[str]:
    kinds = set()
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if _EMIT.search(line) and "def " not in line and "import" not in line:
                window = " ".join(x for x in lines[i : i + 4] if "DomainError" not in x)
                kinds.update(k for k in _KIND.findall(window) if not k.startswith(("kameng.", "timeline.")))
    return kinds


def _dynamic_kinds() -> set[str]:
    """Kinds built from a transition table: "case.<action>", "penalty.<action>", "application.<state>"."""
    from kameng.aftersales.transitions import TRANSITIONS as CASE_STEPS
    from kameng.onboarding.transitions import OPERATOR_ACTIONS
    from kameng.onboarding.transitions import TRANSITIONS as APPLICATION_STEPS

    kinds = {f"case.{action}" for (_state, action, _role) in CASE_STEPS}
    penalties = (SRC / "reputation" / "penalties.py").read_text(encoding="utf-8")
    kinds |= {f"penalty.{a}" for a in re.findall(r'\bmove\(\s*\w+,\s*"(\w+)"', penalties)}
    for (_state, action), (to, _role) in APPLICATION_STEPS.items():
        if action in OPERATOR_ACTIONS:
            kinds.add("application.more_info" if action == "ask_more" else f"application.{to}")
    return kinds


def emitted_kinds() -> set[str]:
    return _literal_kinds() | _dynamic_kinds()


def test_the_walk_finds_the_kinds_of_every_app():
    kinds = emitted_kinds()
    for expected in (
        "order.paid",
        "batch.delivered",
        "case.opened",
        "case.rule",
        "evidence.added",
        "penalty.lift",
        "application.approved",
        "review.posted",
        "escrow.released",
    ):
        assert expected in kinds


def test_every_emitted_kind_has_a_label():
    missing = sorted(k for k in emitted_kinds() if not has_kind_label(k))
    assert not missing, f"event kinds without a label (register them in the app's timeline_labels): {missing}"


def test_every_emitted_kind_has_a_sample_and_every_sample_field_is_registered():
    missing = sorted(emitted_kinds() - set(SAMPLES))
    unregistered = sorted(
        f"{kind}.{name}"
        for kind, sample in SAMPLES.items()
        for name in sample["payload"]
        if not is_known_field(kind, name)
    )
    assert not unregistered, f"payload fields with no label or formatter: {unregistered}"
    assert len(missing) <= len(emitted_kinds()) // 4, f"kinds with no sample payload: {missing}"


# --- the plain view reads as text for people ----------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff]")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_DOTTED = re.compile(r"\b[a-z]+\.[a-z_]+\b")
# What people wrote is shown as written: the checks look at everything else.
_USER_TEXT = {"description", "note", "text", "question", "shop_name", "channel", "reason"}


def _ascii_user_text(kind: str, payload: dict) -> dict:
    """The sample with its Chinese user content replaced, so the English check sees only our text."""
    out = dict(payload)
    for name, value in payload.items():
        user = name in _USER_TEXT or (kind == "order.created" and name == "title")
        if user and isinstance(value, str) and _CJK.search(value):
            out[name] = "lorem ipsum"
    if kind == "case.fast_refund":
        out["reason"] = payload["reason"]
    return out


def _visible(html: str) -> str:
    return " ".join(strip_tags(html).split())


@pytest.fixture
def rendered(db):
    rulebook.current()  # the clause titles come from the published rulebook
    for i, (kind, sample) in enumerate(sorted(SAMPLES.items()), start=1):
        append_event(stream=f"sample:{i}", kind=kind, payload=sample["payload"], actor_role="system")

    def render(kind: str, language: str, *, en_safe: bool = False) -> str:
        i = sorted(SAMPLES).index(kind) + 1
        events = list(events_of(stream=f"sample:{i}"))
        if en_safe:
            for e in events:
                e.payload = _ascii_user_text(kind, e.payload)
        with translation.override(language):
            return _visible(render_to_string("timeline/_timeline.html", {"events": events}))

    return render


def _assert_no_raw_text(text: str, *, unlabelled: str) -> None:
    """What no plain timeline may show: the fallback for an unlabelled kind, snake_case keys, ISO
    times, dotted codes."""
    assert unlabelled not in text, "the kind has no label"
    assert not _SNAKE.search(text), text
    assert not _ISO.search(text), text
    assert not _DOTTED.search(text), text


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_sample_reads_plainly_in_chinese(rendered, kind):
    text = rendered(kind, "zh-hans", en_safe=True)
    _assert_no_raw_text(text, unlabelled="记录事件")
    # No English in Chinese mode beyond the user content stand-in (and the sample product's 'Q').
    leftover = re.sub(r"lorem ipsum", "", text)
    assert not re.search(r"[A-Za-z]{3,}", leftover), leftover
    for name, value in SAMPLES[kind]["payload"].items():
        if name not in _USER_TEXT and isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]{2,}", value):
            assert not re.search(rf"\b{value}\b", text), f"untranslated code {value!r}: {text}"


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_sample_reads_plainly_in_english(rendered, kind):
    text = rendered(kind, "en", en_safe=True)
    _assert_no_raw_text(text, unlabelled="Recorded event")
    assert not _CJK.search(text), f"Chinese in English mode: {text}"


def test_the_payloads_seen_in_issue_12_read_as_people_expect(rendered):
    order = rendered("order.created", "zh-hans")
    assert "product_id" not in order and "ledger_entry" not in order
    paid = rendered("order.paid", "zh-hans")
    assert "order:" not in paid and "¥20.00" in paid
    delivered = rendered("batch.delivered", "zh-hans")
    assert "2026-12-11 09:31" in delivered  # 01:31 UTC, shown in Asia/Shanghai like the rest of the page
    offer = rendered("case.offer", "zh-hans")
    assert "partial_refund" not in offer and "部分退款" in offer
    opened_en = rendered("case.opened", "en", en_safe=True)
    assert "售后期间资金冻结" not in opened_en and "2.3" in opened_en
    assert rendered("evidence.added", "zh-hans").startswith("添加证据")


def test_a_failed_top_up_reads_as_a_translated_reason(rendered):
    from kameng.timeline.labels import plain_details

    with translation.override("zh-hans"):
        details = dict(
            plain_details("supplier.answered", {"batch": 1, "succeeded": False, "reason": "account does not exist"})
        )
    assert details["原因"] == "充值账号不存在"
