"""Settings for `make run` (scripts/run.sh): the development settings as the people trying the portal see it.

DEBUG is off, so a missing page, a refused page or a server error shows the portal's own Vietnamese page
(templates/404.html, 403.html, 500.html) instead of Django's English debug page with its traceback, as on a
server. `make run DEBUG=1` brings the debug pages back for a developer.

runserver serves no static files with DEBUG off; WhiteNoise (already in the middleware) serves them straight
from the apps' and the project's static folders and picks up edits, so no collectstatic is needed. Uploaded
files always go through the portal's own views and their permission checks, whatever DEBUG says.
"""

from __future__ import annotations

from portal.settings.dev import *  # noqa: F403
from portal.settings.env import envbool

DEBUG = envbool("DEBUG", False)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
