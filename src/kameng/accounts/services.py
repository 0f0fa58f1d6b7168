"""Every write to accounts: users, logins (with throttling) and API tokens."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kameng.accounts import human_check, sms
from kameng.accounts.models import ApiToken, LoginFailure, LoginLinkRequest, PhoneCode, Role, SignupAttempt, User
from kameng.core.errors import DomainError
from kameng.core.text import check_name

TOKEN_PREFIX = "km_"


def create_user(
    *,
    username: str,
    password: str,
    role: Role | str,
    email: str = "",
    display_name: str = "",
    check_password_strength: bool = True,
) -> User:
    username = username.strip() if isinstance(username, str) else ""
    if not username or len(username) > 150:
        raise DomainError("invalid_input", fields={"username": "1–150 characters"})
    check_name(username, "username")
    try:
        role = Role(role)
    except ValueError as exc:
        raise DomainError("invalid_input", fields={"role": f"one of {', '.join(Role.values)}"}) from exc
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError("auth.username_taken", fields={"username": "taken"})
    user = User(username=username, email=email, role=role, display_name=display_name)
    if check_password_strength:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise DomainError("auth.weak_password", fields={"password": " ".join(exc.messages)}) from exc
    user.set_password(password)
    user.is_staff = False  # Django admin is not used; operators act through Kameng's own pages
    user.save()
    return user


VERIFY_SALT = "kameng.accounts.verify-email"
VERIFY_MAX_AGE_S = 3 * 24 * 3600


PHONE_RE = re.compile(r"1[3-9][0-9]{9}")


def normalize_phone(value: object) -> str:
    """A mainland China mobile number as typed (spaces, dashes, +86 / 0086 / 86 in front) →
    ``+86`` and its eleven digits; anything else is refused."""
    digits = re.sub(r"[\s\-()]", "", value if isinstance(value, str) else "")[:24]
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not PHONE_RE.fullmatch(digits):
        raise DomainError("invalid_input", fields={"phone": "an 11-digit mainland China mobile number"})
    return "+86" + digits


def register_buyer(
    *,
    username: str,
    email: str = "",
    phone: str = "",
    password: str,
    challenge: str,
    answer: str,
    trap: str = "",
    ip: str | None,
    link_for: Callable[[User, str], str],
) -> User:
    """注册: a buyer account with an e-mail address or a mobile number (one of the two), inactive
    until its owner follows the link e-mailed to them or enters the code texted to them.

    Refused with a clear error and nothing written: a failed human check (or the hidden field a
    script fills), too many sign-ups from this address within the hour, neither or both of e-mail
    and phone, a malformed or taken address or number, a taken username, a password Django's
    validators reject. The throttle counts the accounts made from an address, so a refusal writes
    nothing at all."""
    since = timezone.now() - timedelta(hours=1)
    if ip and SignupAttempt.objects.filter(ip=ip, at__gte=since).count() >= settings.KAMENG_SIGNUPS_PER_ADDRESS:
        raise DomainError("throttled")
    if trap or not human_check.passes(token=challenge, answer=answer):
        raise DomainError("auth.human_check_failed", fields={"answer": "wrong"})
    email = (email or "").strip().lower() if isinstance(email, str) else ""
    phone = phone.strip() if isinstance(phone, str) else ""
    if bool(email) == bool(phone):
        raise DomainError("auth.contact_required", fields={"email": "or phone", "phone": "or email"})
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise DomainError("invalid_input", fields={"email": "an e-mail address"}) from exc
        if User.objects.filter(email__iexact=email).exists():
            raise DomainError("auth.email_taken", fields={"email": "taken"})
    else:
        phone = normalize_phone(phone)
        if User.objects.filter(phone=phone).exists():
            raise DomainError("auth.phone_taken", fields={"phone": "taken"})
    with transaction.atomic():
        user = create_user(username=username, password=password, role=Role.BUYER, email=email)
        user.is_active = False
        user.awaiting_verification = True
        user.phone = phone
        user.save(update_fields=["is_active", "awaiting_verification", "phone"])
        SignupAttempt.objects.create(ip=ip)  # counts accounts made from this address
        if email:
            token = signing.dumps({"u": user.pk, "e": email}, salt=VERIFY_SALT)
            url = link_for(user, token)
            transaction.on_commit(lambda: _send_verification(user, url))
        else:
            _new_phone_code(user)
    return user


def _code_hash(user_id: int, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _new_phone_code(user: User) -> None:
    """A fresh six-digit code replaces any earlier one, and is texted after the commit."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    PhoneCode.objects.update_or_create(
        user=user,
        defaults={
            "code_hash": _code_hash(user.pk, code),
            "sent_at": now,
            "expires_at": now + timedelta(minutes=settings.KAMENG_PHONE_CODE_MINUTES),
            "attempts": 0,
        },
    )
    phone, minutes = user.phone, settings.KAMENG_PHONE_CODE_MINUTES
    transaction.on_commit(lambda: _text_code(phone, code, minutes))


