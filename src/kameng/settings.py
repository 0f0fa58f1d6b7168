"""Kameng settings, configured by environment variables.

Defaults are the embedded single-machine set-up (SQLite and local files under ``KAMENG_DATA_DIR``)
with production-safe choices: DEBUG off unless asked, secrets generated once and kept on disk.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("KAMENG_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_from_file(name: str) -> str:
    """A random secret generated on first start and kept in the data dir (as pretix does), so a
    fresh install is never left with a guessable default."""
    path = DATA_DIR / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("KAMENG_DEBUG", False)
SECRET_KEY = os.environ.get("KAMENG_SECRET_KEY") or _secret_from_file("secret_key")
ALLOWED_HOSTS = env_list("KAMENG_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("KAMENG_CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("KAMENG_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "kameng.core",
    "kameng.accounts",
    "kameng.ledger",
    "kameng.shops",
    "kameng.catalog",
    "kameng.inventory",
    "kameng.timeline",
    "kameng.payments",
    "kameng.suppliers",
    "kameng.orders",
    "kameng.rulebook",
    "kameng.notifications",
    "kameng.knowledge",
    "kameng.aftersales",
    "kameng.evidence",
    "kameng.onboarding",
    "kameng.reputation",
    "kameng.search",
    "kameng.community",
    "kameng.triage",
    "kameng.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kameng.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kameng.core.middleware.NulInputMiddleware",
    "csp.middleware.CSPMiddleware",
    "kameng.core.middleware.NoStoreMiddleware",
    "kameng.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "kameng.urls"
WSGI_APPLICATION = "kameng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kameng.notifications.context_processors.inbox",
            ],
            "builtins": ["kameng.core.templatetags.money"],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'kameng.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("KAMENG_CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Server-side parameter binding lets psycopg prepare the statements a connection repeats (the
    # checkout's two dozen), so PostgreSQL parses and plans each once per connection, not per order.
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = env_bool(
        "KAMENG_PG_SERVER_SIDE_BINDING", True
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling: this many failures for one username from one address (or four times as many from
# one address for any username) within the window lock that out.
KAMENG_LOGIN_MAX_FAILURES = int(os.environ.get("KAMENG_LOGIN_MAX_FAILURES", "5"))
KAMENG_LOGIN_WINDOW_SECONDS = int(os.environ.get("KAMENG_LOGIN_WINDOW_SECONDS", "900"))
# A username is locked everywhere only after this many times the per-address limit (a distributed guess).
KAMENG_LOGIN_GLOBAL_FACTOR = int(os.environ.get("KAMENG_LOGIN_GLOBAL_FACTOR", "10"))
# Sign-in links by e-mail, per username and per address within the login window.
KAMENG_LOGIN_LINKS_PER_USERNAME = int(os.environ.get("KAMENG_LOGIN_LINKS_PER_USERNAME", "3"))
KAMENG_LOGIN_LINKS_PER_ADDRESS = int(os.environ.get("KAMENG_LOGIN_LINKS_PER_ADDRESS", "10"))
# Self-service sign-up: per address per hour, and the least seconds a person takes to fill the form.
KAMENG_SIGNUPS_PER_ADDRESS = int(os.environ.get("KAMENG_SIGNUPS_PER_ADDRESS", "5"))
KAMENG_SIGNUP_MIN_SECONDS = int(os.environ.get("KAMENG_SIGNUP_MIN_SECONDS", "3"))
KAMENG_API_TOKEN_TTL_DAYS = int(os.environ.get("KAMENG_API_TOKEN_TTL_DAYS", "30"))

# --- Card-key encryption ----------------------------------------------------------------------
# The keyring (AES-GCM keys by id + the HMAC fingerprint key) comes from KAMENG_KEYRING (JSON) or
# a file created on first use; see kameng.inventory.crypto.
KAMENG_KEYRING_FILE = Path(os.environ.get("KAMENG_KEYRING_FILE", DATA_DIR / "keyring.json"))
KAMENG_KEYRING = os.environ.get("KAMENG_KEYRING", "")
KAMENG_IMPORT_MAX_BYTES = int(os.environ.get("KAMENG_IMPORT_MAX_BYTES", str(2 * 1024 * 1024)))
KAMENG_IMPORT_MAX_LINES = int(os.environ.get("KAMENG_IMPORT_MAX_LINES", "20000"))
DATA_UPLOAD_MAX_MEMORY_SIZE = KAMENG_IMPORT_MAX_BYTES + 512 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = KAMENG_IMPORT_MAX_BYTES + 512 * 1024

# --- Payments and suppliers --------------------------------------------------------------------
# Gateways offered for wallet top-ups: "epay" (易支付). None by default: without a real gateway the
# platform offers no top-up (and says so at start). "sandbox", the built-in test gateway with which any
# buyer credits any amount for free, is for the demo and tests: listing it is an explicit opt-in,
# warned about on every start and counted by `kameng ledger check`.
KAMENG_PAYMENT_GATEWAYS = env_list("KAMENG_PAYMENT_GATEWAYS", "")
KAMENG_TOPUP_MIN_FEN = int(os.environ.get("KAMENG_TOPUP_MIN_FEN", "1"))
KAMENG_TOPUP_MAX_FEN = int(os.environ.get("KAMENG_TOPUP_MAX_FEN", "5000000"))
KAMENG_PAYMENT_TTL_MINUTES = int(os.environ.get("KAMENG_PAYMENT_TTL_MINUTES", "30"))
KAMENG_SANDBOX_GATEWAY_SECRET = os.environ.get("KAMENG_SANDBOX_GATEWAY_SECRET", "")  # "" = derived from SECRET_KEY
KAMENG_EPAY_URL = os.environ.get("KAMENG_EPAY_URL", "")
KAMENG_EPAY_PID = os.environ.get("KAMENG_EPAY_PID", "")
KAMENG_EPAY_KEY = os.environ.get("KAMENG_EPAY_KEY", "")
KAMENG_EPAY_TYPE = os.environ.get("KAMENG_EPAY_TYPE", "alipay")
# 直充 upstream supplier (the demo runs the local simulator, `kameng supplier-sim`).
KAMENG_SUPPLIER_URL = os.environ.get("KAMENG_SUPPLIER_URL", "http://127.0.0.1:8766")
KAMENG_SUPPLIER_SECRET = os.environ.get("KAMENG_SUPPLIER_SECRET", "")  # "" = derived from SECRET_KEY
# The platform as named in complaint packages (12315) and court evidence lists.
KAMENG_PLATFORM_NAME = os.environ.get("KAMENG_PLATFORM_NAME", "卡盟 Kameng")
KAMENG_PLATFORM_CONTACT = os.environ.get("KAMENG_PLATFORM_CONTACT", "")
# A CJK TrueType font embedded in generated PDFs (Debian/Ubuntu: fonts-wqy-microhei).
KAMENG_PDF_FONT = os.environ.get("KAMENG_PDF_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

# --- I18n / time ------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = os.environ.get("KAMENG_TIME_ZONE", "Asia/Shanghai")  # display only; storage is UTC
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True  # serve straight from the apps; no collectstatic step needed
MEDIA_ROOT = Path(os.environ.get("KAMENG_MEDIA_ROOT", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded files (evidence, case attachments) on S3-compatible object storage when a bucket is
# named (needs the "s3" extra). Objects stay private and no bucket URL is ever handed out: every
# download goes through a permission-checked view that reads the object through the storage API.
KAMENG_S3_BUCKET = os.environ.get("KAMENG_S3_BUCKET", "")
if KAMENG_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": KAMENG_S3_BUCKET,
            "endpoint_url": os.environ.get("KAMENG_S3_ENDPOINT_URL") or None,  # None: AWS itself
            "region_name": os.environ.get("KAMENG_S3_REGION") or None,
            "access_key": os.environ.get("KAMENG_S3_ACCESS_KEY") or None,  # None: boto3's own lookup
            "secret_key": os.environ.get("KAMENG_S3_SECRET_KEY") or None,
            "location": os.environ.get("KAMENG_S3_PREFIX", "").strip("/"),
            # MinIO/Ceph behind a plain host name usually need "path" (bucket in the path, not the host).
            "addressing_style": os.environ.get("KAMENG_S3_ADDRESSING_STYLE") or None,
            "default_acl": "private",
            "querystring_auth": False,
            # Stored evidence is never replaced: a name clash gets a new name, as on local disk.
            "file_overwrite": False,
        },
    }

# --- Tasks ------------------------------------------------------------------------------------
# Jobs (supplier calls, gateway notifications) go through Django's task API. The default keeps them
# in the database and `kameng worker` runs them (no other service needed); "immediate" runs them
# in-process right after commit (tests, tiny installs).
KAMENG_TASK_BACKEND = os.environ.get("KAMENG_TASK_BACKEND", "database")
_TASK_BACKENDS = {
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}
TASKS = {"default": _TASK_BACKENDS[KAMENG_TASK_BACKEND]}
KAMENG_SWEEP_SECONDS = int(os.environ.get("KAMENG_SWEEP_SECONDS", "30"))

# --- Evidence seals -----------------------------------------------------------------------------
# Every KAMENG_SEAL_MINUTES the changed chain heads are sealed into a Merkle root and timestamped:
# by an RFC 3161 authority when KAMENG_TSA_URL is set (its certificate chain, PEM, in
# KAMENG_TSA_CERT_FILE), else by the platform's Ed25519 key (generated on first use).
KAMENG_TSA_URL = os.environ.get("KAMENG_TSA_URL", "")
KAMENG_TSA_CERT_FILE = os.environ.get("KAMENG_TSA_CERT_FILE", "")
KAMENG_SEAL_KEY_FILE = Path(os.environ.get("KAMENG_SEAL_KEY_FILE", DATA_DIR / "seal_ed25519.pem"))
KAMENG_SEAL_MINUTES = int(os.environ.get("KAMENG_SEAL_MINUTES", "10"))

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("KAMENG_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "kameng.core.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("KAMENG_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Served over TLS (secure cookies, or a TLS proxy in front): plain HTTP is redirected and browsers
# are told to come back over HTTPS only (HSTS, a year unless KAMENG_HSTS_SECONDS says otherwise).
# /healthz stays reachable over plain HTTP for load balancers.
if SESSION_COOKIE_SECURE or env_bool("KAMENG_BEHIND_TLS_PROXY", False):
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("KAMENG_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("KAMENG_HSTS_INCLUDE_SUBDOMAINS", False)
# A Content-Security-Policy on every response (django-csp): scripts only from our own static files
# (no inline script, no eval, so an injected <script> or on*= attribute never runs), nothing
# framed, no plugins. Inline style="" attributes stay allowed: they carry no script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Text messages for phone sign-up (``kameng.accounts.sms``): console (logged), locmem or http.
KAMENG_SMS_BACKEND = os.environ.get("KAMENG_SMS_BACKEND", "console")
KAMENG_SMS_URL = os.environ.get("KAMENG_SMS_URL", "")
KAMENG_SMS_KEY = os.environ.get("KAMENG_SMS_KEY", "")
KAMENG_SMS_TIMEOUT_S = float(os.environ.get("KAMENG_SMS_TIMEOUT_S", "5"))
KAMENG_PHONE_CODE_MINUTES = 10  # a sign-up code's life
KAMENG_PHONE_CODE_ATTEMPTS = 5  # wrong tries before the code is void
KAMENG_PHONE_CODE_RESEND_S = 60  # at least this long between two codes to one number

# 用户社群 rate limits (per author, per rolling hour; agents and operators are not limited). A new
# account (younger than the rulebook's new_account_days) gets the lower figure.
KAMENG_COMMUNITY_POSTS_PER_HOUR = int(os.environ.get("KAMENG_COMMUNITY_POSTS_PER_HOUR", "20"))
KAMENG_COMMUNITY_NEW_ACCOUNT_POSTS_PER_HOUR = int(os.environ.get("KAMENG_COMMUNITY_NEW_ACCOUNT_POSTS_PER_HOUR", "3"))
KAMENG_COMMUNITY_REPORTS_PER_HOUR = int(os.environ.get("KAMENG_COMMUNITY_REPORTS_PER_HOUR", "10"))
EMAIL_BACKEND = os.environ.get("KAMENG_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("KAMENG_EMAIL_FROM", "Kameng <noreply@kameng.local>")
# With the SMTP backend: where to send (sign-up confirmations, sign-in links, notifications).
EMAIL_HOST = os.environ.get("KAMENG_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("KAMENG_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("KAMENG_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("KAMENG_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("KAMENG_EMAIL_TLS", "") in ("1", "true", "yes")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KAMENG_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

KAMENG_PRODUCT_NAME = _("Kameng")
