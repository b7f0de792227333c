"""Editors upload a recording's captions in the admin: any encoding Vietnamese offices use, stored NFC as the
human transcript; a broken file is refused with the line to fix, and the transcripts can be downloaded or
deleted."""

from __future__ import annotations

import html as html_module
import re
import unicodedata

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

import pytest

from media.caption_views import language_name
from media.captions import Cue
from media.models import Segment, Transcript, Video
from media.transcripts import save_transcript
from tests.media.legacy_text import windows_1258

pytestmark = pytest.mark.django_db

SRT = """1
00:00:01,000 --> 00:00:03,500
Thưa các đồng chí, hôm nay chúng ta tập huấn

2
00:00:03,500 --> 00:00:06,000
kỹ năng xét hỏi của Kiểm sát viên.
"""

BROKEN_SRT = """1
00:00:01,000 --> 00:00:03,500
Khai mạc.

2
00:00:03,500 -> 00:00:06,000
Dòng thời gian bị hỏng.
"""


@pytest.fixture
def lecture() -> Video:
    return Video.objects.create(title="Bài giảng kỹ năng xét hỏi", original="videos/x/original/bai-giang.mp4")


def captions_url(video: Video) -> str:
    return reverse("media_captions", args=[video.pk])


def upload(client, video: Video, data: bytes, name: str = "bai-giang.srt", **fields: object):
    return client.post(
        captions_url(video), {"file": SimpleUploadedFile(name, data), "language": "vi", **fields}, follow=True
    )


def test_an_editor_uploads_windows_1258_srt_which_is_stored_nfc_as_the_human_transcript(client, tuan_editor, lecture):
    data = windows_1258(SRT.replace("\n", "\r\n"))
    assert "\u0323".encode("cp1258") in data  # really combining tone marks, as Windows-1258 stores them
    client.force_login(tuan_editor)

    response = upload(client, lecture, data, reviewed="on")

    assert response.status_code == 200
    transcript = Transcript.objects.get(video=lecture)
    assert (transcript.language, transcript.source, transcript.reviewed) == ("vi", "human", True)
    texts = list(transcript.segments.values_list("text", flat=True))
    assert texts == ["Thưa các đồng chí, hôm nay chúng ta tập huấn", "kỹ năng xét hỏi của Kiểm sát viên."]
    assert all(unicodedata.is_normalized("NFC", text) for text in texts)
    html = response.content.decode()
    saved = ngettext(
        "The %(language)s captions were saved: %(count)d line.",
        "The %(language)s captions were saved: %(count)d lines.",
        2,
    ) % {"language": language_name("vi"), "count": 2}
    assert saved in html
    # The list shows it: source, language, reviewed, number of lines, downloads and delete.
    row = html.split('data-transcript="vi-human"')[1].split("</tr>")[0]
    assert str(gettext("Written by a person")) in row and "<td>2</td>" in row
    assert "download=1" in row and "/delete/" in row


def test_a_broken_file_is_refused_naming_the_line_and_the_choices_are_kept(client, tuan_editor, lecture):
    client.force_login(tuan_editor)

    response = client.post(
        captions_url(lecture),
        {"file": SimpleUploadedFile("hong.srt", BROKEN_SRT.encode()), "language": "en", "reviewed": "on"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    expected = gettext(
        "Line %(line)d should give the start and end of a caption, like 00:01:02.500 --> 00:01:05.000."
    ) % {"line": 6}
    assert str(expected).replace(">", "&gt;") in html
    assert "hong.srt" in html
    assert '<option value="en" selected>' in html
    reviewed = re.search(r'<input[^>]*name="reviewed"[^>]*>', html)
    assert reviewed is not None and "checked" in reviewed.group()
    assert not Transcript.objects.filter(video=lecture).exists()


def test_a_file_that_is_not_captions_or_too_large_is_refused_and_nothing_is_saved(
    client, tuan_editor, lecture, monkeypatch
):
    from media import caption_admin
    from media.captions import CaptionError, parse_captions

    client.force_login(tuan_editor)
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # a picture renamed .srt
    with translation.override("vi"):
        with pytest.raises(CaptionError) as reason:
            parse_captions(data)
        expected = gettext("“%(name)s” was not saved. %(reason)s") % {"name": "anh.srt", "reason": reason.value}
        html = upload(client, lecture, data, name="anh.srt").content.decode()
        assert expected in html_module.unescape(html)

        monkeypatch.setattr(caption_admin, "MAX_CAPTION_BYTES", 100)
        large = upload(client, lecture, SRT.encode("utf-8"))
        assert gettext("This file is too large for captions (at most 10 MB).") in large.content.decode()
    assert not Transcript.objects.filter(video=lecture).exists()


def test_a_new_upload_replaces_the_human_captions_and_leaves_the_machine_ones(client, tuan_editor, lecture):
    save_transcript(lecture, [Cue(0, 1, "bản máy")], source="machine")
    save_transcript(lecture, [Cue(0, 1, "bản cũ")], source="human")
    client.force_login(tuan_editor)

    upload(client, lecture, SRT.encode("utf-8"))

    human = Transcript.objects.get(video=lecture, source="human")
    assert human.segments.count() == 2 and not human.segments.filter(text="bản cũ").exists()
    assert Transcript.objects.get(video=lecture, source="machine").segments.get().text == "bản máy"


def test_deleting_a_transcript_asks_first(client, tuan_editor, lecture):
    transcript = save_transcript(lecture, [Cue(0, 1, "Khai mạc")], source="human")
    client.force_login(tuan_editor)
    url = reverse("media_captions_delete", args=[lecture.pk, transcript.pk])

    assert client.get(url).status_code == 200
    assert Transcript.objects.filter(pk=transcript.pk).exists()
    response = client.post(url)

    assert response.status_code == 302 and response["Location"] == captions_url(lecture)
    assert not Transcript.objects.filter(pk=transcript.pk).exists() and not Segment.objects.exists()


def test_an_editor_downloads_a_transcript_from_the_list(client, tuan_editor, lecture):
    save_transcript(lecture, [Cue(0, 1, "bản máy")], source="machine")
    client.force_login(tuan_editor)
    html = client.get(captions_url(lecture)).content.decode()
    link = html.split('data-transcript="vi-machine"')[1].split('href="')[1].split('"')[0].replace("&amp;", "&")

    response = client.get(link)

    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert "bản máy" in response.content.decode()


def test_viewers_cannot_reach_the_captions_screen(client, lan_viewer, lecture):
    client.force_login(lan_viewer)
    assert client.get(captions_url(lecture)).status_code in (302, 403)
    response = client.post(captions_url(lecture), {"file": SimpleUploadedFile("a.srt", SRT.encode())})
    assert response.status_code in (302, 403)
    assert not Transcript.objects.exists()


def test_admin_users_who_do_not_manage_recordings_can_neither_upload_nor_delete_captions(
    client, binh_admin_user, lecture
):
    kept = save_transcript(lecture, [Cue(0, 2, "Khai mạc")], source="human")
    client.force_login(binh_admin_user)
    denied = reverse("wagtailadmin_home")  # the admin turns "permission denied" into a message on its home page

    for response in [
        client.get(captions_url(lecture)),
        client.post(captions_url(lecture), {"file": SimpleUploadedFile("a.srt", SRT.encode()), "language": "en"}),
        client.get(reverse("media_captions_delete", args=[lecture.pk, kept.pk])),
        client.post(reverse("media_captions_delete", args=[lecture.pk, kept.pk])),
    ]:
        assert (response.status_code, response.url) == (302, denied)
    assert list(Transcript.objects.values_list("pk", flat=True)) == [kept.pk]
