"""cqdlab settings: one module, driven by environment variables (see contract.md).

Nothing set -> the embedded default: SQLite file, analysis tasks run in-process.
DATABASE_URL / CELERY_BROKER_URL set -> PostgreSQL and a Redis broker with real workers.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from .env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DEBUG", True)
# A fixed key only in DEBUG so `make run` needs nothing (and sessions survive the dev server's
# reloads); its prefix makes Django's deploy check flag it should it ever reach production.
SECRET_KEY = env_str("SECRET_KEY", "") or (
    "django-insecure-cqdlab-dev-only-key-never-use-it-in-production" if DEBUG else ""
)
# Sessions and password-reset links are signed with it: with DEBUG off, refuse to start on a
# missing, short or placeholder key rather than sign with a guessable one.
if not DEBUG and (len(SECRET_KEY) < 32 or SECRET_KEY.startswith("django-insecure-")):
    raise ImproperlyConfigured(
        "SECRET_KEY: set the SECRET_KEY environment variable to a random value of at least 32 "
        "characters when DEBUG is off, e.g. the output of "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        + ("" if SECRET_KEY else " (it is not set)")
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: runserver (`make run`) leaves /static/ to whitenoise as production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    # Failed logins counted in the database, so every web process sees the same count.
    "axes",
    "csp",
    "core",
    "fabrication",
    "measurements",
    "analysis",
    "insights",
    # Notes, photos, labels, /scan/ and search (above measurements, below analysis).
    "notebook",
    "exchange",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves static files (plotly.js included) from gunicorn too: the lab network may be closed.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cqdlab.middleware.UploadSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Records who changed what for django-simple-history.
    "simple_history.middleware.HistoryRequestMiddleware",
    "cqdlab.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: turns a locked-out login page or admin login into a 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cqdlab.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "cqdlab.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Concurrent requests and in-process tasks share one file: wait instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.js from the installed plotly package: the lab's network may be closed.
    "cqdlab.staticfiles.PlotlyFinder",
]
# Media on S3-compatible storage (MinIO, Ceph, AWS) when MEDIA_STORAGE=s3; needs
# the AWS_* variables (django-storages[s3] is a locked dependency; see docs/scaling.md).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Fingerprinted names, gzip and brotli copies (cqdlab/staticfiles.py; tests link plain names).
    "staticfiles": {"BACKEND": "cqdlab.staticfiles.StaticStorage"},
}
# Fingerprinted files are cached for ten years ("immutable"); anything linked by its plain name
# for an hour, so a deploy reaches every browser soon (never cached while developing).
WHITENOISE_MAX_AGE = 0 if DEBUG else 3600
# Source maps are read by developer tools only: not worth a minute of brotli per collectstatic.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
if env_str("MEDIA_STORAGE", "filesystem") == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME", "cqdlab-media"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL", "") or None,
            # Raw files are never overwritten: the name is the content's hash.
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# Throttle counters (and any other cached value) shared by every process when CACHE_URL
# names a Redis database; otherwise each process keeps its own (fine for `make run`).
CACHE_URL = env_str("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

MAX_UPLOAD_MB = env_int("MAX_UPLOAD_MB", 50)
# Django refuses bodies above this before reading them (the multipart parser checks it).
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_MB * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Limits ---
# A zip may unpack to at most this much in all (each member is also held to MAX_UPLOAD_MB):
# text compresses well, so a full 50 MB zip of real files can unpack to a few hundred MB.
MAX_ZIP_UNPACKED_MB = env_int("MAX_ZIP_UNPACKED_MB", 10 * MAX_UPLOAD_MB)
# Unpacked/packed size of any one member above which the archive is refused as a zip bomb;
# instrument text with its noise compresses 3-20 times, a bomb a thousand times.
MAX_ZIP_RATIO = env_int("MAX_ZIP_RATIO", 200)
# Members of one zip (folders not counted).
MAX_ZIP_FILES = env_int("MAX_ZIP_FILES", 5000)
# Photos on notes: bytes and pixels (a decompression bomb is refused before it is decoded).
NOTE_IMAGE_MAX_MB = env_int("NOTE_IMAGE_MAX_MB", 20)
NOTE_IMAGE_MAX_MEGAPIXELS = env_int("NOTE_IMAGE_MAX_MEGAPIXELS", 60)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.tokens.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env_int("API_PAGE_SIZE", 50),
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Password guessing and runaway instrument scripts are slowed down, not lab work.
    "DEFAULT_THROTTLE_CLASSES": ["cqdlab.throttling.ScopedWindowThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "auth": env_str("THROTTLE_AUTH", "20/min"),
        "uploads": env_str("THROTTLE_UPLOADS", "6000/min"),
    },
}

# --- Security: logins, tokens, CSP, HTTPS ---
# Reverse proxies in front of the app (0: none). Only with them is a client's address read from
# X-Forwarded-For (the entry that many hops from its right end, written by the outermost trusted
# proxy); with 0 a client-sent X-Forwarded-For is ignored, so it cannot dodge the login limits.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# The DRF throttles (token endpoint, uploads) read the client's address the same way.
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out username or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed logins (login page, admin login, POST /api/v1/auth/token/) are counted per username and
# per client address in the database, which every web process shares. At the limit that username
# and that address are refused, the right password included, until LOGIN_LOCKOUT_MINUTES have
# passed since the last failure (`manage.py axes_reset_username NAME` lifts it earlier).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15) / 60  # axes reads a float as hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "core.login_limits.client_address"
AXES_LOCKOUT_CALLABLE = "core.login_limits.lockout_response"
# A success keeps the count: resetting it would let anyone with one account wipe the count of the
# address they guess other accounts' passwords from.
AXES_RESET_ON_SUCCESS = False
# The attempts stay out of the admin (they hold what attackers typed); the commands
# axes_list_attempts and axes_reset_username are the way to look and to unlock.
AXES_ENABLE_ADMIN = False
# Quiet start-up: axes otherwise prints a banner on every manage.py command and worker.
AXES_VERBOSE = False
# Tokens from POST /api/v1/auth/token/ expire after this many days unless the request asks for
# another number (1..3650); a script that logs in with a password should not mint eternal keys.
API_TOKEN_DEFAULT_EXPIRY_DAYS = env_int("API_TOKEN_DEFAULT_EXPIRY_DAYS", 90)
# Live (unrevoked, unexpired) tokens per user. One more is refused with 409 rather than revoking
# an older one, which an instrument PC may still depend on.
API_TOKEN_MAX_PER_USER = env_int("API_TOKEN_MAX_PER_USER", 20)
# The pages load only their own scripts (figure data travels in json_script blocks, which are not
# run). plotly.js injects <style> elements, hence inline styles, never inline scripts; data: and
# blob: images are its mode-bar icons and PNG/SVG downloads.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if not DEBUG:
    # Production is served over HTTPS; each can be turned off for a plain-HTTP test install.
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# X-Forwarded-Proto is believed only from a trusted proxy: without one, any client could claim
# HTTPS over plain HTTP.
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SPECTACULAR_SETTINGS = {
    "TITLE": "cqdlab API",
    "DESCRIPTION": "Fabrication batches, measurements and analysis results of a PbS CQD lab.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets come from the installed package, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery -----------------------------------------------------------------------------------
_BROKER = env_str("CELERY_BROKER_URL", "")
# No broker configured: run tasks in-process so `make run` needs no Redis.
CELERY_TASK_ALWAYS_EAGER = not _BROKER
# In-process mode still builds a broker connection object: an in-memory one, so kombu does
# not guess a host ("No hostname was supplied") on every `make run`.
CELERY_BROKER_URL = _BROKER or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Status lives in the database; Celery's result store is not needed.
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only when done, so a killed worker's task is redelivered.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers unacked tasks after this; it must exceed the longest analysis.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    # How often a worker looks for messages abandoned by a killed worker (kombu's defaults).
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10),
}
CELERY_TASK_TIME_LIMIT = env_int("ANALYSIS_TIME_LIMIT_S", 300)
# Uploads made while Redis was down stay "queued" in the database; the sweeper re-sends them
# and retries or fails analyses stuck past the time limit (run by the worker's embedded beat).
CELERY_BEAT_SCHEDULE = {
    "sweep-stale-measurements": {
        "task": "measurements.tasks.sweep_stale_measurements",
        "schedule": env_float("SWEEP_INTERVAL_S", 60.0),
    }
}
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30

# Celery's Django fix-up closes the database connection before and after every task unless
# connections may be reused: each task then paid for a new PostgreSQL backend (measured in the
# worker's profile as 15 % of its time, and more in PostgreSQL). cqdlab/celery.py closes broken
# or old connections around tasks instead, as Django does around requests (DB_CONN_MAX_AGE).
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)

# --- Analysis ---------------------------------------------------------------------------------
# Analyses travel to the workers in tasks of up to this many measurements: a bulk import's
# files, and single uploads that keep arriving at one web process, one task per linger time
# (an upload after a quiet spell goes at once; 0: every upload its own task). See
# analysis/dispatch.py.
ANALYSIS_CHUNK = env_int("ANALYSIS_CHUNK", 10)
ANALYSIS_LINGER_MS = env_float("ANALYSIS_LINGER_MS", 200.0)
# Scaling out: send some kinds to their own queue, e.g. "trpl:fits,absorbance:fits", and run
# `celery -A cqdlab worker -Q fits` on another host. Unlisted kinds use the default queue.
ANALYSIS_QUEUES = dict(
    item.split(":", 1) for item in env_list("ANALYSIS_QUEUES", []) if ":" in item
)
# Fault-injection tests only: hold each analysis this long after claiming it.
ANALYSIS_DEBUG_DELAY_S = env_float("ANALYSIS_DEBUG_DELAY_S", 0.0)
# A forward and a reverse light scan of one device pixel pair into a hysteresis index when
# measured within this time of each other (separate files of one sweep pair too).
HYSTERESIS_PAIR_WINDOW_S = env_float("HYSTERESIS_PAIR_WINDOW_S", 1800.0)
# Areas stated by the upload, the mask, the device and the file that differ by more than
# this fraction are flagged on the J-V results (the one used and its source are kept).
AREA_TOLERANCE_FRACTION = env_float("AREA_TOLERANCE_FRACTION", 0.05)
# EQE gap, absorbance 1S and PL peak of a device's lineage further apart than this (eV) are
# flagged on its losses: beyond it the choice of source moves the SQ limit by more than ~1 %.
BANDGAP_TOLERANCE_EV = env_float("BANDGAP_TOLERANCE_EV", 0.05)
# Assumed irradiance when neither the file nor the upload states one; results are flagged.
DEFAULT_IRRADIANCE_MW_CM2 = env_float("DEFAULT_IRRADIANCE_MW_CM2", 100.0)
# Lab conventions for calling a device shorted or open (analysis-methods.md section 12). FF and
# Rsh flag a curve as it is analysed; the dashboards leave out of their statistics a device so
# flagged, or whose FF is at most that or whose Voc or Jsc is below these fractions of its
# batch's median (compute.stats.classify_device).
DEVICE_SHORTED_MAX_FF = env_float("DEVICE_SHORTED_MAX_FF", 0.30)
DEVICE_SHORTED_MAX_RSH_OHM_CM2 = env_float("DEVICE_SHORTED_MAX_RSH_OHM_CM2", 100.0)
DEVICE_SHORTED_VOC_FRACTION = env_float("DEVICE_SHORTED_VOC_FRACTION", 0.5)
DEVICE_OPEN_JSC_FRACTION = env_float("DEVICE_OPEN_JSC_FRACTION", 0.2)
# EQE-integrated vs J-V Jsc disagreement that gets a flag (a common lab convention).
EQE_JSC_MISMATCH_FRACTION = env_float("EQE_JSC_MISMATCH_FRACTION", 0.05)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Celery logs every task at INFO; the demo load and the worker would drown in it.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery.app.trace": {"level": env_str("CELERY_TRACE_LOG_LEVEL", "WARNING")},
    },
}
