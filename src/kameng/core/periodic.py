"""The registry of periodic jobs that `kameng sweep` and `kameng worker` run.

Each app registers its jobs in its AppConfig.ready(), so a lower app never has to know the apps
above it (orders does not import aftersales, yet one sweep runs both). Jobs run in registration
order, which follows INSTALLED_APPS. Every job takes ``now`` and must be safe in several workers
at once (claim with SKIP LOCKED, re-check under lock).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

_JOBS: dict[str, Callable[[datetime], Any]] = {}


def register(name: str, job: Callable[[datetime], Any]) -> None:
    _JOBS[name] = job


def jobs() -> list[tuple[str, Callable[[datetime], Any]]]:
    return list(_JOBS.items())
