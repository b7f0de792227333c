"""Signed HLS through nginx (deploy/nginx/hls.conf): the master playlist from the portal after its check, and the
renditions and segments it lists checked by nginx alone — valid, expired, tampered, another session, anonymous,
a user whose access is withdrawn — and ffprobe playing the master with a session cookie.

The tests compute tokens themselves from the stack's HLS_SIGNING_KEY, as media/signing.py does: nginx accepting
them (and refusing the altered ones) shows both sides compute the same secure_link_md5."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

SIGNED = re.compile(
    r"^/hls/(?P<token>[A-Za-z0-9_-]{22})/(?P<expires>\d+)/(?P<output_dir>videos/[^/]+/[^/]+)/(?P<path>.+)$"
)
LONG_CACHE = "max-age=31536000"


def token_for(expires: int, output_dir: str, session: str, secret: str) -> str:
    material = f"{expires}|{output_dir}|{session}|{secret}".encode()
    return base64.urlsafe_b64encode(hashlib.md5(material).digest()).decode().rstrip("=")  # noqa: S324 (nginx's)


@pytest.fixture(scope="module")
def secret(stack_env: dict[str, str]) -> str:
    path = stack_env.get("HLS_SIGNING_KEY_FILE")
    return Path(path).read_text(encoding="utf-8").strip() if path else stack_env["HLS_SIGNING_KEY"]


@pytest.fixture(scope="module")
def signature_seconds(stack_env: dict[str, str]) -> int:
    return int(stack_env.get("HLS_SIGNATURE_SECONDS") or 300)


@pytest.fixture(scope="module")
def recording(stack_db) -> dict[str, str]:
    """A converted demo recording shown by a published training (seed_demo makes them), which the viewer sees."""
    row = stack_db.execute(
        "SELECT v.key, v.output_dir FROM media_video v"
        " JOIN trainings_recordingpart p ON p.video_id = v.id"
        " JOIN wagtailcore_page page ON page.id = p.page_id"
        " WHERE v.output_dir <> '' AND page.live AND v.audio_only = false ORDER BY v.id LIMIT 1"
    ).fetchone()
    assert row, "the stack has no converted demo recording on a published training (seed_demo)"
    return {"key": str(row[0]), "output_dir": row[1]}


def another_folder(output_dir: str) -> str:
    return output_dir[:-1] + ("0" if output_dir[-1] != "0" else "1")


def listed(playlist: str) -> list[str]:
    """What a playlist lists: its URI lines and URI="..." attributes."""
    found = []
    for line in playlist.splitlines():
        if line.startswith("#") and 'URI="' in line:
            found.append(line.split('URI="', 1)[1].split('"', 1)[0])
        elif line and not line.startswith("#"):
            found.append(line)
    return found


def a_segment(session, recording: dict[str, str]) -> str:
    """The address of the first segment of the first rendition, as the master signed it for `session`."""
    master = session.get(f"/media/v/{recording['key']}/master.m3u8")
    assert master.status_code == 200, master.status_code
    rendition = next(uri for uri in listed(master.text) if uri.endswith("index.m3u8") and "audio" not in uri)
    playlist = session.get(rendition)
    assert playlist.status_code == 200, playlist.status_code
    return urljoin(rendition, listed(playlist.text)[0])


def test_the_master_lists_signed_addresses_that_nginx_serves_alone(https, recording, signature_seconds):
    viewer = https("viewer")
    master = viewer.get(f"/media/v/{recording['key']}/master.m3u8")
    assert master.status_code == 200
    assert master.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    uris = listed(master.text)
    assert uris and all(SIGNED.match(uri) for uri in uris), uris
    assert all(SIGNED.match(uri)["output_dir"] == recording["output_dir"] for uri in uris)
    expires = int(SIGNED.match(uris[0])["expires"])
    assert time.time() < expires <= time.time() + signature_seconds + 1

    rendition = next(uri for uri in uris if "audio" not in uri)
    playlist = viewer.get(rendition, headers={"Accept-Encoding": "gzip"})
    assert playlist.status_code == 200
    assert playlist.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert playlist.headers["Cache-Control"] == "private, no-cache"
    # Answered by nginx, not by the portal: none of the headers Django's middleware puts on everything it sends.
    assert "X-Frame-Options" not in playlist.headers and "Referrer-Policy" not in playlist.headers

    segment = viewer.get(urljoin(rendition, listed(playlist.text)[0]))
    assert segment.status_code == 200
    assert segment.headers["Content-Type"] == "video/mp2t"
    assert LONG_CACHE in segment.headers["Cache-Control"]
    assert segment.content[:1] == b"\x47"  # an MPEG-TS packet
    assert "X-Frame-Options" not in segment.headers
    ranged = viewer.get(urljoin(rendition, listed(playlist.text)[0]), headers={"Range": "bytes=0-187"})
    assert ranged.status_code == 206 and ranged.content == segment.content[:188]


def test_a_token_made_with_the_shared_secret_is_accepted_until_it_expires(https, recording, secret):
    viewer = https("viewer")
    signed = SIGNED.match(urlsplit(a_segment(viewer, recording)).path)
    assert signed
    session = viewer.cookies["sessionid"]
    later = int(time.time()) + 120
    own = f"/hls/{token_for(later, recording['output_dir'], session, secret)}/{later}/{recording['output_dir']}/"
    assert viewer.get(own + signed["path"]).status_code == 200

    past = int(time.time()) - 10
    expired = f"/hls/{token_for(past, recording['output_dir'], session, secret)}/{past}/{recording['output_dir']}/"
    answer = viewer.get(expired + signed["path"])
    assert answer.status_code == 410
    assert answer.headers.get("Cache-Control") == "no-store"


def test_an_altered_address_is_refused(https, recording):
    viewer = https("viewer")
    address = a_segment(viewer, recording)
    path = urlsplit(address).path
    signed = SIGNED.match(path)
    token, expires = signed["token"], int(signed["expires"])
    other_token = ("B" if token[0] != "B" else "C") + token[1:]
    for altered in (
        path.replace(token, other_token),
        path.replace(f"/{expires}/", f"/{expires + 3600}/"),  # a longer life
        path.replace(recording["output_dir"], another_folder(recording["output_dir"])),  # another recording's
    ):
        answer = viewer.get(altered)
        assert answer.status_code == 403, (altered, answer.status_code)
        assert answer.headers.get("Cache-Control") == "no-store"
        assert answer.content[:1] != b"\x47"


def test_nobody_else_gets_the_segment(https, recording):
    address = a_segment(https("viewer"), recording)
    for stranger in (https(), https("editor")):  # no session at all; a session that may see it, but another one
        answer = stranger.get(address, allow_redirects=False)
        assert answer.status_code == 403, answer.status_code
        assert answer.headers.get("Cache-Control") == "no-store"


def test_a_user_whose_access_is_withdrawn_gets_no_fresh_signature(https, recording, stack_db, signature_seconds):
    viewer = https("viewer")
    address = a_segment(viewer, recording)
    fresh = viewer.get(f"/media/v/{recording['key']}/dia-chi-phat/")
    assert fresh.status_code == 200
    assert fresh.json()["seconds"] <= signature_seconds
    stack_db.execute("UPDATE units_user SET is_active = false WHERE username = 'viewer'")
    try:
        refused = viewer.get(f"/media/v/{recording['key']}/dia-chi-phat/", allow_redirects=False)
        assert refused.status_code == 302 and "/dang-nhap/" in refused.headers["Location"]
        assert viewer.get(f"/media/v/{recording['key']}/master.m3u8", allow_redirects=False).status_code == 302
        # What was signed before keeps working until its expiry, never longer: the bound is HLS_SIGNATURE_SECONDS.
        expires = int(SIGNED.match(urlsplit(address).path)["expires"])
        assert expires <= time.time() + signature_seconds + 1
    finally:
        stack_db.execute("UPDATE units_user SET is_active = true WHERE username = 'viewer'")


def test_ffprobe_plays_the_master_with_the_session(stack, https, recording):
    viewer = https("viewer")
    master = urljoin(stack["url"], f"/media/v/{recording['key']}/master.m3u8")
    probe = viewer.ffprobe(master)
    assert probe.returncode == 0, probe.stderr[-2000:]
    streams = json.loads(probe.stdout)["streams"]
    assert {stream["codec_type"] for stream in streams} == {"video", "audio"}, streams
    anonymous = https().ffprobe(master)
    assert anonymous.returncode != 0 or json.loads(anonymous.stdout or "{}").get("streams") in (None, [])
