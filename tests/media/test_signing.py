"""Signed HLS addresses (media/signing.py): what nginx's secure_link_md5 computes, valid for at most
HLS_SIGNATURE_SECONDS, bound to one output folder and one session."""

from __future__ import annotations

import base64
import hashlib

import pytest

from media import signing

FOLDER = "videos/5b0c7c2e-2d1f-4c1e-9a57-3f1de2b6a0c4/hls-1-abcd1234"
SESSION = "k3x9q0w1e2r3t4y5u6i7o8p9a0s1d2f3"
NOW = 1_800_000_000.0


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.HLS_SIGNING_KEY = "Zr3n5Qw8-Tx1_Lp0Vb7Km2Hs9Jd4Fg6Ye"
    settings.HLS_SIGNATURE_SECONDS = 300


def parts(prefix: str) -> dict[str, str]:
    match = signing.ADDRESS.match(prefix + "360p/seg_00000.ts")
    assert match, prefix
    return match.groupdict()


def test_the_token_is_nginx_secure_link_md5_in_base64url_without_padding():
    signed = signing.sign(FOLDER, SESSION, now=NOW)
    found = parts(signed.prefix)
    material = f"{signed.expires}|{FOLDER}|{SESSION}|Zr3n5Qw8-Tx1_Lp0Vb7Km2Hs9Jd4Fg6Ye".encode()
    expected = base64.urlsafe_b64encode(hashlib.md5(material).digest()).decode().rstrip("=")  # noqa: S324
    path = "360p/seg_00000.ts"
    assert found == {"token": expected, "expires": str(signed.expires), "output_dir": FOLDER, "path": path}
    assert len(expected) == 22 and "=" not in expected


def test_a_signature_lasts_at_most_the_setting_and_stays_the_same_for_a_step():
    first = signing.sign(FOLDER, SESSION, now=NOW)
    assert 240 < first.expires - NOW <= 300
    assert signing.sign(FOLDER, SESSION, now=NOW + 30).prefix == first.prefix  # cacheable for a while
    later = signing.sign(FOLDER, SESSION, now=NOW + 60)
    assert later.prefix != first.prefix and later.expires == first.expires + 60
    for second in range(0, 600, 7):
        assert 240 < signing.sign(FOLDER, SESSION, now=NOW + second).expires - (NOW + second) <= 300


def test_a_valid_signature_is_accepted_until_it_expires():
    signed = signing.sign(FOLDER, SESSION, now=NOW)
    found = parts(signed.prefix)
    assert signing.verify(found["token"], found["expires"], FOLDER, SESSION, now=NOW) is signing.Verdict.VALID
    token, expires = found["token"], found["expires"]
    assert signing.verify(token, expires, FOLDER, SESSION, now=signed.expires) is signing.Verdict.VALID
    assert signing.verify(token, expires, FOLDER, SESSION, now=signed.expires + 1) is signing.Verdict.EXPIRED


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("token", "AAAAAAAAAAAAAAAAAAAAAA"),
        ("expires", "9999999999"),  # pushing the expiry out breaks the token
        ("output_dir", "videos/00000000-0000-0000-0000-000000000000/hls-1-abcd1234"),  # another recording
        ("session", "someoneelse0000000000000000000000"),  # another session
        ("session", ""),  # anonymous: no cookie
    ],
)
def test_anything_changed_is_refused(change, value):
    signed = signing.sign(FOLDER, SESSION, now=NOW)
    found = parts(signed.prefix)
    arguments = {"token": found["token"], "expires": found["expires"], "output_dir": FOLDER, "session": SESSION}
    arguments[change] = value
    assert signing.verify(**arguments, now=NOW) is signing.Verdict.INVALID


def test_a_tampered_token_is_refused_even_once_expired():
    signed = signing.sign(FOLDER, SESSION, now=NOW)
    found = parts(signed.prefix)
    token = ("B" if found["token"][0] != "B" else "C") + found["token"][1:]
    assert signing.verify(token, found["expires"], FOLDER, SESSION, now=NOW + 3600) is signing.Verdict.INVALID


