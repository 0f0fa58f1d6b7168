from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    MERCHANT = "merchant", _("Merchant")
    AGENT = "agent", _("Support agent")
    OPERATOR = "operator", _("Operator")


class User(AbstractUser):
    """One account, one role. A person who both buys and sells keeps two accounts, so that a
    merchant can never rule on, or see, a case as a buyer and the other way round."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.BUYER)
    display_name = models.CharField(_("display name"), max_length=64, blank=True)
    # Self-service sign-up: the account stays inactive until the e-mail link is followed.
    email_verified_at = models.DateTimeField(null=True, blank=True)
    awaiting_verification = models.BooleanField(default=False)
    # Or by mobile number (手机号注册), confirmed with a code sent by text message. Stored as
    # +86 and eleven digits; one account per number.
    phone = models.CharField(_("mobile number"), max_length=20, blank=True, default="")
    phone_verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["role"])]
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=~models.Q(phone=""), name="user_phone_unique")
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the plaintext is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=64, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="first characters, to tell tokens apart")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class SignupAttempt(models.Model):
    """A sign-up posted from an address, kept briefly to throttle scripted sign-ups."""

    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)


class PhoneCode(models.Model):
    """The code texted to a new account's number: only its keyed hash is kept, it lives
    ``KAMENG_PHONE_CODE_MINUTES`` and dies after ``KAMENG_PHONE_CODE_ATTEMPTS`` wrong tries. A new
    code replaces the old one (one row per account)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="phone_code")
    code_hash = models.CharField(max_length=64)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)


class LoginLinkRequest(models.Model):
    """A sign-in link asked for, kept briefly so nobody can flood an owner's mailbox or our mailer."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)


class LoginFailure(models.Model):
    """A failed login, kept briefly to throttle guessing by username and by address."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
