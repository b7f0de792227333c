"""Settings shared by every situation. Secure by default: DEBUG off, secrets only from the environment.

dev.py, test.py and production.py start from here and change only what their situation needs.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

import dj_database_url
from csp.constants import NONCE as _CSP_NONCE

from portal.settings.env import env, envbool, envint, envlist, envsecret

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env("VAR_DIR", str(BASE_DIR / "var")))

# Known to every clone of the repository, hence only ever good enough for a laptop: production.py refuses it.
INSECURE_DEFAULT_SECRET_KEY = "insecure-local-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = envsecret("SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "portal.core",
    "portal.units",
    "portal.home",
    "portal.trainings",
    "portal.practices",
    "portal.documents",
    "media",
    "search",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.sites",
    "portal.units.apps.PortalUsersAppConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    # After wagtail.admin: its ready() disconnects Wagtail's workflow e-mails (see practice_events).
    "portal.notifications",
    "modelcluster",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "django_tasks_rq",
    "axes",
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
]

MIDDLEWARE = [
    "portal.core.middleware.NoStoredErrorsMiddleware",  # first: no error answer is cached, whoever made it
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.core.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.core.middleware.PortalLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.core.csp.PortalCSPMiddleware",  # Content-Security-Policy: CONTENT_SECURITY_POLICY below
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, so that it sees the outcome of every authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.core.context_processors.portal",
                "portal.notifications.context_processors.notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite by default. WAL lets the web process read while the worker writes; IMMEDIATE transactions
# take the write lock up front, so two writers queue on busy_timeout instead of failing with
# "database is locked" half-way through a transaction.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("CONN_MAX_AGE", 0))}
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;PRAGMA foreign_keys=ON;"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "units.User"

# --- Background work ------------------------------------------------------------------------
# django-tasks, as Wagtail 8 uses it. Long transcodes run on their own queue so that light work
# (Wagtail's reference index, search sync, e-mail) never waits behind a four-hour recording; speech
# recognition has a queue of its own too, so a long transcription never holds back a conversion.
# On remote storage (S3) an uploaded original is copied into storage by a task on the "store" queue, served by a
# worker on the web machine that received it (media/upload.py): requests never copy gigabytes.
TASK_QUEUES = ["default", "video", "transcribe", "store"]
TASKS_BACKEND = env("TASKS_BACKEND", "database")
if TASKS_BACKEND not in {"database", "rq"}:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be 'database' or 'rq', not {TASKS_BACKEND!r}")
# To scale out: TASKS_BACKEND=rq, and `manage.py run_worker --queue Q` per queue on as many machines as needed.
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 6 * 3600} for name in TASK_QUEUES}
TASK_BACKENDS = {
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": TASK_QUEUES},
}
TASKS = {"default": TASK_BACKENDS[TASKS_BACKEND]}
# A worker that has not reported for this long is considered gone (see /healthz).
WORKER_HEARTBEAT_SECONDS = envint("WORKER_HEARTBEAT_SECONDS", 10)
WORKER_STALE_AFTER_SECONDS = envint("WORKER_STALE_AFTER_SECONDS", 120)
# A job whose worker has not reported for this long (killed, its machine gone), and whose own heartbeat is as
# old, is taken back and queued again (never less than three heartbeats: a live worker's job is never run
# twice). `manage.py housekeeping` looks for such jobs, retries the search outbox and removes work folders no
# running job owns every WORKER_HOUSEKEEPING_SECONDS (the duties the apps declare: portal.core.housekeeping).
WORKER_DEAD_AFTER_SECONDS = envint("WORKER_DEAD_AFTER_SECONDS", 60)
WORKER_HOUSEKEEPING_SECONDS = envint("WORKER_HOUSEKEEPING_SECONDS", 30)

# --- Authentication -------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
WAGTAIL_FRONTEND_LOGIN_URL = "/dang-nhap/"  # page privacy sends people to our login, not Wagtail's bare one
WAGTAILADMIN_USER_LOGIN_FORM = "portal.core.forms.AdminLoginForm"
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 12 * 3600)

# Password guessing: after AXES_FAILURE_LIMIT failures for one user name from one address, that
# pair is locked out for AXES_COOLOFF_TIME. Locking on the pair (not the address alone) keeps a
# whole unit behind one NAT address from being locked out by one colleague's typos.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Proxies (nginx, load balancers) between users and the portal; production assumes one (nginx).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "portal.core.client_ip.client_ip"

# --- Language, time -------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
# Ours first: it fills the gaps of Wagtail's partial Vietnamese catalogue and wins over it.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale-wagtail"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
WAGTAIL_ALLOW_UNICODE_SLUGS = False

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request otherwise
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# S3-compatible object storage (MinIO, Ceph...) instead of the local disk: pip install ".[s3]" and set
# S3_BUCKET (and S3_ENDPOINT_URL, S3_ACCESS_KEY(_FILE), S3_SECRET_KEY(_FILE), S3_REGION). See README.
if env("S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET"),
            "endpoint_url": env("S3_ENDPOINT_URL") or None,
            "access_key": envsecret("S3_ACCESS_KEY"),
            "secret_key": envsecret("S3_SECRET_KEY"),
            "region_name": env("S3_REGION") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded files are only ever sent by portal.core.views.serve_media, after a login check; behind
# nginx, set SERVE_MEDIA_WITH to "x-accel" and nginx sends the bytes from an internal location.
SERVE_MEDIA_WITH = env("SERVE_MEDIA_WITH", "django")
SERVE_MEDIA_ACCEL_PREFIX = env("SERVE_MEDIA_ACCEL_PREFIX", "/protected-media/")
# Stored files are read by their owner and group only, folders entered by them only; the set-group-ID bit makes
# everything made inside a folder take its group, the portal's, of which nginx's user is a member (deploy/README.md).
# media/files.py applies the same modes to what the pipeline writes itself.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o2750
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# /healthz reports unhealthy below this much free space under var/.
MIN_FREE_DISK_BYTES = envint("MIN_FREE_DISK_MB", 1024) * 1024 * 1024
# /healthz gives anybody its status; its checks (disk, workers, search) go to staff and to a monitor that sends
# this token ("Authorization: Bearer …" or ?token=…). Empty: no token opens them.
HEALTHZ_TOKEN = envsecret("HEALTHZ_TOKEN", "")

# --- Wagtail --------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = env("SITE_NAME", "Cổng tập huấn và cách làm hay ngành Kiểm sát")
WAGTAILADMIN_BASE_URL = env("BASE_URL", "http://127.0.0.1:8000")
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Vietnamese writes dates day first; the admin's date pickers read and show them that way.
FORMAT_MODULE_PATH = ["portal.formats"]
WAGTAIL_DATE_FORMAT = "%d/%m/%Y"
WAGTAIL_DATETIME_FORMAT = "%d/%m/%Y %H:%M"
WAGTAIL_TIME_FORMAT = "%H:%M"
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "doc", "odt", "pptx", "ppt", "odp", "xlsx", "xls", "ods", "txt"]
# A write-up's file uploaded or replaced in the admin passes the submission form's checks.
WAGTAILDOCS_DOCUMENT_FORM_BASE = "portal.practices.document_form.DocumentForm"
# An image that cannot be decoded is a form error, not a server error (portal/core/image_form.py).
WAGTAILIMAGES_IMAGE_FORM_BASE = "portal.core.image_form.ImageForm"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# The portal runs on internal networks: nothing may call the internet at run time (no update check,
# no Gravatar avatars, no oEmbed — wagtail.embeds is left out on purpose).
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAILADMIN_COMMENTS_ENABLED = True
WAGTAIL_USER_CUSTOM_FIELDS: list[str] = []
TAGGIT_CASE_INSENSITIVE = True
CSRF_FAILURE_VIEW = "portal.core.views.csrf_failure"
# Files attached to a good practice (.docx, .pdf, .odt, pictures): the largest one accepted.
PRACTICE_ATTACHMENT_MAX_BYTES = envint("PRACTICE_ATTACHMENT_MAX_MB", 20) * 1024 * 1024
# An attached document's text is read in a process of its own (portal/practices/extraction.py) with these
# bounds: its memory, its time while a submitter waits for the form and in the background (import_practices,
# search), and what a .docx/.odt may unpack into. A file that needs more is refused with a message.
DOCUMENT_READ_MEMORY_BYTES = envint("DOCUMENT_READ_MEMORY_MB", 256) * 1024 * 1024
DOCUMENT_READ_SECONDS = envint("DOCUMENT_READ_SECONDS", 5)
DOCUMENT_READ_BACKGROUND_SECONDS = envint("DOCUMENT_READ_BACKGROUND_SECONDS", 60)
DOCUMENT_MAX_UNPACKED_BYTES = envint("DOCUMENT_MAX_UNPACKED_MB", 50) * 1024 * 1024
# The largest thumbnail of a slide, in pixels (portal/trainings/slides.py): a page of any claimed size is drawn
# within it, or not at all when it would come out too thin to see.
SLIDE_THUMBNAIL_MAX_PIXELS = envint("SLIDE_THUMBNAIL_MAX_PIXELS", 320 * 1280)
# A deck's pages are drawn in a process of their own with this much memory (address space) and time; a PDF
# that needs more (a page holding a huge picture) fails its deck with a message saying so.
SLIDE_RENDER_MEMORY_MB = envint("SLIDE_RENDER_MEMORY_MB", 512)
SLIDE_RENDER_SECONDS = envint("SLIDE_RENDER_SECONDS", 120)

# --- Recordings (media/) ------------------------------------------------------------------------
FFMPEG_BINARY = env("FFMPEG_BINARY", "ffmpeg")
FFPROBE_BINARY = env("FFPROBE_BINARY", "ffprobe")
FFPROBE_TIMEOUT_SECONDS = envint("FFPROBE_TIMEOUT_SECONDS", 60)
# Codecs ffmpeg may name but the portal will not try to convert (none by default).
MEDIA_UNSUPPORTED_CODECS = set(envlist("MEDIA_UNSUPPORTED_CODECS", []))
# The HLS ladder: rungs are named by the picture's short side; bitrates are caps (CRF does the rest).
VIDEO_LADDER = [
    {"name": "360p", "height": 360, "video_bitrate": 800_000, "bufsize": 1_600_000},
    {"name": "540p", "height": 540, "video_bitrate": 1_400_000, "bufsize": 2_800_000},
    {"name": "720p", "height": 720, "video_bitrate": 2_500_000, "bufsize": 5_000_000},
    {"name": "1080p", "height": 1080, "video_bitrate": 4_500_000, "bufsize": 9_000_000},
]
VIDEO_PRESET = env("VIDEO_PRESET", "veryfast")
VIDEO_CRF = envint("VIDEO_CRF", 23)
VIDEO_MAX_FPS = envint("VIDEO_MAX_FPS", 30)
AUDIO_BITRATE = envint("AUDIO_BITRATE", 128_000)
AUDIO_ONLY_BITRATE = envint("AUDIO_ONLY_BITRATE", 64_000)
HLS_KEYFRAME_SECONDS = envint("HLS_KEYFRAME_SECONDS", 2)
HLS_SEGMENT_SECONDS = envint("HLS_SEGMENT_SECONDS", 6)
# Renditions and segments are fetched at signed addresses, /hls/<token>/<expires>/<output folder>/<file>
# (media/signing.py), checked by nginx (deploy/nginx/hls.conf) or Django without a database query. A signature
# binds the folder to the viewer's session cookie and lasts at most HLS_SIGNATURE_SECONDS: the longest a user who
# loses access keeps getting segments. HLS_SIGNING_KEY (or HLS_SIGNING_KEY_FILE) is the secret shared with nginx;
# production requires one, elsewhere it defaults to a value derived from SECRET_KEY.
HLS_SIGNATURE_SECONDS = envint("HLS_SIGNATURE_SECONDS", 300)
HLS_SIGNING_KEY = envsecret("HLS_SIGNING_KEY") or hashlib.sha256(f"vksnd-hls-signing:{SECRET_KEY}".encode()).hexdigest()
STORYBOARD_INTERVAL_SECONDS = envint("STORYBOARD_INTERVAL_SECONDS", 10)
STORYBOARD_TILE_WIDTH = 160
STORYBOARD_COLUMNS = 10
STORYBOARD_ROWS = 10
# A transcode that reports no progress for this long is killed; a job whose heartbeat is older than
# VIDEO_STALE_AFTER_SECONDS (worker killed, power loss) is requeued, up to VIDEO_MAX_ATTEMPTS times.
TRANSCODE_STALL_SECONDS = envint("TRANSCODE_STALL_SECONDS", 300)
VIDEO_STALE_AFTER_SECONDS = envint("VIDEO_STALE_AFTER_SECONDS", 600)
VIDEO_MAX_ATTEMPTS = envint("VIDEO_MAX_ATTEMPTS", 3)
MEDIA_WORK_DIR = Path(env("MEDIA_WORK_DIR", str(VAR_DIR / "work")))
# Resumable uploads (media/upload.py): the largest recording accepted, how much must arrive before
# the file is checked with ffprobe, and the size of each piece the browser sends (behind nginx, set
# client_max_body_size above it). An unfinished upload untouched for MEDIA_UPLOAD_EXPIRE_HOURS is removed.
MEDIA_MAX_UPLOAD_BYTES = envint("MEDIA_MAX_UPLOAD_MB", 30 * 1024) * 1024 * 1024
MEDIA_UPLOAD_CHECK_BYTES = envint("MEDIA_UPLOAD_CHECK_MB", 8) * 1024 * 1024
MEDIA_UPLOAD_CHUNK_BYTES = envint("MEDIA_UPLOAD_CHUNK_MB", 8) * 1024 * 1024
MEDIA_UPLOAD_EXPIRE_HOURS = envint("MEDIA_UPLOAD_EXPIRE_HOURS", 7 * 24)
# Which task backend runs transcodes (the tests point it at one that only records what was enqueued).
MEDIA_TASK_BACKEND = "default"

# --- Automatic transcription (media/transcription.py; README, "Transcription") ----------------
# A folder holding a CTranslate2 conversion of a Whisper or PhoWhisper model (model.bin, config.json,
# tokenizer.json, vocabulary). Empty: no automatic transcription. Nothing is ever downloaded at run time.
WHISPER_MODEL_DIR = env("WHISPER_MODEL_DIR")
WHISPER_COMPUTE_TYPE = env("WHISPER_COMPUTE_TYPE", "int8")
# CPU threads for one transcription; 0 lets CTranslate2 choose (up to 4).
WHISPER_THREADS = envint("WHISPER_THREADS", 0)
WHISPER_LANGUAGE = env("WHISPER_LANGUAGE", "vi")
WHISPER_BEAM_SIZE = envint("WHISPER_BEAM_SIZE", 5)
# Transcribe every new recording without being asked (editors can always ask for one recording).
TRANSCRIBE_BY_DEFAULT = envbool("TRANSCRIBE_BY_DEFAULT", False)
# Audio is transcribed in chunks of about this length, cut in silences; a killed job loses at most one.
TRANSCRIBE_CHUNK_SECONDS = envint("TRANSCRIBE_CHUNK_SECONDS", 300)
# The queues that must have a live worker (what /healthz checks): the transcription queue only with a model.
# The store queue only on remote storage (on the local disk an upload is renamed into storage at once).
WORKER_QUEUES = [
    queue
    for queue in TASK_QUEUES
    if (queue != "transcribe" or WHISPER_MODEL_DIR) and (queue != "store" or env("S3_BUCKET"))
]

# --- Search engine --------------------------------------------------------------------------
ELASTICSEARCH_URL = env("ELASTICSEARCH_URL")
ELASTICSEARCH_INDEX_PREFIX = env("ELASTICSEARCH_INDEX_PREFIX", "vksnd")
ELASTICSEARCH_TIMEOUT = envint("ELASTICSEARCH_TIMEOUT", 5)
# The most values one search filter may hold, and the most parameters a search address may carry: past them
# the search page answers 400 with a message (each selected value's link names all the others).
SEARCH_MAX_FILTER_VALUES = envint("SEARCH_MAX_FILTER_VALUES", 30)
SEARCH_MAX_PARAMETERS = envint("SEARCH_MAX_PARAMETERS", 200)
# After the search engine fails, searches answer from the database for this long without asking it; then one
# request probes it with this short timeout (search.breaker). /healthz reads the search state through this path.
SEARCH_BREAKER_COOL_OFF_SECONDS = envint("SEARCH_BREAKER_COOL_OFF_SECONDS", 30)
SEARCH_BREAKER_PROBE_TIMEOUT_SECONDS = envint("SEARCH_BREAKER_PROBE_TIMEOUT_SECONDS", 1)
SEARCH_HEALTH_CHECK = "search.health.check"
# Which task backend runs the search sync (the tests drain the outbox themselves).
SEARCH_TASK_BACKEND = "default"

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "cong-tap-huan@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
WAGTAILADMIN_NOTIFICATION_FROM_EMAIL = DEFAULT_FROM_EMAIL

# --- Security headers (production.py tightens the transport ones) ----------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"  # Wagtail's preview panel frames our own pages
SESSION_COOKIE_HTTPONLY = True

# Content-Security-Policy (django-csp; portal/core/csp.py). Everything comes from the portal itself. The player
# (hls.js) plays through MediaSource from blob: URLs and may run its demuxer in a blob: worker; Wagtail's admin
# draws some images as data: URLs. No 'unsafe-inline' or 'unsafe-eval' for scripts: the few inline scripts
# Wagtail writes carry the request's nonce. Recordings, images or files served from another origin (a storage
# bucket, a CDN) need that origin in CSP_EXTRA_SOURCES (comma-separated, e.g. "https://media.example.vn"), added
# to media, images, fonts and connections. CSP_REPORT_ONLY=yes sends the same policy as
# Content-Security-Policy-Report-Only (violations are reported, nothing blocked), to try a change safely;
# CSP_REPORT_URI, if set, receives the reports.
# (Read into lower-case names: django-csp's checks take settings named CSP_* for its old format.)
_csp_extra_sources = envlist("CSP_EXTRA_SOURCES")
_csp_report_only = envbool("CSP_REPORT_ONLY", False)
_csp_report_uri = env("CSP_REPORT_URI")
_CSP_SELF, _CSP_NONE = "'self'", "'none'"
_CSP_DIRECTIVES: dict[str, Any] = {
    "default-src": [_CSP_SELF],
    "script-src": [_CSP_SELF, _CSP_NONCE],
    "style-src": [_CSP_SELF],
    "img-src": [_CSP_SELF, "data:", "blob:", *_csp_extra_sources],
    "media-src": [_CSP_SELF, "blob:", *_csp_extra_sources],
    "font-src": [_CSP_SELF, "data:", *_csp_extra_sources],
    "connect-src": [_CSP_SELF, *_csp_extra_sources],
    "worker-src": [_CSP_SELF, "blob:"],
    "frame-src": [_CSP_SELF],
    "frame-ancestors": [_CSP_SELF],  # Wagtail's preview panel frames our own pages, as X_FRAME_OPTIONS
    "object-src": [_CSP_NONE],
    "base-uri": [_CSP_SELF],
    "form-action": [_CSP_SELF],
}
if _csp_report_uri:
    _CSP_DIRECTIVES["report-uri"] = [_csp_report_uri]
# Wagtail's admin scripts (vendor.js: its React widgets) add <style> elements of their own, which cannot carry a
# nonce: in the admin alone, styles may be inline. Scripts stay as strict there as everywhere.
CSP_ADMIN_PREFIX = "/admin/"
CSP_ADMIN_REPLACE = {"style-src": [_CSP_SELF, "'unsafe-inline'"]}
CONTENT_SECURITY_POLICY: dict[str, Any] | None = None if _csp_report_only else {"DIRECTIVES": _CSP_DIRECTIVES}
CONTENT_SECURITY_POLICY_REPORT_ONLY: dict[str, Any] | None = (
    {"DIRECTIVES": _CSP_DIRECTIVES} if _csp_report_only else None
)

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Wagtail logs every page action at INFO; they are kept in its own audit log anyway.
        "wagtail": {"level": "WARNING"},
        # faster-whisper logs every chunk's length and what the VAD removed at INFO.
        "faster_whisper": {"level": "WARNING"},
    },
}
