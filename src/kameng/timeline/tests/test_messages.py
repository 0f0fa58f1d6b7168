from django.utils import translation

from kameng.core.errors import ERRORS
from kameng.timeline.messages import ERROR_MESSAGES


def test_error_messages_match_the_registry():
    with translation.override("en"):
        registered = {code: str(spec.message) for code, spec in ERRORS.items() if code.startswith("timeline.")}
    assert registered == ERROR_MESSAGES


def test_error_messages_are_in_chinese():
    with translation.override("zh-hans"):
        for code in ERROR_MESSAGES:
            assert str(ERRORS[code].message) != ERROR_MESSAGES[code]