def _text_code(phone: str, code: str, minutes: int) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        text = _("[Kameng] Your sign-up code is %(code)s, valid for %(minutes)s minutes. Never tell it to anyone.") % {
            "code": code,
            "minutes": minutes,
        }
    try:
        sms.send_sms(to=phone, text=text)
    except sms.SmsError:
        # The account waits; its owner asks for another code (``resend_phone_code``).
        logging.getLogger("kameng.sms").exception("sign-up code to %s not sent", phone)


def _awaiting_phone(phone: object) -> User | None:
    return User.objects.filter(phone=normalize_phone(phone), awaiting_verification=True).first()


def resend_phone_code(*, phone: object) -> None:
    """Another code for a number still waiting to be confirmed, at most one a minute. An unknown
    or already confirmed number is answered the same way, so nobody learns which numbers have
    accounts."""
    with transaction.atomic():
        user = _awaiting_phone(phone)
        if user is None:
            return
        current = PhoneCode.objects.select_for_update().filter(user=user).first()
        if current is not None:
            wait = settings.KAMENG_PHONE_CODE_RESEND_S - (timezone.now() - current.sent_at).total_seconds()
            if wait > 0:
                raise DomainError("auth.code_too_soon", seconds=int(wait) + 1)
        _new_phone_code(user)


def verify_phone(*, phone: object, code: object) -> User:
    """The texted code: the account becomes active. A wrong code counts one try (kept, like a
    failed login); the last allowed wrong try voids the code."""
    code = code.strip() if isinstance(code, str) else ""
    if not re.fullmatch(r"[0-9]{6}", code):
        raise DomainError("invalid_input", fields={"code": "six digits"})
    minutes = settings.KAMENG_PHONE_CODE_MINUTES
    with transaction.atomic():
        user = _awaiting_phone(phone)
        found = None if user is None else PhoneCode.objects.select_for_update().filter(user=user).first()
        if found is None or found.expires_at <= timezone.now():
            raise DomainError("auth.code_expired", minutes=minutes)
        wrong = None
        if not hmac.compare_digest(found.code_hash, _code_hash(user.pk, code)):
            found.attempts += 1
            left = settings.KAMENG_PHONE_CODE_ATTEMPTS - found.attempts
            if left > 0:
                found.save(update_fields=["attempts"])
                wrong = DomainError("auth.code_wrong", left=left)
            else:
                found.delete()
                wrong = DomainError("auth.code_expired", minutes=minutes)
        else:
            found.delete()
            user.is_active = True
            user.awaiting_verification = False
            user.phone_verified_at = timezone.now()
            user.save(update_fields=["is_active", "awaiting_verification", "phone_verified_at"])
    if wrong is not None:  # raised after the commit: the counted try stays counted
        raise wrong
    return user


