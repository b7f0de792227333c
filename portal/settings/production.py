"""Settings for a real deployment. Refuses to start with an unsafe configuration.

Behind a TLS-terminating proxy (nginx): cookies are secure, HSTS is on, and media bytes are handed to
nginx with X-Accel-Redirect after the portal has checked the user may see them.
"""

from __future__ import annotations

import re

from django.core.exceptions import ImproperlyConfigured

from portal.settings.base import *  # noqa: F403
from portal.settings.base import DEBUG, INSECURE_DEFAULT_SECRET_KEY, SECRET_KEY, WAGTAILADMIN_BASE_URL
from portal.settings.env import env, envbool, envint, envlist, envsecret

MIN_SECRET_KEY_LENGTH = 50


def check_production_settings(*, debug: bool, secret_key: str, allowed_hosts: list[str], base_url: str) -> None:
    """Raise ImproperlyConfigured naming every unsafe value at once."""
    problems = []
    if debug:
        problems.append("DEBUG must be off in production.")
    if not secret_key or secret_key == INSECURE_DEFAULT_SECRET_KEY or secret_key.startswith("django-insecure"):
        problems.append("SECRET_KEY must be set to a secret of your own (SECRET_KEY or SECRET_KEY_FILE).")
    elif len(secret_key) < MIN_SECRET_KEY_LENGTH or len(set(secret_key)) < 5:
        problems.append(f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} varied characters long.")
    hosts = [host.strip() for host in allowed_hosts if host.strip()]
    if not hosts:
        problems.append("ALLOWED_HOSTS must list the host names the portal answers to.")
    elif "*" in hosts:
        problems.append("ALLOWED_HOSTS must name the portal's hosts, not '*'.")
    if not base_url.startswith("https://"):
        problems.append("BASE_URL must be the portal's https:// address (links in e-mails use it).")
    if problems:
        raise ImproperlyConfigured(" ".join(problems))


# No default here: base.py's localhost default suits a laptop, not a server.
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS")
check_production_settings(
    debug=DEBUG, secret_key=SECRET_KEY, allowed_hosts=ALLOWED_HOSTS, base_url=WAGTAILADMIN_BASE_URL
)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
SERVE_MEDIA_WITH = env("SERVE_MEDIA_WITH", "x-accel")
# nginx checks the signed HLS addresses (deploy/nginx/hls.conf) with the same secret, which it reads inside a quoted
# string: no default derived from SECRET_KEY (nginx could not know it), and nothing nginx would interpret.
if SERVE_MEDIA_WITH == "x-accel" and not re.fullmatch(r"[A-Za-z0-9_-]{32,}", envsecret("HLS_SIGNING_KEY")):
    raise ImproperlyConfigured(
        "HLS_SIGNING_KEY (or HLS_SIGNING_KEY_FILE) must be set, to at least 32 letters, digits, '-' or '_', the same "
        "secret as nginx's hls-secret.conf (deploy/nginx/hls.conf)."
    )
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 1)
