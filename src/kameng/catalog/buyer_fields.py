"""What a product asks its buyer (the account to top up, the zone, the character): the kinds a
merchant picks from, and the presets that carry their own pattern and a human error message.

A stored definition keeps the original shape (key, label_zh, label_en, pattern, help_zh, help_en)
and adds ``kind``, ``preset``, ``choices`` and ``required``; a definition saved before these
existed has none of them and reads as a required text field with its own pattern, as before.
For a preset the preset's pattern is also written into ``pattern``, so a reader that knows only
patterns (an integration, an old page) still checks the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

TEXT, NUMBER, CHOICE, ACCOUNT = "text", "number", "choice", "account"
KINDS = (TEXT, NUMBER, CHOICE, ACCOUNT)
NUMBER_PATTERN = "[0-9]{1,32}"
MAX_CHOICES = 20
CHOICE_MAX = 32


@dataclass(frozen=True)
class Preset:
    code: str
    label: Promise  # shown in the editor's kind list
    label_zh: str  # the label a new field gets when the merchant leaves it blank
    label_en: str
    pattern: str
    message: Promise  # what the buyer reads when the value does not fit


PRESETS = {
    p.code: p
    for p in (
        Preset(
            "qq",
            pgettext_lazy("field preset", "QQ number"),
            "QQ号",
            "QQ number",
            "[1-9][0-9]{4,11}",
            _("A QQ number has 5 to 12 digits and does not start with 0."),
        ),
        Preset(
            "phone",
            pgettext_lazy("field preset", "Mobile number"),
            "手机号",
            "Mobile number",
            "1[3-9][0-9]{9}",
            _("A mainland mobile number has 11 digits and starts with 1."),
        ),
        Preset(
            "game_id",
            pgettext_lazy("field preset", "Game ID"),
            "游戏ID",
            "Game ID",
            "[A-Za-z0-9_-]{4,32}",
            _("A game ID has 4 to 32 letters, digits, _ or -."),
        ),
        Preset(
            "email",
            pgettext_lazy("field preset", "Email"),
            "邮箱",
            "Email",
            "[^@\\s]{1,64}@[^@\\s]{1,190}\\.[A-Za-z]{2,24}",
            _("Enter an email address such as name@example.com."),
        ),
    )
}

KIND_LABELS = {
    TEXT: pgettext_lazy("field kind", "Text"),
    NUMBER: pgettext_lazy("field kind", "Number"),
    CHOICE: pgettext_lazy("field kind", "Choice list"),
}
NUMBER_MESSAGE = _("Digits only.")
CHOICE_MESSAGE = _("Choose one of the listed options.")


def kind_of(definition: dict) -> str:
    kind = definition.get("kind") or TEXT
    return kind if kind in KINDS else TEXT


def editor_choices() -> list:
    """The editor's one "kind" list: plain kinds, then the account presets grouped."""
    plain = [(kind, label) for kind, label in KIND_LABELS.items()]
    presets = [(f"{ACCOUNT}:{p.code}", p.label) for p in PRESETS.values()]
    return [*plain, (_("Account pattern"), presets)]


def split_choices(text: str) -> list[str]:
    """The merchant's options, one a line (or separated by / or ,), blanks and repeats dropped."""
    raw = text.replace("\r", "\n")
    for sep in ("/", "／", "，", ",", "、"):
        raw = raw.replace(sep, "\n")
    out: list[str] = []
    for part in raw.split("\n"):
        item = part.strip()
        if item and item not in out:
            out.append(item)
    return out


def mismatch_message(definition: dict, *, english: bool) -> str:
    """What a buyer reads when a value does not fit this definition, in their language."""
    kind = kind_of(definition)
    if kind == ACCOUNT and definition.get("preset") in PRESETS:
        return str(PRESETS[definition["preset"]].message)
    if kind == NUMBER:
        return str(NUMBER_MESSAGE)
    if kind == CHOICE:
        return str(CHOICE_MESSAGE)
    help_text = (definition.get("help_en") if english else "") or definition.get("help_zh") or ""
    return str(_("Does not have the expected format.")) + (f" {help_text}" if help_text else "")
