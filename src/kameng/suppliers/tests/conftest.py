"""A real supplier over real HTTP: the in-process simulator on a free port, and settings that
point the client at it with a short timeout (so the "never answers" account is quick to test)."""

from __future__ import annotations

import threading
from collections import defaultdict

import pytest

from kameng.suppliers.signals import topup_failed, topup_succeeded
from kameng.suppliers.simulator import SupplierSimulator

SECRET = "test-supplier-secret"
LATE_SECONDS = 60
CHECK_SECONDS = 30
GIVE_UP_SECONDS = 3600


@pytest.fixture
def sim():
    simulator = SupplierSimulator(port=0, secret=SECRET, late_seconds=LATE_SECONDS, hang_seconds=10).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def supplier_settings(settings, sim):
    settings.KAMENG_SUPPLIER_URL = sim.url
    settings.KAMENG_SUPPLIER_SECRET = SECRET
    settings.KAMENG_SUPPLIER_TIMEOUT = 0.5
    settings.KAMENG_SUPPLIER_CHECK_SECONDS = CHECK_SECONDS
    settings.KAMENG_SUPPLIER_MAX_CHECK_SECONDS = 600
    settings.KAMENG_SUPPLIER_GIVE_UP_SECONDS = GIVE_UP_SECONDS
    return settings


class SignalLog:
    """Every topup_succeeded / topup_failed sent, by request pk (thread-safe)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent = defaultdict(list)

    def __call__(self, signal, sender, request, **kwargs):
        with self.lock:
            self.sent[request.pk].append("succeeded" if signal is topup_succeeded else "failed")

    def of(self, request):
        return self.sent.get(request.pk, [])


@pytest.fixture
def signals():
    log = SignalLog()
    topup_succeeded.connect(log, weak=False, dispatch_uid="test-log-succeeded")
    topup_failed.connect(log, weak=False, dispatch_uid="test-log-failed")
    yield log
    topup_succeeded.disconnect(dispatch_uid="test-log-succeeded")
    topup_failed.disconnect(dispatch_uid="test-log-failed")
