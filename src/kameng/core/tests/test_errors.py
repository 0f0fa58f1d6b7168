"""The error registry: every code is usable, and an unknown code is a programming error."""

from __future__ import annotations

import pytest
from django.utils import translation

from kameng.core.errors import ERRORS, DomainError, error_payload, payload_for


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_every_registered_code_has_an_http_error_status_and_a_message(code):
    spec = ERRORS[code]
    assert isinstance(spec.status, int)
    assert 400 <= spec.status <= 599
    assert str(spec.message).strip()


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_every_registered_message_is_translated_to_chinese(code):
    with translation.override("en"):
        english = str(ERRORS[code].message)
    with translation.override("zh-hans"):
        chinese = str(ERRORS[code].message)
    assert chinese != english, f"{code}: no Chinese for {english!r}"


def test_codes_are_namespaced_by_domain_or_generic():
    for code in ERRORS:
        assert code == code.strip().lower()
        assert " " not in code
        assert code.count(".") <= 1


def test_domain_error_with_an_unknown_code_raises():
    with pytest.raises(KeyError, match=r"unregistered error code 'no\.such_code'"):
        DomainError("no.such_code")


def test_domain_error_carries_status_message_and_fields():
    err = DomainError("invalid_input", fields={"price_fen": "must be positive", "count": 3})
    assert err.status == 422
    assert err.code == "invalid_input"
    assert err.fields == {"price_fen": "must be positive", "count": "3"}
    with translation.override("en"):
        assert err.as_payload() == {
            "error": {
                "code": "invalid_input",
                "message": "Some of the input is invalid.",
                "fields": {"price_fen": "must be positive", "count": "3"},
            }
        }


def test_domain_error_fills_message_parameters_in_the_active_language():
    err = DomainError("auth.locked_out", minutes=15)
    with translation.override("en"):
        assert err.message == "Too many failed logins. Try again in 15 minutes."
    with translation.override("zh-hans"):
        assert "15" in err.message
        assert "分钟" in err.message


def test_explicit_message_overrides_the_registered_one():
    assert DomainError("conflict", "Stock changed meanwhile.").message == "Stock changed meanwhile."


def test_payload_helpers_share_the_one_shape():
    status, payload = payload_for("not_found")
    assert status == 404
    assert set(payload["error"]) == {"code", "message", "fields"}
    assert error_payload("x", "y") == {"error": {"code": "x", "message": "y", "fields": {}}}
