"""Kinds for the tests, and mail captured in memory."""

from __future__ import annotations

import pytest
from django.utils.functional import lazy
from django.utils.translation import get_language

from kameng.notifications.kinds import register_kind


def _bilingual(zh: str, en: str):
    """A lazy string that translates itself like gettext_lazy would, without a catalogue."""
    return lazy(lambda: en if (get_language() or "").startswith("en") else zh, str)()


register_kind(
    "test.case_to_answer",
    title=_bilingual("售后单 %(case)s 等待您处理", "Case %(case)s needs your answer"),
    body=_bilingual("请在 %(due)s 前处理：%(problem)s", "Answer before %(due)s: %(problem)s"),
)
register_kind("test.plain", title=_bilingual("系统通知", "Notice"), body=_bilingual("", ""))


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://kameng.example"


PARAMS = {"case": "#12", "due": "12-02 10:00", "problem": {"zh": "卡密无效", "en": "Card key invalid"}}
