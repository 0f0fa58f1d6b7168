import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import has_role, require_role, role_required
from kameng.core.errors import DomainError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", Role.values)
def test_each_role_passes_only_its_own_check(role):
    user = UserFactory(role=role)
    for other in Role.values:
        if other == role:
            assert require_role(user, Role(other)) == user
            assert has_role(user, Role(other))
        else:
            with pytest.raises(DomainError) as exc:
                require_role(user, Role(other))
            assert exc.value.code == "auth.role_required"
            assert exc.value.status == 403
            assert not has_role(user, Role(other))


def test_anonymous_and_disabled_users_are_refused():
    with pytest.raises(DomainError) as exc:
        require_role(AnonymousUser(), Role.BUYER)
    assert exc.value.code == "not_authenticated"
    disabled = UserFactory(is_active=False)
    with pytest.raises(DomainError) as exc:
        require_role(disabled, Role.BUYER)
    assert exc.value.code == "auth.inactive"


def test_page_decorator_uses_the_same_check():
    @role_required(Role.OPERATOR)
    def view(request):
        return "ok"

    request = RequestFactory().get("/")
    request.user = UserFactory(role=Role.OPERATOR)
    assert view(request) == "ok"
    request.user = UserFactory(role=Role.MERCHANT)
    with pytest.raises(DomainError):
        view(request)


def test_createuser_command_creates_each_role():
    for role in Role.values:
        call_command("createuser", f"cli-{role}", role=role, password="a-long-secret-9")
        assert User.objects.get(username=f"cli-{role}").role == role


def test_createuser_command_reports_problems_without_writing():
    with pytest.raises(CommandError):
        call_command("createuser", "weak", role="buyer", password="123")
    with pytest.raises(CommandError):
        call_command("createuser", "badrole", role="emperor", password="a-long-secret-9")
    assert not User.objects.filter(username__in=["weak", "badrole"]).exists()
