"""Every simulator behaviour through real HTTP, with the real client (no database needed)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from kameng.suppliers.client import (
    SupplierClient,
    SupplierNotFound,
    SupplierProtocolError,
    SupplierRejected,
    SupplierTimeout,
    SupplierUnreachable,
)
from kameng.suppliers.conf import SupplierConfig
from kameng.suppliers.signing import SIGNATURE_HEADER, request_signature
from kameng.suppliers.simulator import SupplierSimulator, target_account

from .conftest import LATE_SECONDS, SECRET


def make_client(url, *, secret=SECRET, timeout=0.5):
    return SupplierClient(
        SupplierConfig(
            url=url,
            secret=secret,
            timeout=timeout,
            check_seconds=30,
            max_check_seconds=600,
            give_up_seconds=3600,
            batch_size=50,
        )
    )


def topup(client, request_id, account, **overrides):
    args = {
        "request_id": request_id,
        "sku": "qq-vip-1m",
        "face_value_fen": 1000,
        "quantity": 1,
        "fields": {"account": account},
        "timestamp": datetime.now(UTC),
        **overrides,
    }
    return client.submit(**args)


@pytest.fixture
def client(sim):
    return make_client(sim.url)


def test_an_ordinary_account_is_topped_up_at_once(sim, client):
    answer = topup(client, "r-ok", "12345")
    assert (answer.status, answer.request_id) == ("succeeded", "r-ok")
    assert answer.supplier_ref.startswith("SIM")
    assert sim.topup_count == {"12345": 1}
    assert client.query(request_id="r-ok").status == "succeeded"


def test_an_account_ending_in_0_fails_at_once(sim, client):
    answer = topup(client, "r-fail", "12340")
    assert answer.status == "failed"
    assert answer.message
    assert client.query(request_id="r-fail").status == "failed"
    assert sim.topup_count == {}


def test_an_account_ending_in_7_succeeds_only_after_the_delay(sim, client):
    with time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False) as clock:
        assert topup(client, "r-late", "12347").status == "accepted"
        clock.shift(timedelta(seconds=LATE_SECONDS - 1))
        assert client.query(request_id="r-late").status == "accepted"
        assert sim.topup_count == {}
        clock.shift(timedelta(seconds=1))
        assert client.query(request_id="r-late").status == "succeeded"
        assert client.query(request_id="r-late").status == "succeeded"
    assert sim.topup_count == {"12347": 1}


def test_an_account_ending_in_8_is_accepted_then_fails_later(sim, client):
    with time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False) as clock:
        assert topup(client, "r-late-fail", "12348").status == "accepted"
        assert client.query(request_id="r-late-fail").status == "accepted"
        clock.shift(timedelta(seconds=LATE_SECONDS))
        assert client.query(request_id="r-late-fail").status == "failed"
    assert sim.topup_count == {}


def test_an_account_ending_in_9_never_answers_and_the_client_times_out(sim, client):
    started = time.monotonic()
    with pytest.raises(SupplierTimeout):
        topup(client, "r-silent", "12349")
    with pytest.raises(SupplierTimeout):
        client.query(request_id="r-silent")
    assert time.monotonic() - started < 5


def test_a_repeated_post_returns_the_same_answer_and_tops_up_once(sim, client):
    first = topup(client, "r-again", "555")
    for _ in range(3):
        again = topup(client, "r-again", "555", timestamp=datetime.now(UTC) + timedelta(minutes=5))
        assert (again.status, again.supplier_ref) == (first.status, first.supplier_ref)
    assert sim.topup_count == {"555": 1}
    assert sim.posts == 4


def test_reusing_a_request_id_for_another_top_up_is_refused(sim, client):
    topup(client, "r-reuse", "555")
    with pytest.raises(SupplierProtocolError, match="409"):
        topup(client, "r-reuse", "556")
    with pytest.raises(SupplierProtocolError, match="409"):
        topup(client, "r-reuse", "555", face_value_fen=5000)
    assert sim.topup_count == {"555": 1}


def test_a_query_for_an_unknown_request_is_a_signed_not_found(client):
    with pytest.raises(SupplierNotFound):
        client.query(request_id="never-sent")


def test_a_wrong_secret_is_refused_and_the_answer_is_not_trusted(sim):
    with pytest.raises(SupplierProtocolError):
        topup(make_client(sim.url, secret="wrong"), "r-bad-sig", "12345")
    assert sim.topups == {}


def raw_post(url, body: bytes, signature: str | None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[SIGNATURE_HEADER] = signature
    request = urllib.request.Request(url + "/topups", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_unsigned_and_badly_signed_posts_get_401_and_top_up_nothing(sim):
    body = json.dumps({"request_id": "x", "sku": "s", "face_value_fen": 1, "quantity": 1, "fields": {"a": "1"}})
    assert raw_post(sim.url, body.encode(), None)[0] == 401
    assert raw_post(sim.url, body.encode(), "00" * 32)[0] == 401
    assert sim.topups == {}


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[]",
        json.dumps({"request_id": "", "sku": "s", "face_value_fen": 1, "quantity": 1, "fields": {"a": "1"}}).encode(),
        json.dumps(
            {"request_id": "x", "sku": "s", "face_value_fen": "1", "quantity": 1, "fields": {"a": "1"}}
        ).encode(),
        json.dumps({"request_id": "x", "sku": "s", "face_value_fen": 1, "quantity": 0, "fields": {"a": "1"}}).encode(),
        json.dumps({"request_id": "x", "sku": "s", "face_value_fen": 1, "quantity": 1, "fields": {}}).encode(),
        json.dumps({"request_id": "x", "sku": "s", "face_value_fen": 1, "quantity": 1, "fields": {"a": 1}}).encode(),
        json.dumps({"request_id": "x", "sku": "s", "face_value_fen": 1, "quantity": 1, "fields": {"a": "1"}}).encode(),
    ],
)
def test_malformed_posts_are_refused_with_400(sim, payload):
    status, answer = raw_post(sim.url, payload, request_signature(SECRET, "POST", "/topups", payload))
    assert status == 400
    assert answer["error"] == "bad_request"
    assert sim.topups == {}


def test_a_signed_400_reaches_the_client_as_a_rejection(sim, client):
    with pytest.raises(SupplierRejected):
        topup(client, "bad id with spaces", "12345")


def test_an_oversized_body_is_refused(sim):
    body = b'{"pad":"' + b"x" * 70_000 + b'"}'
    assert raw_post(sim.url, body, request_signature(SECRET, "POST", "/topups", body))[0] == 413


def test_an_unreachable_supplier_is_a_clear_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SupplierUnreachable):
        topup(make_client(f"http://127.0.0.1:{port}"), "r-down", "12345")


def test_the_target_account_is_the_account_field_or_the_first_field():
    assert target_account({"server": "s1", "account": "777"}) == "777"
    assert target_account({"phone": "13800000000"}) == "13800000000"
    assert target_account({"role_name": "abc9"}) == "abc9"
    assert SupplierSimulator.plan_for("abc9") == "silent"
    assert SupplierSimulator.plan_for("") == "succeed"


def test_stop_releases_requests_that_hang(sim):
    slow = make_client(sim.url, timeout=30)
    started = time.monotonic()
    import threading

    errors = []

    def call():
        try:
            topup(slow, "r-hang", "99")
        except Exception as exc:
            errors.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    time.sleep(0.3)
    sim.stop()
    thread.join(5)
    assert not thread.is_alive()
    assert errors
    assert time.monotonic() - started < 5


def test_the_management_command_serves_the_protocol():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    kameng = Path(sys.executable).with_name("kameng")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kameng.settings"}
    proc = subprocess.Popen(
        [str(kameng), "supplier-sim", "--port", str(port), "--secret", "cmd-secret", "--late-seconds", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        seen = []
        while len(seen) < 20 and (line := proc.stdout.readline()):  # skip any start-up log lines
            seen.append(line)
            if "listening on" in line:
                break
        assert f"listening on http://127.0.0.1:{port}" in seen[-1], seen
        client = make_client(f"http://127.0.0.1:{port}", secret="cmd-secret", timeout=5)
        assert topup(client, "cmd-1", "12345").status == "succeeded"
        assert topup(client, "cmd-2", "12347").status == "accepted"
        time.sleep(1.1)
        assert client.query(request_id="cmd-2").status == "succeeded"
    finally:
        proc.terminate()
        proc.wait(10)
