"""Settings for a developer's machine: debug pages, e-mail printed to the console, quiet task workers.

`make run` uses demo.py, these with DEBUG off.
"""

from __future__ import annotations

from portal.settings.base import *  # noqa: F403
from portal.settings.env import env, envbool

DEBUG = envbool("DEBUG", True)
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
}
# django-tasks logs each task's start and end at INFO ("Task id=… state=…"): hundreds of lines at every start
# of `make run`, burying the lines that matter. A failed task is still logged (ERROR); TASKS_LOG_LEVEL=INFO
# shows them all again.
LOGGING = {
    **LOGGING,  # noqa: F405
    "loggers": {**LOGGING["loggers"], "django_tasks": {"level": env("TASKS_LOG_LEVEL", "WARNING")}},  # noqa: F405
}
