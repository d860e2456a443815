"""Seatwise settings.

Every value comes from the environment, with safe defaults for the embedded mode
(SQLite, database task worker, local mail outbox). See docs/operations.md.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SEATWISE_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("SEATWISE_DEBUG", False)
# A demo or test installation: the test payment gateway, the demo seller and the local file
# outbox are allowed without DEBUG. A production start without it refuses them
# (seatwise.core.checks). `make run` sets it.
SEATWISE_DEMO = _env_bool("SEATWISE_DEMO", False)
SECRET_KEY = os.environ.get("SEATWISE_SECRET_KEY", "")
if not SECRET_KEY:
    # Embedded mode: a per-installation key kept in var/, created on first start.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("SEATWISE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("SEATWISE_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    # django-crontask's scheduler command is seatwise.core's `crontask` (not its app: see there).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "seatwise.core",
    "seatwise.audit",
    "seatwise.accounts",
    "seatwise.sessions",
    "seatwise.catalog",
    "seatwise.subscriptions",
    "seatwise.payments",
    "seatwise.notifications",
    "seatwise.tax",
    "seatwise.invoicing",
    "seatwise.sales",
    "seatwise.ordering",
    "seatwise.helpcenter",
    "seatwise.support",
    "seatwise.demo",
    "seatwise.api",
    "seatwise.portals.home",
    "seatwise.portals.auth",
    "seatwise.portals.my_account",
    "seatwise.portals.billing_center",
    "seatwise.portals.corporate",
    "seatwise.portals.admin_center",
    "seatwise.portals.help",
    "seatwise.portals.support",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy on every response (static files too), and no caching of what is for
    # one person only (settings under Security, below).
    "seatwise.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # The user itself instead of the lazy proxies of the two above (read on every request).
    "seatwise.core.middleware.ResolvedUserMiddleware",
    # After the OTP middleware: who must use two-factor sign-in uses nothing else before.
    "seatwise.portals.two_factor_policy.TwoFactorPolicyMiddleware",
    "seatwise.core.middleware.PersonLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication and messages: ends sign-ins past their idle or absolute timeout.
    "seatwise.sessions.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes requires (it keeps the product sign-in's access log; it locks
    # nothing: seatwise.accounts.signin_throttle does).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        # Django's, with {% load i18n %} rendering a literal message once per language.
        "BACKEND": "seatwise.core.templates.DjangoTemplates",
        "NAME": "django",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Django's cached loader, folding each compiled template's constant runs
            # (seatwise.core.template_folding).
            "loaders": [
                (
                    "seatwise.core.template_folding.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            # {% url %} reversing each URL once per process (seatwise.core.urls).
            # |date keeping a calendar day's text per format and language
            # (seatwise.core.templatetags.cached_dates).
            "builtins": [
                "seatwise.core.templatetags.cached_urls",
                "seatwise.core.templatetags.cached_dates",
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "seatwise.portals.context_processors.portal",
                "seatwise.portals.two_factor_policy.two_factor_reminder",
                # After the built-in csrf processor: the same token, cheaper (seatwise.core.csrf).
                "seatwise.core.csrf.page_csrf",
            ],
        },
    },
]
# Forms render with Jinja2 (the widget templates Django ships for it); each field with
# seatwise/portals/jinja2/portal/field_group.html.
FORM_RENDERER = "seatwise.portals.renderers.PortalFormRenderer"

# --- Database -------------------------------------------------------------------------------
# Embedded default: SQLite in WAL mode with IMMEDIATE transactions, so that two writers
# serialise instead of racing (select_for_update() is a no-op on SQLite).
_database_url = os.environ.get("DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["CONN_MAX_AGE"] = 0 if _env_bool("SEATWISE_DB_POOL", False) else 60
        DATABASES["default"].setdefault("OPTIONS", {})
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SEATWISE_SQLITE_PATH", str(VAR_DIR / "seatwise.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
            # Kept open between requests: opening the file and setting the pragmas above costs
            # a page a fifth of its time.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            # A file, not shared-cache memory: concurrent-writer tests and live-server browser
            # tests need real SQLite locking with the busy timeout.
            "TEST": {"NAME": str(VAR_DIR / "test-seatwise.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Identity -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.Person"
AUTHENTICATION_BACKENDS = [
    # django-axes keeps the product sign-in's access log (attempts, sign-ins); it locks nothing.
    "axes.backends.AxesStandaloneBackend",
    "seatwise.accounts.backends.PersonBackend",
]
LOGIN_URL = "auth:signin"
LOGIN_REDIRECT_URL = "home:home"
# Failed sign-ins, on the product sign-in and the Corporate Billing Portal's alike
# (seatwise.accounts.signin_throttle): a browser that signed in before carries a device cookie
# and is judged by its own failures only; other clients are limited per login (a lock for them
# only) and per client across logins. Every limit counts within windows of the cooloff.
SEATWISE_SIGNIN_COOLOFF = timedelta(
    minutes=int(os.environ.get("SEATWISE_SIGNIN_LOCKOUT_MINUTES", "15"))
)
SEATWISE_SIGNIN_LOGIN_FAILURES = int(os.environ.get("SEATWISE_SIGNIN_FAILURE_LIMIT", "5"))
SEATWISE_SIGNIN_DEVICE_FAILURES = int(os.environ.get("SEATWISE_SIGNIN_DEVICE_FAILURE_LIMIT", "5"))
SEATWISE_SIGNIN_CLIENT_LOGINS = int(os.environ.get("SEATWISE_SIGNIN_CLIENT_LOGIN_LIMIT", "10"))
SEATWISE_DEVICE_COOKIE_AGE = timedelta(
    days=int(os.environ.get("SEATWISE_DEVICE_COOKIE_DAYS", "180"))
)
# Proxies in front of Seatwise that append the client's address to X-Forwarded-For: the
# client's address is the entry the outermost of them wrote (seatwise.core.clients). 0: the
# connection's address.
SEATWISE_PROXY_COUNT = int(os.environ.get("SEATWISE_PROXY_COUNT", "0"))
AXES_LOCK_OUT_AT_FAILURE = False
AXES_COOLOFF_TIME = SEATWISE_SIGNIN_COOLOFF
# How the access log groups failures (and which a success forgets): per address and client.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "seatwise.portals.auth.views.axes_username"
AXES_CLIENT_IP_CALLABLE = "seatwise.core.clients.client_address"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "Seatwise"
# Two-factor sign-in (TOTP, seatwise.accounts.two_factor): always required for vendor staff;
# required for account admins and billing admins too when this is on, else offered to them
# with a reminder until they set it up. Whoever must use it and has no authenticator app is
# sent to set one up right after the password and can use nothing else until then.
SEATWISE_TWO_FACTOR_REQUIRED_FOR_ADMINS = _env_bool(
    "SEATWISE_TWO_FACTOR_REQUIRED_FOR_ADMINS", False
)
# Step-up re-authentication (seatwise.portals.step_up): sensitive actions (card, Bill To,
# invoice contacts, billing contact, admins, removing users, recovery codes, purchases above
# the amount below) ask for the password or a TOTP code again unless that was given within
# these minutes. A sign-in counts as one.
SEATWISE_STEP_UP_MINUTES = int(os.environ.get("SEATWISE_STEP_UP_MINUTES", "10"))
# Purchases and plan changes whose total (gross, in the account's currency) is above this
# amount ask for the step-up re-authentication too.
SEATWISE_STEP_UP_PURCHASE_AMOUNT = os.environ.get("SEATWISE_STEP_UP_PURCHASE_AMOUNT", "1000")
# Sessions: Django's database engine, its table with who is signed in where, so that people
# can list and end their sessions (seatwise.sessions). A sign-in ends after the absolute
# timeout however busy it is, and in the admin areas (Admin Center, Billing Center, support
# console, Corporate Billing Portal) after the idle timeout without a request
# (seatwise.sessions.middleware). The cookie lasts as long as the longest sign-in.
SESSION_ENGINE = "seatwise.sessions.store"
SEATWISE_SESSION_IDLE_TIMEOUT = timedelta(
    minutes=int(os.environ.get("SEATWISE_SESSION_IDLE_MINUTES", "30"))
)
SEATWISE_SESSION_ABSOLUTE_TIMEOUT = timedelta(
    hours=int(os.environ.get("SEATWISE_SESSION_ABSOLUTE_HOURS", "12"))
)
SESSION_COOKIE_AGE = int(SEATWISE_SESSION_ABSOLUTE_TIMEOUT.total_seconds())
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("de", _("German")),
    ("it", _("Italian")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
LANGUAGE_COOKIE_NAME = "seatwise_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it; collectstatic fills it
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves the files `collectstatic` (run by `make install`) gathered into STATIC_ROOT,
# compressed and with hashed names, so that browsers may keep them forever.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # WhiteNoise's storage, each URL looked up once per process (seatwise.core.storage).
    "staticfiles": {"BACKEND": "seatwise.core.storage.StaticFilesStorage"},
}

# --- Background tasks -----------------------------------------------------------------------
# "database" (the embedded default): django-tasks-db, workers are `manage.py db_worker`; a task
# row commits with the data that causes it, so no task is lost between commit and enqueue.
# "rq": Redis + RQ (django-tasks-rq) for many workers on several hosts, `manage.py rqworker`;
# tasks are enqueued when the transaction commits (seatwise.core.tasking), and every task's
# work is also swept up by a periodic job, so a process that dies in between loses nothing.
_task_backend = os.environ.get("SEATWISE_TASK_BACKEND", "").strip() or "database"
# The backends' dotted paths (as earlier versions took them) mean the same.
SEATWISE_TASK_BACKEND = {
    "django_tasks_db.DatabaseBackend": "database",
    "django_tasks_rq.RQBackend": "rq",
}.get(_task_backend, _task_backend)
SEATWISE_REDIS_URL = os.environ.get("SEATWISE_REDIS_URL", "")
# Taken in this order by a Redis worker (scripts/serve.sh worker): e-mail never waits behind
# orders, and orders never wait behind the archiving of documents. The database backend's one
# queue orders its tasks by priority to the same effect (deliver_email 10, archiving -10).
TASK_QUEUES = ["mail", "default", "documents"]
RQ_QUEUES: dict[str, dict[str, object]] = {}
if SEATWISE_TASK_BACKEND == "rq":
    if not SEATWISE_REDIS_URL:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SEATWISE_TASK_BACKEND=rq needs SEATWISE_REDIS_URL.")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {name: {"URL": SEATWISE_REDIS_URL, "DEFAULT_TIMEOUT": 900} for name in TASK_QUEUES}
    TASKS = {"default": {"BACKEND": "seatwise.core.task_backends.RQBackend", "QUEUES": TASK_QUEUES}}
elif SEATWISE_TASK_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}
else:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SEATWISE_TASK_BACKEND is `database` or `rq`.")
# A task still "running" this long after it started is taken for the task of a killed worker
# and run again (database backend; RQ retries abandoned jobs itself). Every task is
# idempotent, so a slow one run twice does no harm.
SEATWISE_TASK_VISIBILITY_TIMEOUT = timedelta(
    minutes=int(os.environ.get("SEATWISE_TASK_VISIBILITY_TIMEOUT_MINUTES", "30"))
)
# Subscriptions per batch of the bill run (``billing.renewals``): each batch's purchases are
# started in one transaction and invoiced in one, their numbers taken as one block.
SEATWISE_BILL_RUN_BATCH = int(os.environ.get("SEATWISE_BILL_RUN_BATCH", "500"))
# Purchases one worker's task runs at once, each in a thread with its own connection
# (``sales.runner.purchases_run``): the renewals a bill run hands over spend their time
# waiting for the gateway. 1 runs them one after the other.
SEATWISE_PURCHASE_CONCURRENCY = int(os.environ.get("SEATWISE_PURCHASE_CONCURRENCY", "8"))
# What an RQ worker loads once, before it forks a process per task (seatwise.core.rq_workers):
# the PDF renderer and its fonts, the templates, the e-invoice schemas.
SEATWISE_TASK_PRELOAD = [
    "seatwise.core.pdf.preload",
    "seatwise.core.templates.preload",
    "seatwise.invoicing.einvoice.preload",
]
# Finished task results are kept this long, then pruned (a daily job).
SEATWISE_TASK_RESULTS_KEEP = timedelta(days=int(os.environ.get("SEATWISE_TASK_RESULTS_DAYS", "7")))

# The scheduler of periodic jobs: django-crontask's `manage.py crontask`. It may run on every
# host: each job is enqueued once per period whatever the number of schedulers
# (seatwise.core.schedule, one row per job and period in the database).

# --- E-mail ---------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get("SEATWISE_FROM_EMAIL", "Seatwise <billing@seatwise.test>")
# Attempts per message before it is marked failed (notifications.delivery: exponential backoff
# from 30 seconds up to an hour between attempts, about seven hours in all).
SEATWISE_EMAIL_MAX_ATTEMPTS = int(os.environ.get("SEATWISE_EMAIL_MAX_ATTEMPTS", "12"))
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if os.environ.get("SEATWISE_SMTP_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["SEATWISE_SMTP_HOST"],
                "port": int(os.environ.get("SEATWISE_SMTP_PORT", "25")),
                "username": os.environ.get("SEATWISE_SMTP_USER", ""),
                "password": os.environ.get("SEATWISE_SMTP_PASSWORD", ""),
                "use_tls": _env_bool("SEATWISE_SMTP_STARTTLS", False),
                # Shorter than the outbox's claim (notifications.delivery.CLAIM_TIMEOUT).
                "timeout": int(os.environ.get("SEATWISE_SMTP_TIMEOUT", "20")),
            },
        }
    }
else:
    # Embedded default: messages land in a local outbox the operator can read.
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "outbox")},
        }
    }

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Served over HTTPS, behind a TLS-terminating proxy (SEATWISE_HTTPS): secure cookies, HSTS,
# redirect plain HTTP, and trust the proxy's X-Forwarded-Proto header. On by default in
# production (neither SEATWISE_DEBUG nor SEATWISE_DEMO, as seatwise.core.checks tells them);
# off by default for `make run` (a demo on plain HTTP) and when debugging. A production
# installation that is reached over plain HTTP must say SEATWISE_HTTPS=false (and then hears
# about it from `manage.py check --deploy`).
SEATWISE_HTTPS = _env_bool("SEATWISE_HTTPS", not DEBUG and not SEATWISE_DEMO)
if SEATWISE_HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _env_bool("SEATWISE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SEATWISE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SEATWISE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_bool("SEATWISE_HSTS_PRELOAD", True)
    # The health checks answer the load balancer over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Responses for one person only, which no browser or proxy cache may keep
# (seatwise.core.middleware.SecurityHeadersMiddleware): everything under these paths, whoever
# asks, and any response to a request with a session (a signed-in person, a Corporate Billing
# Portal session).
SEATWISE_PRIVATE_PATHS = [
    "/billing/",
    "/admin-center/",
    "/my-account/",
    "/corporate/",
    "/support/",
    "/api/",
]
# Permissions-Policy: the browser features no page of Seatwise uses, each denied to every page
# and to anything a page would embed ("camera=()").
SEATWISE_DENIED_BROWSER_FEATURES = [
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
]

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "style-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Seatwise -------------------------------------------------------------------------------
SEATWISE_PAYMENT_GATEWAY = os.environ.get(
    "SEATWISE_PAYMENT_GATEWAY", "seatwise.payments.gateways.test.TestGateway"
)
# The payment gateway client waits this long for an answer, then takes the outcome for unknown;
# Seatwise asks the gateway about a call only after the grace, which must be longer (a system
# check says so), so that it never takes a call still in flight for one that never happened.
SEATWISE_GATEWAY_TIMEOUT_SECONDS = int(os.environ.get("SEATWISE_GATEWAY_TIMEOUT_SECONDS", "80"))
SEATWISE_GATEWAY_GRACE_SECONDS = int(os.environ.get("SEATWISE_GATEWAY_GRACE_SECONDS", "120"))
SEATWISE_API_PAGE_SIZE = 50
# Requests per minute each provisioning API token may make (seatwise.api.auth); more get 429
# with Retry-After. 0 switches the limit off.
SEATWISE_API_RATE_LIMIT = int(os.environ.get("SEATWISE_API_RATE_LIMIT", "600"))
# The plan of each kind of purchase the sales pipeline runs (seatwise.sales.plans).
SEATWISE_PURCHASE_PLANS = {
    "seats": "seatwise.billing.orders.SeatsPlan",
    "plan_change": "seatwise.billing.changes.PlanChangePlan",
    "service_order": "seatwise.ordering.pipeline.ServiceOrderPlan",
    "renewal": "seatwise.billing.renewals.RenewalPlan",
    "pay_now": "seatwise.billing.invoice_payments.PayNowPlan",
    "refund": "seatwise.billing.refunds.RefundPlan",
    "new_subscription": "seatwise.billing.new_subscriptions.NewSubscriptionPlan",
    "direct_debit": "seatwise.billing.direct_debits.DirectDebitPlan",
}
# The address people reach Seatwise at, for links in e-mails.
SEATWISE_SITE_URL = os.environ.get("SEATWISE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SEATWISE_MAIL_DOMAIN = os.environ.get("SEATWISE_MAIL_DOMAIN", "seatwise.test")
# The vendor, as printed on invoices; its country decides domestic supplies and reverse charge
# (seatwise.tax.services.tax_decision). Address lines are separated by "|" in the environment.
SEATWISE_SELLER = {
    "name": os.environ.get("SEATWISE_SELLER_NAME", "Seatwise Software GmbH"),
    "address_lines": [
        line.strip()
        for line in os.environ.get(
            "SEATWISE_SELLER_ADDRESS", "Friedrichstraße 100|10117 Berlin"
        ).split("|")
        if line.strip()
    ],
    "country": os.environ.get("SEATWISE_SELLER_COUNTRY", "DE"),
    "vat_id": os.environ.get("SEATWISE_SELLER_VAT_ID", "DE136695976"),
    "email": os.environ.get("SEATWISE_SELLER_EMAIL", "billing@seatwise.test"),
    "iban": os.environ.get("SEATWISE_SELLER_IBAN", "DE89370400440532013000"),
}
# The seller's commercial register and managing directors, printed on every invoice (in
# Germany § 35a GmbHG, § 37a HGB); directors' names separated by a vertical bar.
SEATWISE_SELLER_REGISTER_COURT = os.environ.get("SEATWISE_SELLER_REGISTER_COURT", "")
SEATWISE_SELLER_REGISTER_NUMBER = os.environ.get("SEATWISE_SELLER_REGISTER_NUMBER", "")
SEATWISE_SELLER_MANAGING_DIRECTORS = os.environ.get("SEATWISE_SELLER_MANAGING_DIRECTORS", "")
# How the invoices of a Payment Profile other than a card are paid (seatwise.invoicing
# .payment_means): the seller's bank (BIC and name; the IBAN is SEATWISE_SELLER_IBAN above) for
# bank transfers, the address checks are sent to (lines separated by "|"), and the SEPA
# creditor identifier of the direct debits. The defaults are demo values.
SEATWISE_SELLER_BIC = os.environ.get("SEATWISE_SELLER_BIC", "COBADEFFXXX")
SEATWISE_SELLER_BANK_NAME = os.environ.get("SEATWISE_SELLER_BANK_NAME", "Commerzbank")
SEATWISE_SELLER_REMITTANCE_ADDRESS = os.environ.get(
    "SEATWISE_SELLER_REMITTANCE_ADDRESS",
    "Seatwise Software GmbH|Accounts Receivable|Postfach 12 01 01|10591 Berlin",
)
SEATWISE_SELLER_SEPA_CREDITOR_ID = os.environ.get(
    "SEATWISE_SELLER_SEPA_CREDITOR_ID", "DE98ZZZ09999999999"
)
# Corporate Account Services: where the Corporate Billing Portal sends accounts that cannot
# add seats themselves (article 003). Empty e-mail: the seller's e-mail above.
SEATWISE_CORPORATE_ACCOUNT_SERVICES_EMAIL = os.environ.get(
    "SEATWISE_CORPORATE_ACCOUNT_SERVICES_EMAIL", "corporate-accounts@seatwise.test"
)
SEATWISE_CORPORATE_ACCOUNT_SERVICES_PHONE = os.environ.get(
    "SEATWISE_CORPORATE_ACCOUNT_SERVICES_PHONE", "+49 30 1234 5600"
)

# Customer service, as the help center's contact options show it: the e-mail address that
# support replies come from and customers write to, an optional phone number, and the hours
# ("<first day>-<last day> <HH:MM>-<HH:MM> <time zone>", days as mon..sun), shown in the
# reader's language.
SEATWISE_SUPPORT_EMAIL = os.environ.get("SEATWISE_SUPPORT_EMAIL", "support@seatwise.test")
SEATWISE_SUPPORT_PHONE = os.environ.get("SEATWISE_SUPPORT_PHONE", "+49 30 1234 5610")
SEATWISE_SUPPORT_HOURS = os.environ.get(
    "SEATWISE_SUPPORT_HOURS", "mon-fri 08:00-18:00 Europe/Berlin"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SEATWISE_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint reports every rendering step at INFO; keep the logs for what matters.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # The scheduler logs every run of its lock keeper (each 5 s); seatwise.core.schedule
        # logs each job it enqueues.
        "apscheduler": {"level": "WARNING"},
    },
}
