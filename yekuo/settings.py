"""Yekuo settings: everything a deployment changes comes from the environment.

Defaults run the demo locally on SQLite; production sets DATABASE_URL to PostgreSQL.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("YEKUO_DEBUG", False)
# The fallback key is for local demo and tests only; production must set YEKUO_SECRET_KEY.
SECRET_KEY = os.environ.get("YEKUO_SECRET_KEY", "insecure-yekuo-demo-key-change-me")
ALLOWED_HOSTS = env_list("YEKUO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("YEKUO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_fsm",
    "django_q",
    "import_export",
    "simple_history",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "applications",
    "projects",
    "monitoring",
    "api",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "yekuo.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "yekuo.urls"
WSGI_APPLICATION = "yekuo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The unread count in the admin header (templates/admin/base_site.html).
                "monitoring.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("YEKUO_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tasks and the web server write at once in the demo; wait for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # The covering indexes' INCLUDE columns are for PostgreSQL; SQLite builds the index without
    # them, which is all the demo needs, so its warning on every command is noise.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
# Our catalogue first; then Django's own wording for the few messages that Django REST
# framework's zh-hans catalogue (an app catalogue, which outranks Django's) words differently.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "yekuo" / "wording"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("YEKUO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("YEKUO_MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = "media/"

EMAIL_BACKEND = os.environ.get(
    "YEKUO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("YEKUO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("YEKUO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("YEKUO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("YEKUO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("YEKUO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("YEKUO_DEFAULT_FROM_EMAIL", "yekuo@localhost")

# django-q2: the ORM broker needs nothing beyond the database. `retry` must exceed `timeout`
# or a long task runs twice (see shared/LIBS.md).
Q_CLUSTER = {
    "name": "yekuo",
    "orm": "default",
    "workers": int(os.environ.get("YEKUO_Q_WORKERS", "2")),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 5,
    "catch_up": False,
    "save_limit": 1000,
    "label": _("后台任务"),
    "sync": env_bool("YEKUO_Q_SYNC", False),
}

LOGIN_URL = "admin:login"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("YEKUO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Import-export writes its temporary upload to the database cache-free media folder; keep the
# confirm step on the same storage as the preview (it re-reads the file).
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# Business defaults a company may change (DOMAIN.md §2–§3).
YEKUO_SMALL_MICRO_LIMIT_KVA = int(os.environ.get("YEKUO_SMALL_MICRO_LIMIT_KVA", "160"))
# Above this capacity the survey is done by a team led by the customer manager (seed 002).
YEKUO_TEAM_SURVEY_ABOVE_KVA = int(os.environ.get("YEKUO_TEAM_SURVEY_ABOVE_KVA", "3000"))
# The first callback (受理回访) is due by the end of the acceptance's working day (0), or up to
# this many working days later (DOMAIN.md §6: a company may allow 1).
YEKUO_FIRST_CALLBACK_WORKING_DAYS = int(os.environ.get("YEKUO_FIRST_CALLBACK_WORKING_DAYS", "0"))

# Alerts and e-mail (monitoring.sweep, monitoring.emails). Links in e-mails start with this.
YEKUO_SITE_URL = os.environ.get("YEKUO_SITE_URL", "http://127.0.0.1:8000")
# Tries before an e-mail is marked failed; retries wait 1, 2, 4 … minutes, at most an hour.
YEKUO_EMAIL_MAX_ATTEMPTS = int(os.environ.get("YEKUO_EMAIL_MAX_ATTEMPTS", "5"))
YEKUO_EMAIL_RETRY_SECONDS = 60
YEKUO_EMAIL_MAX_RETRY_SECONDS = 3600
# A row left 'sending' this long was abandoned by a dead worker; must exceed Q_CLUSTER timeout.
YEKUO_EMAIL_CLAIM_TIMEOUT = int(os.environ.get("YEKUO_EMAIL_CLAIM_TIMEOUT", "900"))
# An SMTP server that never answers must not hold the sending task past its timeout.
EMAIL_TIMEOUT = int(os.environ.get("YEKUO_EMAIL_TIMEOUT", "30"))
# Ledger imports with more data rows than this run as a background job (applications.ledger).
# Upload limits (applications.uploads): customers' documents, and ledger files to import.
YEKUO_UPLOAD_MAX_MB = int(os.environ.get("YEKUO_UPLOAD_MAX_MB", "10"))
YEKUO_IMPORT_MAX_MB = int(os.environ.get("YEKUO_IMPORT_MAX_MB", "200"))
# The client address for the personal-data access log: REMOTE_ADDR, or this request header
# when a trusted reverse proxy sets it (e.g. HTTP_X_REAL_IP). Never trust it without a proxy.
YEKUO_CLIENT_IP_HEADER = os.environ.get("YEKUO_CLIENT_IP_HEADER", "")
# Where `manage.py backup` writes (a timestamped folder per run).
YEKUO_BACKUP_DIR = Path(os.environ.get("YEKUO_BACKUP_DIR", BASE_DIR / "var" / "backups"))
YEKUO_IMPORT_BACKGROUND_ROWS = int(os.environ.get("YEKUO_IMPORT_BACKGROUND_ROWS", "5000"))

# The integration API (api/): token per external system, one error body, OpenAPI 3 schema.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.SystemTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.authentication.HasScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Yekuo 业扩报装对外接口",
    "DESCRIPTION": (
        "供95598、网上国网、营销、调度、配网系统调用。认证：Authorization: Bearer <令牌>；"
        "错误统一为 {code, message, errors}，message 为中文原因。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI and Redoc from drf-spectacular-sidecar's static files: no CDN needed.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"IdTypeEnum": "applications.models.customer.IdType.choices"},
}

# The customer pages (portal: /apply/, /progress/); defaults and meanings in portal/settings.py.
# Throttles count in Django's cache: give production a cache shared by all web processes.
YEKUO_PORTAL_APPLY_PER_IP = int(os.environ.get("YEKUO_PORTAL_APPLY_PER_IP", "10"))  # per day
YEKUO_PORTAL_APPLY_PER_PHONE = int(os.environ.get("YEKUO_PORTAL_APPLY_PER_PHONE", "3"))  # per day
YEKUO_PORTAL_LOOKUPS_PER_IP = int(os.environ.get("YEKUO_PORTAL_LOOKUPS_PER_IP", "30"))  # per hour
YEKUO_PORTAL_LOOKUPS_PER_NUMBER = int(os.environ.get("YEKUO_PORTAL_LOOKUPS_PER_NUMBER", "10"))
YEKUO_PORTAL_MESSAGES_PER_APPLICATION = int(
    os.environ.get("YEKUO_PORTAL_MESSAGES_PER_APPLICATION", "5")
)
YEKUO_PORTAL_OTP_MINUTES = int(os.environ.get("YEKUO_PORTAL_OTP_MINUTES", "10"))
YEKUO_PORTAL_OTP_TRIES = int(os.environ.get("YEKUO_PORTAL_OTP_TRIES", "5"))
YEKUO_PORTAL_SESSION_MINUTES = int(os.environ.get("YEKUO_PORTAL_SESSION_MINUTES", "30"))
YEKUO_PORTAL_LOOKUP_MIN_MS = int(os.environ.get("YEKUO_PORTAL_LOOKUP_MIN_MS", "400"))
YEKUO_PORTAL_SMS_EMAIL = os.environ.get("YEKUO_PORTAL_SMS_EMAIL", "{phone}@sms.localhost")
