"""The caption editor in Chromium: an editor corrects a line, splits one where the cursor is, merges two and
saves; a long transcript is shown a page at a time and a refused save takes the editor to the line to fix."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from media.captions import Cue
from media.models import Transcript, Video
from media.transcripts import save_transcript


def lines(transcript: Transcript) -> list[tuple[float, float, str]]:
    return list(transcript.segments.order_by("start").values_list("start", "end", "text"))


def row(page: Page, index: int):
    return page.locator(f'[data-list] [data-row="{index}"]')


def test_an_editor_corrects_splits_merges_and_saves(page: Page, live_server, login, tuan_editor):
    video = Video.objects.create(title="Kỹ năng xét hỏi", original="videos/x/original/a.mp4", duration=60.0)
    transcript = save_transcript(
        video,
        [
            Cue(0.0, 3.5, "Thưa các đồng chí, hôm nay chúng ta tập"),
            Cue(3.5, 6.0, "kỹ năng xét hỏi của kiểm sát viên."),
            Cue(6.0, 9.0, "Phần một: chuẩn bị."),
        ],
        source="human",
    )
    login(page, live_server, "tuan", "demo12345")
    page.goto(f"/admin/media/videos/{video.pk}/captions/")
    page.locator('[data-transcript="vi-human"] [data-edit-transcript]').click()
    expect(row(page, 2)).to_be_visible()

    row(page, 0).locator('[data-field="text"]').fill("Thưa các đồng chí, hôm nay chúng ta tập huấn")
    # Split the second line after "kỹ năng xét hỏi": put the cursor there, as an editor would.
    text = row(page, 1).locator('[data-field="text"]')
    text.click()
    text.press("Home")
    for _ in range(len("kỹ năng xét hỏi")):
        text.press("ArrowRight")
    row(page, 1).locator('[data-action="split"]').click()
    panel = row(page, 1).locator("[data-split-panel]")
    expect(panel.locator('[data-split-text="first"]')).to_have_value("kỹ năng xét hỏi")
    expect(panel.locator('[data-split-text="second"]')).to_have_value("của kiểm sát viên.")
    panel.locator("[data-split-time]").fill("0:00:04.800")
    panel.locator('[data-action="split-confirm"]').click()
    expect(page.locator("[data-list] [data-row]")).to_have_count(4)
    # Merge "của kiểm sát viên." with the line after it.
    row(page, 2).locator('[data-action="merge"]').click()
    expect(page.locator("[data-list] [data-row]")).to_have_count(3)
    expect(row(page, 2).locator('[data-field="text"]')).to_have_value("của kiểm sát viên. Phần một: chuẩn bị.")
    page.locator("[data-reviewed]").check()
    page.locator("[data-save]").click()

    expect(page.locator(".messages")).to_contain_text("3")
    transcript.refresh_from_db()
    assert transcript.reviewed
    assert lines(transcript) == [
        (0.0, 3.5, "Thưa các đồng chí, hôm nay chúng ta tập huấn"),
        (3.5, 4.8, "kỹ năng xét hỏi"),
        (4.8, 9.0, "của kiểm sát viên. Phần một: chuẩn bị."),
    ]


def test_a_long_transcript_is_paged_and_a_refused_save_opens_the_line_to_fix(
    page: Page, live_server, login, tuan_editor
):
    video = Video.objects.create(title="Hội nghị", original="videos/y/original/a.mp4", duration=1000.0)
    transcript = save_transcript(
        video, [Cue(i * 4.0, i * 4.0 + 3.0, f"Câu số {i + 1}") for i in range(240)], source="human"
    )
    login(page, live_server, "tuan", "demo12345")
    page.goto(f"/admin/media/videos/{video.pk}/captions/{transcript.pk}/edit/")
    expect(page.locator("[data-list] [data-row]")).to_have_count(50)

    page.locator("[data-goto-time]").fill("8:00")  # line 121 runs from 480 s
    page.locator("[data-goto]").click()
    line = row(page, 120)
    expect(line.locator('[data-field="text"]')).to_be_focused()
    line.locator('[data-field="end"]').fill("7:59")  # before its start
    page.locator("[data-save]").click()

    expect(page.locator("[data-errors]")).to_be_visible()
    line = row(page, 120)
    expect(line.locator('[data-field="end"]')).to_have_attribute("aria-invalid", "true")
    expect(line.locator('[data-field="end"]')).to_have_value("7:59")
    expect(line.locator("[data-error]")).to_contain_text("121")
    line.locator('[data-field="end"]').fill("8:03")
    page.locator("[data-save]").click()

    expect(page.locator("[data-errors]")).to_have_count(0)
    expect(page.locator(".messages")).to_be_visible()
    assert transcript.segments.count() == 240
    assert transcript.segments.get(start=480.0).end == 483.0


def test_undo_reverses_only_the_last_split_merge_delete_or_add(page: Page, live_server, login, tuan_editor):
    video = Video.objects.create(title="Kỹ năng xét hỏi", original="videos/x/original/a.mp4", duration=60.0)
    transcript = save_transcript(
        video, [Cue(0.0, 3.0, "Dòng một"), Cue(3.0, 6.0, "Dòng hai"), Cue(6.0, 9.0, "Dong ba")], source="human"
    )
    login(page, live_server, "tuan", "demo12345")
    page.goto(f"/admin/media/videos/{video.pk}/captions/{transcript.pk}/edit/")

    row(page, 0).locator('[data-action="delete"]').click()
    expect(page.locator("[data-list] [data-row]")).to_have_count(2)
    row(page, 1).locator('[data-field="text"]').fill("Dòng ba")  # a correction typed after the delete
    page.locator("[data-undo]").click()

    expect(page.locator("[data-list] [data-row]")).to_have_count(3)
    expect(row(page, 0).locator('[data-field="text"]')).to_have_value("Dòng một")
    expect(row(page, 2).locator('[data-field="text"]')).to_have_value("Dòng ba")
    expect(page.locator("[data-undo]")).to_be_disabled()
    page.locator("[data-save]").click()

    expect(page.locator(".messages")).to_be_visible()
    assert [text for _, _, text in lines(transcript)] == ["Dòng một", "Dòng hai", "Dòng ba"]


def test_a_line_added_between_back_to_back_lines_can_be_saved(page: Page, live_server, login, tuan_editor):
    video = Video.objects.create(title="Kỹ năng xét hỏi", original="videos/x/original/a.mp4", duration=60.0)
    transcript = save_transcript(
        video,
        [Cue(0.0, 4.0, "Thưa các đồng chí"), Cue(4.0, 6.0, "kỹ năng"), Cue(8.0, 9.0, "xét hỏi")],
        source="human",
    )
    login(page, live_server, "tuan", "demo12345")
    page.goto(f"/admin/media/videos/{video.pk}/captions/{transcript.pk}/edit/")

    row(page, 0).locator('[data-action="insert"]').click()  # no gap: takes the second half of line 1
    row(page, 1).locator('[data-field="text"]').fill("hôm nay")
    row(page, 2).locator('[data-action="insert"]').click()  # a gap of 2 s before the last line
    row(page, 3).locator('[data-field="text"]').fill("của kiểm sát viên")
    page.locator("[data-save]").click()

    expect(page.locator(".messages")).to_contain_text("5")
    assert lines(transcript) == [
        (0.0, 2.0, "Thưa các đồng chí"),
        (2.0, 4.0, "hôm nay"),
        (4.0, 6.0, "kỹ năng"),
        (6.0, 8.0, "của kiểm sát viên"),
        (8.0, 9.0, "xét hỏi"),
    ]


def test_work_typed_before_a_failed_save_is_offered_back(page: Page, live_server, login, tuan_editor):
    video = Video.objects.create(title="Kỹ năng xét hỏi", original="videos/x/original/a.mp4", duration=60.0)
    transcript = save_transcript(video, [Cue(0.0, 3.0, "Dòng một"), Cue(3.0, 6.0, "Dòng hai")], source="human")
    login(page, live_server, "tuan", "demo12345")
    url = f"/admin/media/videos/{video.pk}/captions/{transcript.pk}/edit/"
    page.goto(url)
    row(page, 1).locator('[data-field="text"]').fill("Dòng hai đã sửa")

    page.context.clear_cookies(name="sessionid")  # the session expired while the editor was typing
    page.locator("[data-save]").click()
    expect(page).to_have_url(re.compile("/dang-nhap/"))
    login(page, live_server, "tuan", "demo12345")
    page.goto(url)

    expect(page.locator("[data-draft]")).to_be_visible()
    expect(row(page, 1).locator('[data-field="text"]')).to_have_value("Dòng hai")  # what is saved, until restored
    page.locator("[data-draft-restore]").click()
    expect(row(page, 1).locator('[data-field="text"]')).to_have_value("Dòng hai đã sửa")
    page.locator("[data-save]").click()

    expect(page.locator(".messages")).to_be_visible()
    assert [text for _, _, text in lines(transcript)] == ["Dòng một", "Dòng hai đã sửa"]
    page.goto(url)  # saved: nothing left to offer
    expect(row(page, 1)).to_be_visible()
    expect(page.locator("[data-draft]")).to_be_hidden()
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('caption-editor:'))") == []
