"""`manage.py import_recordings` brings an archive folder in: one recording per file, bad files reported
without stopping the others, originals untouched, and optionally a draft training page of parts."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

import pytest

from media.importing import find_recordings, natural_key
from media.models import Video
from portal.trainings.models import TrainingIndexPage, TrainingPage
from tests.media.importing import run

pytestmark = pytest.mark.django_db

KEYS = {"file", "video_id", "state", "error", "duration", "heights", "audio_only", "master_url", "captions"}


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file under the folder with the hash of its bytes: what "untouched" means."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def archive(tmp_path, clip_540p, clip_silent, audio_only, not_media, empty_file) -> Path:
    """A disk from the archive cupboard: recordings, an audio file, a document renamed .mp4, an empty
    file, a sub-folder, and things that are not recordings at all."""
    folder = tmp_path / "archive"
    (folder / "buoi_chieu").mkdir(parents=True)
    shutil.copy(clip_540p, folder / "Tap_huan-phan_1.mp4")
    shutil.copy(audio_only, folder / "ghi-am phan 2.m4a")
    shutil.copy(not_media, folder / "bao-cao.mp4")
    shutil.copy(empty_file, folder / "rong.mp4")
    shutil.copy(clip_silent, folder / "buoi_chieu" / "phan 10.mp4")
    shutil.copy(clip_silent, folder / ".phan-an.mp4")
    (folder / "ghi-chu.txt").write_text("Danh sách các buổi tập huấn\n")
    return folder


def test_it_imports_a_mixed_folder_and_reports_each_file_as_one_json_line(media_storage, archive):
    before = fingerprint(archive)

    out, err, error = run(str(archive), "--json", "--wait")

    assert error is not None and error.returncode != 0
    lines = out.splitlines()
    rows = [json.loads(line) for line in lines]
    assert all(set(row) == KEYS for row in rows)
    by_name = {Path(row["file"]).name: row for row in rows}
    assert list(by_name) == ["bao-cao.mp4", "phan 10.mp4", "ghi-am phan 2.m4a", "rong.mp4", "Tap_huan-phan_1.mp4"]

    lecture = by_name["Tap_huan-phan_1.mp4"]
    assert lecture["state"] == "ready" and lecture["error"] is None
    assert lecture["heights"] == [360, 540] and lecture["audio_only"] is False
    assert lecture["duration"] == pytest.approx(4, abs=0.2)
    assert lecture["master_url"].endswith("/master.m3u8")
    assert Video.objects.get(pk=lecture["video_id"]).title == "Tap huan phan 1"

    sound = by_name["ghi-am phan 2.m4a"]
    assert sound["state"] == "ready" and sound["audio_only"] is True and sound["heights"] == []
    assert sound["master_url"]

    assert by_name["phan 10.mp4"]["state"] == "ready" and by_name["phan 10.mp4"]["heights"] == [180]

    for name in ("bao-cao.mp4", "rong.mp4"):
        row = by_name[name]
        assert row["state"] == "failed" and row["master_url"] is None and row["heights"] == []
        assert row["error"] and row["video_id"] is not None  # the reason is kept (not the file: see below)
    assert "0 byte" in by_name["rong.mp4"]["error"]

    assert all(count in err for count in "532")  # the summary goes to stderr, stdout stays machine-readable
    assert fingerprint(archive) == before


def test_the_human_report_is_in_vietnamese_with_a_line_per_file(media_storage, archive):
    out, _err, error = run(str(archive / "Tap_huan-phan_1.mp4"), str(archive / "rong.mp4"))

    assert error is not None
    lines = out.splitlines()
    assert len(lines) == 3  # two files and the summary
    assert "Tap_huan-phan_1.mp4" in lines[0] and "Đang chờ xử lý" in lines[0]
    assert "rong.mp4" in lines[1] and "Không thành công" in lines[1]


def test_without_wait_the_recordings_are_left_queued_for_the_workers(media_storage, archive, tuan_editor):
    out, _err, error = run(str(archive / "Tap_huan-phan_1.mp4"), "--json", "--user", "tuan")

    assert error is None
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert row["state"] == "queued" and row["heights"] == [] and row["master_url"] is None and row["error"] is None
    assert Video.objects.get(pk=row["video_id"]).uploaded_by == tuan_editor


def test_a_training_gets_the_recordings_as_parts_in_natural_order(media_storage, tmp_path, clip_silent):
    folder = tmp_path / "khoa-hoc"
    folder.mkdir()
    for name in ("phan 10.mp4", "phan 2.mp4", "Phan 1.mp4"):
        shutil.copy(clip_silent, folder / name)
    title = "Tập huấn kỹ năng xét hỏi tại phiên tòa"

    _out, _err, error = run(str(folder), "--training", title)

    assert error is None
    page = TrainingPage.objects.get(title=title)
    assert page.get_parent().specific_class is TrainingIndexPage
    assert not page.live and page.latest_revision is not None  # a draft for an editor to review
    parts = page.ordered_parts()
    assert [part.video.original_name for part in parts] == ["Phan 1.mp4", "phan 2.mp4", "phan 10.mp4"]
    with translation.override("vi"):  # "Phần 1", "Phần 2"... once the catalogue has it
        assert [part.title for part in parts] == [gettext("Part %(number)d") % {"number": n} for n in (1, 2, 3)]

    run(str(folder), "--training", title)

    assert TrainingPage.objects.filter(title=title).count() == 1
    assert Video.objects.count() == 6
    assert len(TrainingPage.objects.get(title=title).ordered_parts()) == 6


def test_a_published_training_gets_the_parts_in_a_draft_and_stays_as_it_was(media_storage, archive):
    index = TrainingIndexPage.objects.get()
    published = index.add_child(instance=TrainingPage(title="Bồi dưỡng nghiệp vụ thi hành án dân sự"))
    published.save_revision().publish()

    run(str(archive / "Tap_huan-phan_1.mp4"), "--training", "Bồi dưỡng nghiệp vụ thi hành án dân sự")

    page = TrainingPage.objects.get(pk=published.pk)
    assert page.live and page.has_unpublished_changes
    assert not page.parts.exists()  # viewers still see the published version
    (part,) = page.get_latest_revision_as_object().parts.all()
    assert part.video.original_name == "Tap_huan-phan_1.mp4"


def test_a_single_recording_becomes_an_untitled_part(media_storage, archive):
    run(str(archive / "Tap_huan-phan_1.mp4"), "--training", "Chuyên đề chứng cứ điện tử")

    (part,) = TrainingPage.objects.get(title="Chuyên đề chứng cứ điện tử").ordered_parts()
    assert part.title == ""


def test_nothing_to_import_is_an_error(media_storage, tmp_path):
    (tmp_path / "tai-lieu").mkdir()
    (tmp_path / "tai-lieu" / "slide.pdf").write_bytes(b"%PDF-1.4")

    _out, _err, error = run(str(tmp_path / "tai-lieu"))

    assert error is not None
    assert not Video.objects.exists()


def test_a_missing_path_is_reported_and_the_others_are_imported(media_storage, archive):
    out, _err, error = run(str(archive / "khong-co.mp4"), str(archive / "Tap_huan-phan_1.mp4"), "--json")

    assert error is not None
    missing, found = (json.loads(line) for line in out.splitlines())
    assert missing["state"] == "failed" and missing["video_id"] is None and missing["error"]
    assert found["state"] == "queued"


def test_a_file_that_is_not_a_recording_leaves_no_copy_only_its_reason(client, media_storage, tmp_path, tuan_editor):
    """A 2 GB document named .mp4 used to be copied whole into storage and kept there, failed."""
    archive = tmp_path / "o-dia-luu-tru"
    archive.mkdir()
    report = archive / "bao-cao-tong-ket.mp4"
    body = "Báo cáo tổng kết công tác kiểm sát năm 2026 — văn bản, không phải video.\n".encode() * 4000
    report.write_bytes(body)
    before = fingerprint(archive)

    out, _err, error = run(str(report), "--json")

    assert error is not None  # a refused file makes the command fail
    row = json.loads(out.splitlines()[0])
    assert row["state"] == "failed" and row["video_id"] is not None
    stored = [path for path in media_storage.rglob("*") if path.is_file()]
    assert not [path for path in stored if path.stat().st_size == len(body) or body[:4000] in path.read_bytes()]
    work = Path(settings.MEDIA_WORK_DIR)
    assert not work.exists() or not [path for path in work.rglob("*") if path.is_file()]
    assert fingerprint(archive) == before  # the archive's own file is untouched

    video = Video.objects.get(pk=row["video_id"])
    assert not video.original and video.size_bytes == len(body) and video.original_name == report.name
    with translation.override("vi"):
        assert video.error == row["error"]
        assert "không giữ bản sao" in row["error"]  # said in Vietnamese, after ffprobe's reason

    client.force_login(tuan_editor)  # the editor reads why on the recording's page, with nothing to retry
    page = client.get(reverse("media_videos:edit", args=[video.pk])).content.decode()
    assert "không giữ bản sao" in page and "bao-cao-tong-ket.mp4" in page
    assert reverse("media:original", args=[video.key]) not in page
    assert reverse("media_videos:retry", args=[video.pk]) not in page
    assert client.get(reverse("media:original", args=[video.key])).status_code == 404


def test_files_are_found_recursively_in_natural_order_without_hidden_ones(tmp_path):
    for name in ("phan 10.mp3", "phan 2.MP4", ".DS_Store", "._phan 1.mp4", "ghi chu.txt", "sub/phan 1.wav"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.mp4").write_bytes(b"x")

    found = find_recordings([tmp_path])

    assert [str(path.relative_to(tmp_path)) for path in found] == ["phan 2.MP4", "phan 10.mp3", "sub/phan 1.wav"]
    assert sorted(["Phần 10", "phần 9", "Phần 1"], key=natural_key) == ["Phần 1", "phần 9", "Phần 10"]
