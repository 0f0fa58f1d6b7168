"""Fixtures of the sign-up tests (e-mail and phone)."""

import pytest


@pytest.fixture
def no_signup_wait(settings):
    """Tests fill the sign-up form at once; the least time a person takes is tested on its own."""
    settings.KAMENG_SIGNUP_MIN_SECONDS = 0


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Mail and texts go out when the account is committed: ``with committed():``."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
