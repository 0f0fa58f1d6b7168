"""Gateway protocols, checked against signatures computed independently in the test."""

import hashlib
import hmac
import urllib.parse

import pytest

from kameng.core.errors import DomainError
from kameng.payments.gateways import epay, sandbox
from kameng.payments.gateways.base import BadSignature, get_gateway
from kameng.payments.tests.conftest import EPAY_KEY, EPAY_PID, SANDBOX_SECRET


class FakePayment:
    out_trade_no = "20261126000000abcdef"
    amount_fen = 1050
    currency = "CNY"


def test_sandbox_signature_is_hmac_sha256_over_sorted_params():
    params = {"status": "SUCCESS", "amount_fen": "100", "out_trade_no": "X1", "currency": "CNY"}
    expected = hmac.new(
        SANDBOX_SECRET.encode(), b"amount_fen=100&currency=CNY&out_trade_no=X1&status=SUCCESS", hashlib.sha256
    ).hexdigest()
    assert sandbox.sign(params) == expected
    assert sandbox.sign({**params, "sign": "ignored"}) == expected


def _sandbox(**overrides):
    params = {
        "event_id": "T1:SUCCESS",
        "out_trade_no": "X1",
        "trade_no": "T1",
        "amount_fen": "100",
        "currency": "CNY",
        "status": "SUCCESS",
    }
    params.update(overrides)
    params["sign"] = sandbox.sign(params)
    return params


def test_sandbox_parses_a_signed_notification():
    note = get_gateway("sandbox").parse_notification(_sandbox())
    assert (note.event_id, note.out_trade_no, note.provider_trade_no) == ("T1:SUCCESS", "X1", "T1")
    assert (note.amount_fen, note.currency, note.succeeded) == (100, "CNY", True)
    assert get_gateway("sandbox").parse_notification(_sandbox(status="FAILED")).succeeded is False


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: p.update(amount_fen="1000"),
        lambda p: p.update(sign="0" * 64),
        lambda p: p.pop("sign"),
        lambda p: p.pop("trade_no"),
        lambda p: p.update(sign=hmac.new(b"other", b"x", hashlib.sha256).hexdigest()),
    ],
)
def test_sandbox_refuses_tampered_or_incomplete_notifications(tamper):
    params = _sandbox()
    tamper(params)
    with pytest.raises(BadSignature):
        get_gateway("sandbox").parse_notification(params)


def test_sandbox_refuses_a_notification_signed_with_another_secret(settings):
    params = _sandbox()
    settings.KAMENG_SANDBOX_GATEWAY_SECRET = "another"
    with pytest.raises(BadSignature):
        get_gateway("sandbox").parse_notification(params)


def test_sandbox_secret_defaults_to_one_derived_from_secret_key(settings):
    settings.KAMENG_SANDBOX_GATEWAY_SECRET = ""
    from kameng.payments import conf

    derived = conf.sandbox_secret()
    assert derived and derived != settings.SECRET_KEY.encode()
    settings.SECRET_KEY = "x" * 50
    assert conf.sandbox_secret() != derived


def _epay_sign(params):
    # Independent re-implementation of the EPay rule, for the vector.
    text = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in ("sign", "sign_type") and v != "")
    return hashlib.md5((text + EPAY_KEY).encode()).hexdigest()


def test_epay_checkout_url_carries_signed_parameters():
    url = get_gateway("epay").checkout_url(FakePayment())
    base, query = url.split("?", 1)
    assert base == "https://epay.example.com/submit.php"
    params = dict(urllib.parse.parse_qsl(query))
    assert params["pid"] == EPAY_PID
    assert params["type"] == "alipay"
    assert params["money"] == "10.50"
    assert params["out_trade_no"] == FakePayment.out_trade_no
    assert params["notify_url"] == "https://kameng.example.com/api/v1/payments/notify/epay"
    assert params["return_url"].startswith("https://kameng.example.com/wallet/?payment=")
    assert params["sign_type"] == "MD5"
    assert params["sign"] == _epay_sign(params)


def test_epay_sign_known_vector():
    params = {"pid": "1001", "money": "1.00", "out_trade_no": "A", "name": "", "sign_type": "MD5"}
    expected = hashlib.md5(b"money=1.00&out_trade_no=A&pid=1001" + EPAY_KEY.encode()).hexdigest()
    assert epay.sign(params, EPAY_KEY) == expected


def _epay_note(**overrides):
    params = {
        "pid": EPAY_PID,
        "trade_no": "2026112612345",
        "out_trade_no": "X1",
        "type": "alipay",
        "name": "top-up",
        "money": "10.50",
        "trade_status": "TRADE_SUCCESS",
    }
    params.update(overrides)
    params["sign"] = _epay_sign(params)
    params["sign_type"] = "MD5"
    return params


def test_epay_parses_a_signed_notification():
    note = get_gateway("epay").parse_notification(_epay_note())
    assert note.amount_fen == 1050 and note.currency == "CNY" and note.succeeded
    assert note.event_id == "2026112612345:TRADE_SUCCESS"
    assert get_gateway("epay").parse_notification(_epay_note(money="abc")).amount_fen == -1
    assert get_gateway("epay").parse_notification(_epay_note(money="1.005")).amount_fen == -1


def test_epay_refuses_a_bad_signature_or_another_merchant():
    params = _epay_note()
    params["money"] = "0.01"
    with pytest.raises(BadSignature):
        get_gateway("epay").parse_notification(params)
    with pytest.raises(BadSignature):
        get_gateway("epay").parse_notification(_epay_note(pid="999"))


def test_epay_replies_in_its_protocol():
    assert get_gateway("epay").ack().content == b"success"
    assert get_gateway("epay").nack().content != b"success"


def test_fen_from_yuan_is_exact():
    assert epay.fen_from_yuan("0.01") == 1
    assert epay.fen_from_yuan("10") == 1000
    assert epay.fen_from_yuan("19.9") == 1990
    assert epay.fen_from_yuan("-1") == -1
    assert epay.fen_from_yuan("1e3") == -1


def test_unknown_or_disabled_gateway_is_refused(settings):
    with pytest.raises(DomainError) as exc:
        get_gateway("paypal")
    assert exc.value.code == "payments.unknown_gateway"
    settings.KAMENG_PAYMENT_GATEWAYS = ["sandbox"]
    with pytest.raises(DomainError):
        get_gateway("epay")
