from django.urls import reverse
from django.utils.translation import get_language
from ninja import Router

from kameng.accounts import human_check, services
from kameng.accounts.permissions import require_login
from kameng.accounts.schemas import (
    AcceptedOut,
    ChallengeOut,
    IssuedTokenOut,
    LoginIn,
    PhoneCodeIn,
    PhoneIn,
    RegisteredOut,
    RegisterIn,
    TokenOut,
    UserOut,
    VerifyIn,
)
from kameng.accounts.selectors import client_ip, tokens_of
from kameng.core.errors import DomainError

router = Router(tags=["accounts"])


@router.post("/token", auth=None, response={201: IssuedTokenOut}, summary="Log in and get a bearer token")
def create_token(request, payload: LoginIn):
    user = services.login_with_throttle(
        username=payload.username, password=payload.password, ip=client_ip(request), request=request
    )
    token, plaintext = services.issue_api_token(user=user, name=payload.token_name or "api")
    return 201, {"token": plaintext, "details": token}


@router.get("/me", response=UserOut, summary="The logged-in user")
def me(request):
    return require_login(request.auth)


@router.get("/tokens", response=list[TokenOut], summary="My API tokens")
def list_tokens(request):
    return list(tokens_of(user=require_login(request.auth)))


@router.delete("/tokens/{token_id}", response=TokenOut, summary="Revoke one of my API tokens")
def revoke_token(request, token_id: int):
    if token_id < 1:
        raise DomainError("not_found")
    return services.revoke_api_token(user=require_login(request.auth), token_id=token_id)


@router.get("/challenge", auth=None, response=ChallengeOut, summary="A human-check question for sign-up")
def challenge(request):
    found = human_check.new_challenge(get_language() or "zh-hans")
    return {"question": found.question, "token": found.token}


@router.post("/register", auth=None, response={201: RegisteredOut}, summary="Sign up as a buyer (注册)")
def register(request, payload: RegisterIn):
    """Give `email` or `phone`. The account stays inactive until the link e-mailed to `email` is
    followed (`POST /auth/verify` with its token, or the page it opens), or the code texted to
    `phone` is given to `POST /auth/verify-phone`."""
    user = services.register_buyer(
        username=payload.username,
        email=payload.email,
        phone=payload.phone,
        password=payload.password,
        challenge=payload.challenge,
        answer=payload.answer,
        ip=client_ip(request),
        link_for=lambda user, token: request.build_absolute_uri(reverse("accounts:verify", kwargs={"token": token})),
    )
    return 201, user


@router.post("/verify", auth=None, response=UserOut, summary="Confirm the e-mail address of a new account")
def verify(request, payload: VerifyIn):
    return services.verify_email(token=payload.token)


@router.post("/verify-phone", auth=None, response=UserOut, summary="Confirm the mobile number of a new account")
def verify_phone(request, payload: PhoneCodeIn):
    return services.verify_phone(phone=payload.phone, code=payload.code)


@router.post(
    "/verify-phone/resend", auth=None, response={202: AcceptedOut}, summary="Text a new sign-up code (one a minute)"
)
def resend_phone_code(request, payload: PhoneIn):
    """Answered the same for unknown numbers, so it tells nobody which numbers have accounts."""
    services.resend_phone_code(phone=payload.phone)
    return 202, {"accepted": True}
