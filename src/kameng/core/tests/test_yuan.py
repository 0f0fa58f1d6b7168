import pytest
from django import forms

from kameng.core.yuan import YuanField, yuan_to_fen


class AmountForm(forms.Form):
    amount = YuanField()


@pytest.mark.parametrize(("typed", "fen"), [("58", 5800), ("58.5", 5850), ("58.50", 5850)])
def test_yuan_typed_becomes_exact_fen(typed, fen):
    form = AmountForm({"amount": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == fen


@pytest.mark.parametrize("typed", ["58.555", "-1", "abc", "0", "1e3", "2000000", "1,000"])
def test_bad_amounts_are_refused_with_a_reason(typed):
    form = AmountForm({"amount": typed})
    assert not form.is_valid()
    assert form.errors["amount"]


def test_stored_fen_shows_as_yuan():
    assert AmountForm(initial={"amount": 5850})["amount"].value() == "58.50"
    assert 'value="58.50"' in str(AmountForm(initial={"amount": 5850})["amount"])
    assert yuan_to_fen("0", min_fen=0) == 0
