"""Loket settings, configured from environment variables.

Two profiles:
- development (default): DEBUG on, SQLite under var/, a fixed insecure key. Zero set-up.
- production (LOKET_PROFILE=production): DEBUG off, secret and hosts from the environment,
  PostgreSQL from DATABASE_URL, secure cookies and HSTS. See docs/operations.md.

With CI=true the test suite runs on the PostgreSQL server at 127.0.0.1:5432 (database `test`).
"""

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LOKET_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


PROFILE = os.environ.get("LOKET_PROFILE", "development")
if PROFILE not in {"development", "production"}:
    raise ImproperlyConfigured("LOKET_PROFILE must be 'development' or 'production'")
PRODUCTION = PROFILE == "production"
IN_CI = env_bool("CI", False)

DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)

if PRODUCTION:
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to 50+ random characters in production")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the site's host names in production")
else:
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production-0123456789")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    # Loket apps, in dependency order (see .importlinter)
    "loket.core",
    "loket.regions",
    "loket.offices",
    "loket.catalog",
    "loket.accounts",
    "loket.audit",
    "loket.letters",
    "loket.signing",
    "loket.notifications",
    "loket.queueing",
    "loket.permohonan",
    "loket.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "loket.core.middleware.IndonesianFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # axes must be last: it turns locked-out logins into a clear response
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "loket.urls"
WSGI_APPLICATION = "loket.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "loket" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: DATABASE_URL wins; CI defaults to the local PostgreSQL; otherwise embedded SQLite.
_default_db_url = f"sqlite:///{VAR_DIR / 'loket.sqlite3'}"
if IN_CI:
    _default_db_url = "postgres://postgres@127.0.0.1:5432/test"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if PRODUCTION and not DATABASE_URL.startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL in production")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or _default_db_url,
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60" if PRODUCTION else "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and a management command share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "home"

# django-axes: lock a username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_CLIENT_STR_CALLABLE = "loket.accounts.throttle.client_str"  # masks NIKs in axes log lines
AXES_USERNAME_CALLABLE = "loket.accounts.throttle.attempt_username"  # stores a keyed hash, not the NIK

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "loket" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Jakarta"  # only for display defaults; offices carry their own time zone
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "loket" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Uploaded documents and issued letters: never under MEDIA_URL, served only through views that
    # check who is asking (loket.permohonan, loket.letters).
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "private")},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))

# Security headers. Production adds HTTPS-only cookies and HSTS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading commits the whole domain (e.g. all of *.go.id below it) to HTTPS in browsers;
        # that is the domain owner's decision, so leaving it off is deliberate, not a warning.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOKET_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # fontTools narrates every font subset (the e-signature stamp) at INFO.
        "fontTools": {"level": "WARNING"},
    },
}

# Region data shipped with the project (Kepmendagri 300.2.2-2138/2025), see loket/regions/data/README.md
REGIONS_CSV = BASE_DIR / "loket" / "regions" / "data" / "wilayah_kemendagri_2025.csv"

