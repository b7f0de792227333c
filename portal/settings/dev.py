"""Settings for a developer's machine and `make run`: debug pages, e-mail printed to the console."""

from __future__ import annotations

from portal.settings.base import *  # noqa: F403
from portal.settings.env import env, envbool

DEBUG = envbool("DEBUG", True)
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
}