def test_another_key_makes_other_tokens(settings):
    token = parts(signing.sign(FOLDER, SESSION, now=NOW).prefix)["token"]
    settings.HLS_SIGNING_KEY = "another-secret-another-secret-1234"
    assert parts(signing.sign(FOLDER, SESSION, now=NOW).prefix)["token"] != token


def test_nobody_and_nothing_but_a_published_folder_is_signed():
    with pytest.raises(ValueError, match="session"):
        signing.sign(FOLDER, "", now=NOW)
    with pytest.raises(ValueError, match="folder"):
        signing.sign("documents/secret", SESSION, now=NOW)


@pytest.mark.parametrize(
    "path",
    [
        "/hls/AAAAAAAAAAAAAAAAAAAAAA/1800000000/videos/k/hls-1-a/360p/poster.jpg",  # not a stream file
        "/hls/AAAAAAAAAAAAAAAAAAAAAA/1800000000/videos/k/hls-1-a/../../original/x.ts",
        "/hls/AAAAAAAAAAAAAAAAAAAAAA/1800000000/videos/k/../360p/seg_00000.ts",
        "/hls/AAAAAAAAAAAAAAAAAAAAAA/1800000000/documents/x/y/a.ts",
        "/hls/AAAAAAAAAAAAAAAAAAAAAA/1800000000/videos/k/hls-1-a/a/b/c.ts",
        "/hls/AAAA/1800000000/videos/k/hls-1-a/360p/seg_00000.ts",
    ],
)
def test_only_stream_files_of_an_output_folder_have_a_signed_address(path):
    assert signing.ADDRESS.match(path) is None


def test_the_master_playlist_lists_its_renditions_and_audio_group_under_the_prefix():
    master = (
        "#EXTM3U\n#EXT-X-VERSION:3\n"
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_audio",NAME="audio_group",DEFAULT=YES,URI="audio_group/index.m3u8"\n'
        '#EXT-X-STREAM-INF:BANDWIDTH=1000,RESOLUTION=640x360,AUDIO="group_audio"\n360p/index.m3u8\n\n'
    )
    prefix = "/hls/T/1/videos/k/hls-1-a/"
    assert signing.rewrite_playlist(master, prefix).splitlines() == [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_audio",NAME="audio_group",DEFAULT=YES,'
        'URI="/hls/T/1/videos/k/hls-1-a/audio_group/index.m3u8"',
        '#EXT-X-STREAM-INF:BANDWIDTH=1000,RESOLUTION=640x360,AUDIO="group_audio"',
        "/hls/T/1/videos/k/hls-1-a/360p/index.m3u8",
        "",
    ]


def test_a_rendition_playlist_lists_its_segments_under_its_folder():
    playlist = "#EXTM3U\n#EXTINF:6.0,\nseg_00000.ts\n#EXTINF:2.0,\nseg_00001.ts\n#EXT-X-ENDLIST\n"
    rewritten = signing.rewrite_playlist(playlist, "/hls/T/1/videos/k/hls-1-a/", "audio")
    assert "/hls/T/1/videos/k/hls-1-a/audio/seg_00000.ts" in rewritten.splitlines()
    assert "/hls/T/1/videos/k/hls-1-a/audio/seg_00001.ts" in rewritten.splitlines()
    assert rewritten.rstrip().endswith("#EXT-X-ENDLIST")


def test_absolute_uris_are_left_alone():
    playlist = "#EXTM3U\nhttps://elsewhere.example/a.ts\n/hls/x/y.ts\n"
    assert signing.rewrite_playlist(playlist, "/hls/T/1/videos/k/hls-1-a/") == playlist


def test_behind_nginx_the_session_cookie_must_keep_the_name_nginx_reads(settings):
    settings.SERVE_MEDIA_WITH = "x-accel"
    assert signing.check_session_cookie_name() == []
    settings.SESSION_COOKIE_NAME = "vksnd_session"
    assert [error.id for error in signing.check_session_cookie_name()] == ["media.E101"]
    settings.SERVE_MEDIA_WITH = "django"
    assert signing.check_session_cookie_name() == []
