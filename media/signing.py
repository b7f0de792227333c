"""Signed addresses for a recording's HLS renditions and segments, checked without a database query.

The portal checks permission once, for the master playlist (media/views.py), and lists the renditions in it at
``/hls/<token>/<expires>/<output_dir>/<rendition>/index.m3u8``; a rendition playlist names its segments
relative to itself, so they carry the same prefix. Whoever answers ``/hls/`` — nginx's ``secure_link``
(deploy/nginx/hls.conf) or, without nginx, media.views.signed_hls_file — recomputes the token from the address,
the viewer's session cookie and the secret HLS_SIGNING_KEY, and refuses a missing, altered or expired one.

The token is what nginx's ``secure_link_md5 "$hls_expires|$hls_dir|$cookie_sessionid|$hls_secret"`` computes:
the MD5 of ``<expires>|<output_dir>|<session cookie>|<secret>``, in URL-safe base64 without padding. MD5 is what
nginx offers; the secret at the end keeps the token unforgeable (no length extension applies to a secret suffix).
Bound to the session cookie, an address copied out of the browser is useless to anybody else.

A signature lasts at most HLS_SIGNATURE_SECONDS: the longest a user who loses access keeps getting segments (the
player asks media.views.hls_signature for a fresh prefix before then; that view checks permission again). The
expiry is rounded to a step of a fifth of that, so the addresses stay the same for a while and a browser's cache
of segments keeps working; a signature made now is valid for between four and five fifths of the duration.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import checks

URL_PREFIX = "/hls/"
# The cookie nginx binds signatures to ($cookie_sessionid in deploy/nginx/hls.conf).
NGINX_SESSION_COOKIE = "sessionid"
# A published output folder, as media.processing names it: videos/<key>/hls-<attempt>-<random>.
OUTPUT_DIR = r"videos/[A-Za-z0-9-]+/[A-Za-z0-9_-]+"
# A file of it that is part of a stream (playlists and segments; posters, storyboards and captions are not):
# master.m3u8, or <rendition>/<file>.
STREAM_FILE = r"(?:[A-Za-z0-9_-]+/)?[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(?:m3u8|ts|m4s|mp4|aac)"
# The whole address, as nginx's location matches it (deploy/nginx/hls.conf keeps the same expression).
ADDRESS = re.compile(
    rf"^{re.escape(URL_PREFIX)}(?P<token>[A-Za-z0-9_-]{{22}})/(?P<expires>[0-9]{{1,12}})/"
    rf"(?P<output_dir>{OUTPUT_DIR})/(?P<path>{STREAM_FILE})$"
)
OUTPUT_DIR_PATTERN = re.compile(rf"^{OUTPUT_DIR}$")


class Verdict(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"  # a genuine signature, too old: the player asks for a fresh one
    INVALID = "invalid"  # missing, altered, for another folder or another session


@dataclass(frozen=True)
class SignedPrefix:
    prefix: str  # "/hls/<token>/<expires>/<output_dir>/"
    expires: int  # Unix time, in seconds

    def seconds_left(self, now: float | None = None) -> int:
        return max(0, self.expires - int(time.time() if now is None else now))


def token_for(expires: int, output_dir: str, session: str) -> str:
    """nginx's secure_link_md5 over "<expires>|<output_dir>|<session>|<secret>", base64url without padding."""
    material = f"{expires}|{output_dir}|{session}|{settings.HLS_SIGNING_KEY}".encode()
    digest = hashlib.md5(material, usedforsecurity=False).digest()  # what nginx's secure_link computes
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def expiry_step(seconds: int) -> int:
    return max(1, seconds // 5)


def expiry(now: float | None = None) -> int:
    """When a signature made now expires: on a step boundary, HLS_SIGNATURE_SECONDS at most from now."""
    seconds = max(1, int(settings.HLS_SIGNATURE_SECONDS))
    step = expiry_step(seconds)
    moment = time.time() if now is None else now
    return math.floor(moment / step) * step + seconds


def sign(output_dir: str, session: str, now: float | None = None) -> SignedPrefix:
    """The signed prefix of `output_dir` for the session whose cookie is `session` (never empty)."""
    if not session:
        raise ValueError("an address is signed for a session, and there is none")
    if not OUTPUT_DIR_PATTERN.match(output_dir):
        raise ValueError(f"not a published output folder: {output_dir!r}")
    expires = expiry(now)
    return SignedPrefix(f"{URL_PREFIX}{token_for(expires, output_dir, session)}/{expires}/{output_dir}/", expires)


def verify(token: str, expires: str | int, output_dir: str, session: str, now: float | None = None) -> Verdict:
    """Whether `token` signs `output_dir` for `session` until `expires`, compared in constant time."""
    if not session or not token:
        return Verdict.INVALID
    try:
        moment = int(expires)
    except (TypeError, ValueError):
        return Verdict.INVALID
    expected = token_for(moment, output_dir, session)
    if not hmac.compare_digest(expected.encode("ascii"), token.encode("ascii", "replace")):
        return Verdict.INVALID
    # nginx's secure_link: still valid during the second it names.
    if moment < int(time.time() if now is None else now):
        return Verdict.EXPIRED
    return Verdict.VALID


def rewrite_playlist(text: str, prefix: str, folder: str = "") -> str:
    """`text`, an HLS playlist of the folder `folder` (relative to the output folder), with every relative URI
    made absolute under the signed `prefix`: the lines naming variants or segments, and URI="..." attributes
    (the audio group's playlist in #EXT-X-MEDIA, a key or an init segment)."""
    base = f"{prefix}{folder.strip('/')}/" if folder.strip("/") else prefix

    def absolute(uri: str) -> str:
        if not uri or uri.startswith("/") or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", uri):
            return uri
        return base + uri

    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            line = re.sub(r'URI="([^"]*)"', lambda m: f'URI="{absolute(str(m.group(1)))}"', line)
        elif stripped:
            line = absolute(stripped)
        lines.append(line)
    return "\n".join(lines) + "\n"


@checks.register(checks.Tags.security)
def check_session_cookie_name(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """nginx (deploy/nginx/hls.conf) reads the session cookie as $cookie_sessionid: with another name, every
    signed address would be refused behind it."""
    if settings.SERVE_MEDIA_WITH == "x-accel" and settings.SESSION_COOKIE_NAME != NGINX_SESSION_COOKIE:
        return [
            checks.Error(
                f"SESSION_COOKIE_NAME is {settings.SESSION_COOKIE_NAME!r}, but nginx checks signed HLS addresses "
                f"against the cookie {NGINX_SESSION_COOKIE!r} (deploy/nginx/hls.conf).",
                hint="Keep Django's default session cookie name, or change $cookie_sessionid in hls.conf.",
                id="media.E101",
            )
        ]
    return []
