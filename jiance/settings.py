"""Settings, read from the environment (one module).

With nothing set: SQLite file, uploads on local disk, local-memory cache, DEBUG on 127.0.0.1.
- ``JIANCE_PRODUCTION=1``  production mode: ``SECRET_KEY`` required, DEBUG off, HTTPS hardening.
- ``DATABASE_URL``        e.g. ``postgres://postgres@127.0.0.1:5432/jiance``.
- ``S3_BUCKET`` (+ ``S3_ENDPOINT_URL``, ``S3_ACCESS_KEY_ID``, ``S3_SECRET_ACCESS_KEY``, ``S3_REGION``)
                          store uploads in an S3-compatible bucket through django-storages.
- ``REDIS_URL``           cache in Redis, e.g. ``redis://127.0.0.1:6379/0``.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).lower() in ("1", "true", "yes", "on")


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


PRODUCTION = env_bool("JIANCE_PRODUCTION")
DEBUG = env_bool("DEBUG", not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = os.environ["SECRET_KEY"]
else:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret-" + "x" * 40)
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Apps depend one way, bottom of this list first (README, "Layout"); a process registers itself with
# reviews from its app's ready(), so the menus list processes in this order.
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_fsm",
    "django_fsm_log",
    "audit",
    "institutions",
    "django_tasks",
    "django_tasks_db",
    "jobs",
    "workdays",
    "notices",
    "reviews",
    "personnel",
    "certificates",
    "filings",
    "dossiers",
    "credit",
    "dataload",
    "stats",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "web.faults.ServiceUnavailableMiddleware",  # a database, bucket or cache fault → 503 系统繁忙
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "web.logs.RequestContextMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "institutions.sessions.SessionLimitsMiddleware",
    "institutions.second_factor.SecondFactorMiddleware",
    "institutions.middleware.PasswordChangeRequiredMiddleware",
    "audit.middleware.AuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into institutions.lockout's page
]

ROOT_URLCONF = "jiance.urls"
WSGI_APPLICATION = "jiance.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiance.menus.menu",
                "notices.context.unread",
                "jiance.help.contact",
            ],
            # {% url %} that reverses each name once (web/urltag.py) and |date that writes the pages'
            # formats directly (web/datefilter.py), in every template; both answer as Django's own.
            # {% rows %} draws a long table's rows with Jinja2 (web/rows.py).
            "builtins": ["web.urltag", "web.datefilter", "web.rows"],
        },
    }
]
# Form widgets are drawn from Django's own Jinja2 widget templates, the same HTML as its default renderer's.
FORM_RENDERER = "django.forms.renderers.Jinja2"
# The apps' tags that the long tables' Jinja2 rows call (web/rows.py: {% rows %}).
ROWS_TEMPLATE_GLOBALS = {
    "status_badge": "reviews.templatetags.review_tags.status_badge",
    "deadline": "workdays.templatetags.deadline_tags.deadline",
    "mask_id_number": "personnel.validators.mask_id_number",
}

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Persistent connections (checked before reuse) in production: opening one per request costs
        # more than most pages' queries.
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60 if PRODUCTION else 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The pages' queries are short index walks; JIT compilation only adds 50–250 ms to the odd big plan,
    # and starting parallel workers for one (a 已审核 queue's count at 1,000,000 people) costs more than
    # the walk they would share.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c jit=off -c max_parallel_workers_per_gather=0"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "institutions.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked account or address before any password check
    "institutions.backends.ScopedModelBackend",
]

# Login throttling (django-axes, records in the database: every app server sees the same locks).
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 20)
LOGIN_LOCK_MINUTES = env_int("LOGIN_LOCK_MINUTES", 30)
AXES_HANDLER = "institutions.lockout.AccountAndAddressHandler"
AXES_LOCKOUT_PARAMETERS = ["username"]  # the address limit is the handler's own
AXES_FAILURE_LIMIT = LOGIN_FAILURES_PER_ACCOUNT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCK_MINUTES)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "institutions.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "institutions.lockout.lockout_response"
AXES_VERBOSE = False
# axes warns when its lockout parameters leave out the address; the handler limits addresses itself.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "institutions.credentials.ComplexityValidator", "OPTIONS": {"min_length": 8, "min_classes": 3}},
    {"NAME": "institutions.credentials.NotUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "institutions.credentials.HistoryValidator", "OPTIONS": {"count": 5}},
]
# A password older than this many days must be changed before anything else (0: never expires).
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# One language: no LocaleMiddleware, every request is answered in LANGUAGE_CODE.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles")) if PRODUCTION else None
WHITENOISE_USE_FINDERS = not PRODUCTION
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

S3_BUCKET = os.environ.get("S3_BUCKET", "")
# Seconds to open a connection to the bucket and to wait for each answer (web/faults.py: 503 beyond).
S3_CONNECT_TIMEOUT = float(os.environ.get("S3_CONNECT_TIMEOUT", 3))
S3_READ_TIMEOUT = float(os.environ.get("S3_READ_TIMEOUT", 10))
if S3_BUCKET:
    from botocore.config import Config

    default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
            "signature_version": "s3v4",
            # A hung endpoint must fail the request with the 503 page well before the app server's
            # worker timeout (deploy/gunicorn.conf.py: 60 s) kills the worker: two tries at most.
            # (A client_config replaces the one django-storages builds: it repeats signature_version.)
            "client_config": Config(
                signature_version="s3v4",
                connect_timeout=S3_CONNECT_TIMEOUT,
                read_timeout=S3_READ_TIMEOUT,
                retries={"total_max_attempts": 2, "mode": "standard"},
            ),
        },
    }
else:
    default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    }
STORAGES = {
    "default": default_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Uploads (one path for every scanned attachment; see reviews/uploads.py).
ATTACHMENT_MAX_FILE_MB = env_int("ATTACHMENT_MAX_FILE_MB", 10)
ATTACHMENT_MAX_FILES_PER_REQUEST = env_int("ATTACHMENT_MAX_FILES_PER_REQUEST", 40)
ATTACHMENT_MAX_REQUEST_MB = env_int("ATTACHMENT_MAX_REQUEST_MB", 80)
# Scans uploaded as they are chosen wait this long for their form (then sweep_attachments removes them).
STAGED_UPLOAD_HOURS = env_int("STAGED_UPLOAD_HOURS", 24)
# Django's own cap sits above ours, so that a user over the limit gets the form's Chinese message.
DATA_UPLOAD_MAX_NUMBER_FILES = ATTACHMENT_MAX_FILES_PER_REQUEST + 10
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Behind a reverse proxy, the request header carrying the client's address (e.g. HTTP_X_REAL_IP),
# used by the public look-up rate limit; only set it if the proxy always overwrites that header.
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "")

# Audit rows are kept at least six months (网络安全法); `manage.py purge_audit` deletes older ones.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 184)
# Where institutions mail cancelled certificates back (证书收回), shown on the cancellation's page.
PROVINCE_MAIL_ADDRESS = os.environ.get(
    "PROVINCE_MAIL_ADDRESS", "江苏省建设工程质量监督总站（地址未配置，请设置 PROVINCE_MAIL_ADDRESS）"
)

# Long work (big exports, batch PDFs) runs in `manage.py db_worker`; the queue is a table in this database.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
EXPORT_SYNC_MAX_ROWS = env_int("EXPORT_SYNC_MAX_ROWS", 5000)
PRINT_SYNC_MAX = env_int("PRINT_SYNC_MAX", 200)
JOB_RETENTION_HOURS = env_int("JOB_RETENTION_HOURS", 24)
# 消息 (notices/): the daily digest is mailed only when EMAIL_HOST is set; the province's address comes
# from here (institutions and cities set their own on the 消息 page); SMS_GATEWAY plugs in an SMS provider.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "jiance@localhost")
PROVINCE_EMAIL = os.environ.get("PROVINCE_EMAIL", "")
SMS_GATEWAY = os.environ.get("SMS_GATEWAY", "")
# 统计分析: how old the dashboard's figures may grow before a view asks the worker for a refresh (the
# systemd timer refreshes them every 10 minutes).
STATS_REFRESH_MINUTES = env_int("STATS_REFRESH_MINUTES", 10)
# The login page's "若帐号密码遗忘，可联系省质监总站" line.
PROVINCE_CONTACT = os.environ.get("PROVINCE_CONTACT", "025-51868000")

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Second factor (django-otp, TOTP): these roles must enrol at first login and then give a code at every
# login; others may enrol themselves. Production asks it of the province and the cities by default.
OTP_REQUIRED_ROLES = [
    r.strip()
    for r in os.environ.get("OTP_REQUIRED_ROLES", "province,city" if PRODUCTION else "").split(",")
    if r.strip()
]
OTP_TOTP_ISSUER = "江苏省检测信用管理系统"

# A session ends after SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS at most
# (institutions.sessions); logging in again ends the user's other sessions unless SESSION_SINGLE=0.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12)
SESSION_SINGLE = env_bool("SESSION_SINGLE", True)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600

# /readyz: how long the database, the cache and the storage each have to answer (web/health.py).
READYZ_TIMEOUT_SECONDS = float(os.environ.get("READYZ_TIMEOUT_SECONDS", 2))
# The balancer checks each app server over plain HTTP, whatever SECURE_SSL_REDIRECT says.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# One JSON object per line (time, level, request id, user id, path) in production, for a log collector;
# plain lines in development. LOG_FORMAT=json|text overrides.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "web.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- Browser security headers and cookies ----------------------------------------------------------
# web/headers.py sends these on every response, in every mode. No inline script or style anywhere: the
# templates' behaviour lives in static/js/app.js (data- attributes), their layout in static/css/app.css.
# img-src allows data: for the empty favicon (<link rel="icon" href="data:,">).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "web.headers.SecurityHeadersMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "style-src": ["'self'"],
    "frame-ancestors": ["'self'"],
    "form-action": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"
CSRF_COOKIE_HTTPONLY = True  # no script reads the token: forms carry it in a hidden field
CSRF_FAILURE_VIEW = "jiance.views.csrf_failure"
if PRODUCTION:
    # __Host- cookies are refused by browsers unless Secure, Path=/ and without Domain (all so above).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- Request input limits (web/limits.py) -------------------------------------------------------------
# Bodies are capped by Content-Length before they are read: REQUEST_MAX_KB for anonymous requests and
# for pages that take no files, ATTACHMENT_MAX_REQUEST_MB for the upload forms (413 page beyond). A NUL
# byte in a query parameter or a form field is a 400. The reverse proxy must allow the same sizes.
REQUEST_MAX_KB = env_int("REQUEST_MAX_KB", 64)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware"), "web.limits.RequestLimitsMiddleware"
)
