"""Settings for the test suite: fast hashing, mail kept in memory, Wagtail's own tasks run at once.

Media and search tasks are run explicitly by the tests that need them, on real tiny files.
"""

from __future__ import annotations

from portal.settings.base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": TASK_QUEUES},  # noqa: F405
    # Transcodes are only recorded; tests run media.processing.process themselves, on real tiny files.
    "media": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": TASK_QUEUES},  # noqa: F405
}
MEDIA_TASK_BACKEND = "media"
SEARCH_TASK_BACKEND = "media"  # a dummy backend: tests call search.sync.drain() themselves
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
}
ALLOWED_HOSTS = ["*"]
AXES_ENABLED = True
WAGTAILADMIN_BASE_URL = "http://testserver"
