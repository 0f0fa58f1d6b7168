"""Login, logout and API-token pages. The rules live in services; these only translate."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kameng.accounts import human_check, services
from kameng.accounts.forms import LoginForm, PhoneCodeForm, SignupForm, TokenForm
from kameng.accounts.permissions import login_required
from kameng.accounts.selectors import client_ip, tokens_of
from kameng.core.errors import DomainError


def _safe_next(request, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


@require_http_methods(["GET", "POST"])
def login_view(request):
    form = LoginForm(request.POST or None)
    error = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_with_throttle(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
                request=request,
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            login(request, user)
            return redirect(_safe_next(request, "/"))
    elif request.method == "POST":
        status = 422
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": _safe_next(request, "")},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def signup_view(request):
    """注册: a buyer account, confirmed by an e-mailed link or a texted code. Every refusal shows
    a new question."""
    form = SignupForm(request.POST or None)
    error, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.register_buyer(
                    username=data["username"],
                    email=data["email"],
                    phone=data["phone"],
                    password=data["password"],
                    challenge=data["challenge"],
                    answer=data["answer"],
                    trap=data["website"],
                    ip=client_ip(request),
                    link_for=lambda user, token: request.build_absolute_uri(
                        reverse("accounts:verify", kwargs={"token": token})
                    ),
                )
            except DomainError as exc:
                error, status = exc, exc.status
            else:
                if user.phone:
                    return redirect(f"{reverse('accounts:verify_phone')}?phone={user.phone[3:]}")
                return render(request, "accounts/signup.html", {"done": True, "email": data["email"]})
        else:
            error, status = DomainError("invalid_input", fields={k: " ".join(v) for k, v in form.errors.items()}), 422
    check = human_check.new_challenge(get_language() or "zh-hans")
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "error": error, "question": check.question, "challenge": check.token},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def verify_view(request, token: str):
    """GET shows a button, POST confirms: mail scanners that follow links must not use it up."""
    if request.method == "POST":
        user = services.verify_email(token=token[:500])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Your e-mail address is confirmed. Welcome to Kameng."))
        return redirect("/")
    return render(request, "accounts/verify.html", {})


@require_http_methods(["GET", "POST"])
def verify_phone_view(request):
    """The code texted at sign-up: entered here it confirms the account and logs in; the second
    button asks for a new code."""
    form = PhoneCodeForm(request.POST or None, initial={"phone": (request.GET.get("phone") or "")[:24]})
    error, status, resent = None, 200, False
    if request.method == "POST":
        if not form.is_valid():
            error = DomainError("invalid_input", fields={k: " ".join(v) for k, v in form.errors.items()})
            status = error.status
        else:
            phone, code = form.cleaned_data["phone"], form.cleaned_data["code"]
            try:
                if request.POST.get("action") == "resend":
                    services.resend_phone_code(phone=phone)
                    resent = True
                else:
                    user = services.verify_phone(phone=phone, code=code)
                    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                    messages.success(request, _("Your mobile number is confirmed. Welcome to Kameng."))
                    return redirect("/")
            except DomainError as exc:
                error, status = exc, exc.status
    return render(
        request,
        "accounts/verify_phone.html",
        {"form": form, "error": error, "resent": resent, "minutes": settings.KAMENG_PHONE_CODE_MINUTES},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def login_link_request_view(request):
    """Ask for a sign-in link by e-mail (the owner's way in while their username is locked)."""
    sent, error, status = False, None, 200
    if request.method == "POST":
        username = (request.POST.get("username") or "")[:150]
        try:
            services.send_login_link(
                username=username,
                ip=client_ip(request),
                link_for=lambda user, token: request.build_absolute_uri(
                    reverse("accounts:login_link", kwargs={"user_id": user.pk, "token": token})
                ),
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            sent = True
    return render(request, "accounts/login_link.html", {"sent": sent, "error": error}, status=status)


@require_http_methods(["GET", "POST"])
def login_link_view(request, user_id: int, token: str):
    """GET shows a button, POST signs in: mail scanners that follow links must not use it up."""
    if request.method == "POST":
        user = services.login_with_link(user_id=user_id, token=token[:100])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("/")
    return render(request, "accounts/login_link.html", {"confirm": True})


@require_POST
def logout_view(request):
    logout(request)
    return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def tokens_view(request):
    issued = None
    form = TokenForm(request.POST or None)
    if request.method == "POST":
        if "revoke" in request.POST:
            try:
                token_id = int(request.POST["revoke"])
            except ValueError as exc:
                raise DomainError("not_found") from exc
            services.revoke_api_token(user=request.user, token_id=token_id)
            messages.success(request, _("Token revoked."))
            return redirect("accounts:tokens")
        if form.is_valid():
            _token, issued = services.issue_api_token(user=request.user, name=form.cleaned_data["name"])
    return render(
        request, "accounts/tokens.html", {"form": form, "tokens": tokens_of(user=request.user), "issued": issued}
    )