# --- Electronic signatures (loket.signing; docs/operations.md, section "Signing") -------------
# The deployment's own certificate authority: "CN=Loket Root CA <name>, O=<organisation>, C=ID".
LOKET_DEPLOYMENT_NAME = os.environ.get("LOKET_DEPLOYMENT_NAME", "")
LOKET_CA_ORGANISATION = os.environ.get("LOKET_CA_ORGANISATION", "Pemerintah Daerah (Loket)")
# Seals the CA and TSA private keys. Required in production (signing refuses to run without it);
# development and tests fall back to a marked development passphrase (loket.signing.pki).
LOKET_CA_PASSPHRASE = os.environ.get("LOKET_CA_PASSPHRASE", "")
# An external RFC 3161 timestamping service; empty = the deployment's own TSA certificate.
SIGNING_TSA_URL = os.environ.get("SIGNING_TSA_URL", "")
# With SIGNING_TSA_URL: a PEM file with the external TSA's CA certificates (to validate and embed).
SIGNING_TSA_CA_FILE = os.environ.get("SIGNING_TSA_CA_FILE", "")
# The PKCS#11 module of the signers' tokens (Debian's SoftHSM2 by default).
SIGNING_PKCS11_MODULE = os.environ.get("SIGNING_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
# The font of the visible stamp, embedded in the signed PDF (fonts-dejavu-core).
SIGNING_STAMP_FONT = os.environ.get("SIGNING_STAMP_FONT", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# The largest PDF the public verification page analyses.
SIGNING_MAX_VERIFY_BYTES = int(os.environ.get("SIGNING_MAX_VERIFY_BYTES", str(10 * 1024 * 1024)))
# BSrE's remote signing service (API v2 form; loket.signing.signers.bsre). Empty URL = not used.
SIGNING_BSRE_URL = os.environ.get("SIGNING_BSRE_URL", "")
SIGNING_BSRE_CLIENT_ID = os.environ.get("SIGNING_BSRE_CLIENT_ID", "")
SIGNING_BSRE_CLIENT_SECRET = os.environ.get("SIGNING_BSRE_CLIENT_SECRET", "")
SIGNING_BSRE_CA_FILE = os.environ.get("SIGNING_BSRE_CA_FILE", "")  # PEM of BSrE's CA chain
SIGNING_BSRE_CONNECT_TIMEOUT = float(os.environ.get("SIGNING_BSRE_CONNECT_TIMEOUT", "5"))
SIGNING_BSRE_READ_TIMEOUT = float(os.environ.get("SIGNING_BSRE_READ_TIMEOUT", "60"))
SIGNING_BSRE_RETRIES = int(os.environ.get("SIGNING_BSRE_RETRIES", "2"))
# Wrong signing PINs in a row before signing is locked, and for how long.
SIGNING_PIN_MAX_FAILURES = int(os.environ.get("SIGNING_PIN_MAX_FAILURES", "5"))
SIGNING_PIN_LOCK_MINUTES = int(os.environ.get("SIGNING_PIN_LOCK_MINUTES", "15"))
# The public address printed in the QR codes of signed documents (e.g. https://loket.padang.go.id);
# empty = the address of the request that signs.
LOKET_PUBLIC_URL = os.environ.get("LOKET_PUBLIC_URL", "")
# Signer kinds -> dotted path of a factory(signer_key) returning a Signer; merged over the built-in
# registry in loket.signing.signers (local, pkcs11, bsre).
SIGNING_SIGNERS: dict[str, str] = {}
# Cheap Argon2id parameters for the test suite only (set by loket/signing/tests/conftest.py);
# refused in production. None = the memory-hard default of loket.signing.sealing.
SIGNING_KDF_TEST_PARAMS: dict[str, int] | None = None

# --- Queue (loket.queueing) --------------------------------------------------------------------
# How long the hints of a refused booking (the next free place, other offices with room) are
# reused for the same session (0: computed every time); see queueing/selectors.py.
QUEUE_HINT_CACHE_SECONDS = float(os.environ.get("QUEUE_HINT_CACHE_SECONDS", "5"))

# --- Notifications (loket.notifications; the outbox, workers, one-time codes) -----------------
# Channels the workers may use: name -> {"backend": dotted path, **options}
# (loket.notifications.channels.registry). As JSON in NOTIFY_CHANNELS_JSON; the default has only
# e-mail, through Django's EMAIL_* settings. A channel not listed is skipped: the citizen's next
# channel is tried.
NOTIFY_CHANNELS: dict[str, dict] = json.loads(os.environ.get("NOTIFY_CHANNELS_JSON", "") or "null") or {
    "email": {"backend": "loket.notifications.channels.django_mail.DjangoMailChannel"},
}
# The demo phone (make run): SMS, WhatsApp and e-mail written to the worker's terminal
# (channels/console.py), so that a visitor sees what a citizen would get. Never in production.
NOTIFY_CONSOLE = env_bool("NOTIFY_CONSOLE", False)
if NOTIFY_CONSOLE:
    if PRODUCTION:
        raise ImproperlyConfigured("NOTIFY_CONSOLE is for development (make run) only")
    NOTIFY_CHANNELS = {
        name: {"backend": "loket.notifications.channels.console.ConsoleChannel", "name": name}
        for name in ("sms", "whatsapp", "email")
    }
# The channel order of a citizen who chose none, and of an address without an account.
NOTIFY_DEFAULT_CHANNELS = env_list("NOTIFY_DEFAULT_CHANNELS", ["whatsapp", "sms", "email"])
# Attempts on one channel before falling back to the next (temporary failures and, on a channel
# that de-duplicates, unknown outcomes); the backoff: base * 2^(n-1) seconds, capped, + up to
# JITTER x the delay at random.
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "5"))
NOTIFY_BACKOFF_SECONDS = float(os.environ.get("NOTIFY_BACKOFF_SECONDS", "30"))
NOTIFY_BACKOFF_MAX_SECONDS = float(os.environ.get("NOTIFY_BACKOFF_MAX_SECONDS", "3600"))
NOTIFY_BACKOFF_JITTER = float(os.environ.get("NOTIFY_BACKOFF_JITTER", "0.2"))
# How long a worker holds a claimed message; longer than any channel's timeout.
NOTIFY_LEASE_SECONDS = float(os.environ.get("NOTIFY_LEASE_SECONDS", "300"))
# Messages in a final state are deleted this many days after they were written (0: never); the
# workers purge hourly. Audit rows of the events themselves are kept.
NOTIFY_RETENTION_DAYS = int(os.environ.get("NOTIFY_RETENTION_DAYS", "180"))
# One-time codes (login by code, phone verification).
OTP_VALID_MINUTES = int(os.environ.get("OTP_VALID_MINUTES", "5"))
OTP_MAX_PER_WINDOW = int(os.environ.get("OTP_MAX_PER_WINDOW", "3"))
OTP_WINDOW_MINUTES = int(os.environ.get("OTP_WINDOW_MINUTES", "15"))
OTP_MAX_PER_DAY = int(os.environ.get("OTP_MAX_PER_DAY", "10"))
OTP_MAX_WRONG_TRIES = int(os.environ.get("OTP_MAX_WRONG_TRIES", "5"))
# Requests of the public login-by-code page per client address and hour (codes asked + codes typed).
OTP_REQUESTS_PER_IP_PER_HOUR = int(os.environ.get("OTP_REQUESTS_PER_IP_PER_HOUR", "30"))
