from ninja import Router

from kameng.accounts import services
from kameng.accounts.permissions import require_login
from kameng.accounts.schemas import IssuedTokenOut, LoginIn, TokenOut, UserOut
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