def _send_verification(user: User, url: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        send_mail(
            subject=_("Confirm your Kameng account"),
            message=_(
                "Welcome to Kameng, %(username)s. Follow this link within three days to confirm your "
                "e-mail address and start using your account:\n\n%(url)s\n\n"
                "If you did not sign up, ignore this message."
            )
            % {"username": user.username, "url": url},
            from_email=None,
            recipient_list=[user.email],
        )


def verify_email(*, token: str) -> User:
    """The e-mailed link: the account becomes active. A second use finds it active and says so."""
    try:
        data = signing.loads(token or "", salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE_S)
        user_id, email = int(data["u"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise DomainError("not_found") from None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id, email__iexact=email).first()
        if user is None or not (user.awaiting_verification or user.email_verified_at):
            raise DomainError("not_found")
        if user.awaiting_verification:
            user.is_active = True
            user.awaiting_verification = False
            user.email_verified_at = timezone.now()
            user.save(update_fields=["is_active", "awaiting_verification", "email_verified_at"])
    return user


def _failures_since(*, username: str, ip: str | None) -> tuple[int, int, int]:
    """Recent failures for this username from this address, for this username from anywhere, and
    from this address for any username."""
    since = timezone.now() - timedelta(seconds=settings.KAMENG_LOGIN_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(at__gte=since)
    of_user = recent.filter(username__iexact=username)
    by_pair = of_user.filter(ip=ip).count() if ip else of_user.filter(ip__isnull=True).count()
    by_user = of_user.count()
    by_ip = recent.filter(ip=ip).count() if ip else 0
    return by_pair, by_user, by_ip


def login_with_throttle(*, username: str, password: str, ip: str | None, request=None) -> User:
    """Check credentials, refusing early once a username has failed too often from this address,
    an address too often for anyone, or a username far too often from everywhere.

    A stranger's wrong passwords lock only their own address out of someone's account: the owner,
    from anywhere else, still gets in. Only many failures from many addresses (a distributed
    guess) lock the username everywhere, later, and the owner then signs in with an e-mailed link.
    The lock-out applies even to the right password, otherwise the throttle would tell a guesser
    when they had hit it. Throttling counts rows, so it holds across worker processes."""
    username = (username or "").strip()
    limit = settings.KAMENG_LOGIN_MAX_FAILURES
    by_pair, by_user, by_ip = _failures_since(username=username, ip=ip)
    # An address gets more room than one username: several people can share an office NAT.
    if by_pair >= limit or by_ip >= limit * 4 or by_user >= limit * settings.KAMENG_LOGIN_GLOBAL_FACTOR:
        raise DomainError("auth.locked_out", minutes=max(1, settings.KAMENG_LOGIN_WINDOW_SECONDS // 60))
    user = authenticate(request, username=username, password=password)
    if user is None:
        inactive = User.objects.filter(username=username, is_active=False).first()
        if inactive is not None and inactive.check_password(password):
            if not inactive.awaiting_verification:
                raise DomainError("auth.inactive")
            by_phone = inactive.phone and not inactive.email
            raise DomainError("auth.phone_unverified" if by_phone else "auth.email_unverified")
        LoginFailure.objects.create(username=username[:150], ip=ip)
        raise DomainError("auth.invalid_credentials")
    LoginFailure.objects.filter(username__iexact=username).delete()
    return user


def send_login_link(*, username: str, ip: str | None, link_for: Callable[[User, str], str]) -> None:
    """E-mail a one-time sign-in link to the account's owner: their way in while the username is
    locked. Silent whatever happens, so it tells nobody whether an account or address exists.
    The token is Django's password-reset token: it expires (PASSWORD_RESET_TIMEOUT) and dies as
    soon as it is used (it covers last_login).

    Throttled per username and per address (counted rows, so across workers), whether or not the
    account exists — the refusal tells nothing either — so nobody can flood a mailbox with links."""
    username = (username or "").strip()[:150]
    since = timezone.now() - timedelta(seconds=settings.KAMENG_LOGIN_WINDOW_SECONDS)
    recent = LoginLinkRequest.objects.filter(at__gte=since)
    if recent.filter(username__iexact=username).count() >= settings.KAMENG_LOGIN_LINKS_PER_USERNAME or (
        ip and recent.filter(ip=ip).count() >= settings.KAMENG_LOGIN_LINKS_PER_ADDRESS
    ):
        raise DomainError("throttled")
    LoginLinkRequest.objects.create(username=username, ip=ip)
    user = User.objects.filter(username__iexact=username, is_active=True).exclude(email="").first()
    if user is None:
        return
    url = link_for(user, default_token_generator.make_token(user))
    with translation.override(settings.LANGUAGE_CODE):
        send_mail(
            subject=_("Your Kameng sign-in link"),
            message=_(
                "Someone (we hope you) asked for a link to sign in as %(username)s. It works once, "
                "for a limited time:\n\n%(url)s\n\nIf it was not you, ignore this message."
            )
            % {"username": user.username, "url": url},
            from_email=None,
            recipient_list=[user.email],
        )


def login_with_link(*, user_id: int, token: str) -> User:
    """The user an e-mailed sign-in link is for; their failed logins are forgotten."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise DomainError("not_found")
    LoginFailure.objects.filter(username__iexact=user.username).delete()
    return user


def prune_login_failures() -> int:
    cutoff = timezone.now() - timedelta(seconds=settings.KAMENG_LOGIN_WINDOW_SECONDS)
    deleted, _ = LoginFailure.objects.filter(at__lt=cutoff).delete()
    LoginLinkRequest.objects.filter(at__lt=cutoff).delete()
    return deleted


def prune_unconfirmed_signups(*, now=None, limit: int = 500) -> int:
    """Sign-ups never confirmed within the link's life (three days) are removed, so a mistyped
    or someone else's e-mail address or mobile number is free again for its owner. Such an
    account has never logged in and cannot have done anything; one that somehow holds a
    protected record is left alone."""
    from django.db.models import ProtectedError

    cutoff = (now or timezone.now()) - timedelta(seconds=VERIFY_MAX_AGE_S)
    stale = User.objects.filter(awaiting_verification=True, is_active=False, last_login__isnull=True)
    removed = 0
    for user in stale.filter(date_joined__lt=cutoff).order_by("pk")[:limit]:
        try:
            with transaction.atomic():
                user.delete()
            removed += 1
        except ProtectedError:
            continue
    return removed


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def issue_api_token(*, user: User, name: str = "", ttl_days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token; the plaintext is returned once and never stored."""
    if not user.is_active:
        raise DomainError("auth.inactive")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    days = ttl_days if ttl_days is not None else settings.KAMENG_API_TOKEN_TTL_DAYS
    token = ApiToken.objects.create(
        user=user,
        name=name[:64],
        token_hash=hash_token(plaintext),
        prefix=plaintext[:10],
        expires_at=timezone.now() + timedelta(days=days),
    )
    return token, plaintext


def revoke_api_token(*, user: User, token_id: int) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(id=token_id, user=user).first()
        if token is None:
            raise DomainError("not_found")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
    return token


def revoke_all_api_tokens(*, user: User) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def user_for_token(plaintext: str) -> User | None:
    """The active user a bearer token belongs to, or None. Touches last_used_at at most once a minute."""
    if not plaintext or not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    now = timezone.now()
    stale_before = now - timedelta(minutes=1)
    # One plain statement on every API request: the ORM spends several times longer building the
    # join than the database spends running it. A raw queryset still converts the user's fields.
    user = next(
        iter(
            User.objects.raw(
                f"SELECT u.*, t.id AS token_id, "  # noqa: S608 (table names only)
                f"(t.last_used_at IS NULL OR t.last_used_at < %s) AS token_stale "
                f"FROM {_USER_TABLE} u JOIN {_TOKEN_TABLE} t ON t.user_id = u.id "
                f"WHERE t.token_hash = %s AND t.revoked_at IS NULL AND t.expires_at > %s",
                [_db_time(stale_before), hash_token(plaintext), _db_time(now)],
            )
        ),
        None,
    )
    if user is None or not user.is_active:
        return None
    if user.token_stale:
        ApiToken.objects.filter(pk=user.token_id).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale_before)
        ).update(last_used_at=now)
    return user


_USER_TABLE = connection.ops.quote_name(User._meta.db_table)
_TOKEN_TABLE = connection.ops.quote_name(ApiToken._meta.db_table)


def _db_time(value):
    """A datetime as the ORM would send it (raw parameters skip the field's adaptation)."""
    return connection.ops.adapt_datetimefield_value(value)
