from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from kameng.accounts import services
from kameng.accounts.models import ApiToken, LoginFailure, Role, User
from kameng.core.errors import DomainError
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_create_user_hashes_password_with_argon2_and_sets_role():
    user = services.create_user(username="alice", password="a-long-secret-9", role=Role.MERCHANT)
    assert user.role == "merchant"
    assert user.password.startswith("argon2")
    assert user.check_password("a-long-secret-9")


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"username": "  ", "password": "a-long-secret-9", "role": "buyer"}, "invalid_input", "username"),
        ({"username": "bob", "password": "a-long-secret-9", "role": "king"}, "invalid_input", "role"),
        ({"username": "bob", "password": "12345678", "role": "buyer"}, "auth.weak_password", "password"),
        ({"username": "bob", "password": "short", "role": "buyer"}, "auth.weak_password", "password"),
    ],
)
def test_create_user_refuses_bad_input_and_writes_nothing(kwargs, code, field):
    with pytest.raises(DomainError) as exc:
        services.create_user(**kwargs)
    assert exc.value.code == code
    assert field in exc.value.fields
    assert not User.objects.exists()


def test_usernames_are_unique_ignoring_case():
    services.create_user(username="Carol", password="a-long-secret-9", role="buyer")
    with pytest.raises(DomainError) as exc:
        services.create_user(username="carol", password="a-long-secret-9", role="buyer")
    assert exc.value.code == "auth.username_taken"
    assert User.objects.count() == 1


def test_login_succeeds_and_clears_failures():
    user = UserFactory(username="dave")
    with pytest.raises(DomainError):
        services.login_with_throttle(username="dave", password="wrong", ip="10.0.0.1")
    assert LoginFailure.objects.count() == 1
    assert services.login_with_throttle(username="dave", password=PASSWORD, ip="10.0.0.1") == user
    assert LoginFailure.objects.count() == 0


def test_too_many_failures_lock_the_username_from_that_address_even_for_the_right_password(settings):
    settings.KAMENG_LOGIN_MAX_FAILURES = 3
    UserFactory(username="erin")
    for _ in range(3):
        with pytest.raises(DomainError) as exc:
            services.login_with_throttle(username="erin", password="guess", ip="10.0.0.2")
        assert exc.value.code == "auth.invalid_credentials"
    with pytest.raises(DomainError) as exc:
        services.login_with_throttle(username="erin", password=PASSWORD, ip="10.0.0.2")
    assert exc.value.code == "auth.locked_out"
    assert exc.value.status == 429


def test_lockout_ends_when_the_window_passes(settings):
    settings.KAMENG_LOGIN_MAX_FAILURES = 2
    settings.KAMENG_LOGIN_WINDOW_SECONDS = 600
    user = UserFactory(username="frank")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(2):
            with pytest.raises(DomainError):
                services.login_with_throttle(username="frank", password="guess", ip=None)
        with pytest.raises(DomainError) as exc:
            services.login_with_throttle(username="frank", password=PASSWORD, ip=None)
        assert exc.value.code == "auth.locked_out"
    with time_machine.travel(start + timedelta(seconds=601), tick=False):
        assert services.login_with_throttle(username="frank", password=PASSWORD, ip=None) == user
        assert services.prune_login_failures() == 0  # the success already cleared them


def test_one_address_guessing_many_usernames_is_throttled(settings):
    settings.KAMENG_LOGIN_MAX_FAILURES = 2  # an address gets 4× the per-username limit
    UserFactory(username="gina")
    for n in range(8):
        with pytest.raises(DomainError) as exc:
            services.login_with_throttle(username=f"nobody{n}", password="guess", ip="10.9.9.9")
        assert exc.value.code == "auth.invalid_credentials"
    with pytest.raises(DomainError) as exc:
        services.login_with_throttle(username="gina", password=PASSWORD, ip="10.9.9.9")
    assert exc.value.code == "auth.locked_out"
    # the same user from another address is not locked out
    assert services.login_with_throttle(username="gina", password=PASSWORD, ip="10.9.9.10").username == "gina"


def test_inactive_user_is_told_so_only_with_the_right_password():
    UserFactory(username="hank", is_active=False)
    with pytest.raises(DomainError) as exc:
        services.login_with_throttle(username="hank", password=PASSWORD, ip=None)
    assert exc.value.code == "auth.inactive"
    with pytest.raises(DomainError) as exc:
        services.login_with_throttle(username="hank", password="nope", ip=None)
    assert exc.value.code == "auth.invalid_credentials"


def test_api_token_is_stored_only_as_a_hash():
    user = UserFactory()
    token, plaintext = services.issue_api_token(user=user, name="ci")
    assert plaintext.startswith("km_")
    stored = ApiToken.objects.get(pk=token.pk)
    assert plaintext not in (stored.token_hash, stored.prefix, stored.name)
    assert stored.token_hash == services.hash_token(plaintext)
    assert services.user_for_token(plaintext) == user


def test_revoked_expired_and_foreign_tokens_do_not_authenticate():
    user = UserFactory()
    token, plaintext = services.issue_api_token(user=user)
    other = UserFactory()
    with pytest.raises(DomainError) as exc:
        services.revoke_api_token(user=other, token_id=token.pk)
    assert exc.value.code == "not_found"
    assert services.user_for_token(plaintext) == user

    services.revoke_api_token(user=user, token_id=token.pk)
    assert services.user_for_token(plaintext) is None

    _t2, expiring = services.issue_api_token(user=user, ttl_days=1)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert services.user_for_token(expiring) is None
    assert services.user_for_token(expiring) == user


@pytest.mark.parametrize("junk", ["", "km_", "Bearer x", "km_" + "a" * 300, "not-a-token"])
def test_malformed_tokens_are_rejected(junk):
    assert services.user_for_token(junk) is None


def test_tokens_of_a_disabled_user_stop_working():
    user = UserFactory()
    _token, plaintext = services.issue_api_token(user=user)
    user.is_active = False
    user.save()
    assert services.user_for_token(plaintext) is None
    with pytest.raises(DomainError):
        services.issue_api_token(user=user)
