"""`manage.py import_recordings PATH [PATH ...]`: bring archived recordings into the portal.

The finding, copying and attaching live in media.importing; this command only reports. With --json,
stdout carries exactly one JSON object per file (for scripts) and everything else goes to stderr, including
what became of caption files beside the recordings (a broken one does not fail the import).
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from media.importing import (
    CaptionOutcome,
    ImportResult,
    attach_to_training,
    find_recordings,
    import_files,
    training_index,
)
from media.states import State


def _clock(seconds: float) -> str:
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Command(BaseCommand):
    help = (
        "Import recordings from files or folders (searched recursively): each file becomes a recording, "
        "copied into the portal's storage. The originals are never moved or changed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="file or folder")
        parser.add_argument(
            "--training",
            metavar="TITLE",
            help="also attach the recordings, in file order, to the draft training page with this title "
            "(created under the training index if there is none; never published)",
        )
        parser.add_argument(
            "--wait", action="store_true", help="convert each recording now, in this process, and report the outcome"
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print one JSON object per file and nothing else"
        )
        parser.add_argument("--user", metavar="USERNAME", help="record this user as the uploader")
        parser.add_argument(
            "--transcribe",
            action="store_true",
            help="ask for speech recognition of each imported recording that has no caption file beside it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            self._handle(**options)

    def _handle(
        self,
        *,
        paths: list[Path],
        training: str | None,
        wait: bool,
        as_json: bool,
        user: str | None,
        transcribe: bool = False,
        **options: Any,
    ) -> None:
        uploader = self._user(user)
        if training and training_index() is None:
            raise CommandError(_("There is no training index page to put the training under."))
        files = find_recordings(paths)
        if not files:
            raise CommandError(_("No audio or video files were found."))
        report = self.stderr if as_json else self.stdout

        results: list[ImportResult] = []
        for result in import_files(files, user=uploader, wait=wait, transcribe=transcribe):
            results.append(result)
            self.stdout.write(self._json_line(result) if as_json else self._line(result))
            self.stdout.flush()
            for outcome in result.captions:
                report.write(self._caption_line(outcome))
        if transcribe:
            report.write(self._transcription_summary(results))

        if training:
            self._attach(training, results, uploader, report)
        counts = {state: sum(1 for result in results if result.state == state) for state in State.values}
        report.write(
            ngettext(
                "%(count)d file: %(ready)d ready, %(queued)d waiting to be processed, %(failed)d failed.",
                "%(count)d files: %(ready)d ready, %(queued)d waiting to be processed, %(failed)d failed.",
                len(results),
            )
            % {"count": len(results), **counts}
        )
        failed = counts[State.FAILED]
        if failed:
            raise CommandError(
                ngettext("%(count)d file failed.", "%(count)d files failed.", failed) % {"count": failed}
            )

    def _user(self, username: str | None) -> Any:
        if not username:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as error:
            raise CommandError(_("There is no user %(username)s.") % {"username": username}) from error

    def _json_line(self, result: ImportResult) -> str:
        return json.dumps(result.as_json(), ensure_ascii=False)

    def _line(self, result: ImportResult) -> str:
        video = result.video
        state = State(result.state).label
        if video is None or result.failed:
            error = video.error if video is not None else result.error
            return self.style.ERROR(
                _("%(file)s: %(state)s. %(error)s") % {"file": result.file, "state": state, "error": error}
            )
        details = [_clock(video.duration)] if video.duration else []
        if video.audio_only:
            details.append(_("audio only"))
        elif result.heights:
            details.append(", ".join(f"{height}p" for height in result.heights))
        line = _("%(file)s: %(state)s (recording %(id)d; %(details)s)") % {
            "file": result.file,
            "state": state,
            "id": video.pk,
            "details": "; ".join(details),
        }
        return self.style.SUCCESS(line) if result.state == State.READY else line

    def _transcription_summary(self, results: list[ImportResult]) -> str:
        if any(result.transcription == "unavailable" for result in results):
            return self.style.WARNING(_("Speech recognition is not installed here: no transcription was requested."))
        requested = sum(1 for result in results if result.transcription == "requested")
        declined = sum(1 for result in results if result.transcription == "declined")
        summary = ngettext(
            "Speech recognition was requested for %(count)d recording without captions.",
            "Speech recognition was requested for %(count)d recordings without captions.",
            requested,
        ) % {"count": requested}
        if declined:
            summary += " " + ngettext(
                "%(count)d recording was left out: speech recognition is not set up, or it has no sound.",
                "%(count)d recordings were left out: speech recognition is not set up, or they have no sound.",
                declined,
            ) % {"count": declined}
        return self.style.WARNING(summary) if declined else summary

    def _caption_line(self, outcome: CaptionOutcome) -> str:
        values = {"file": outcome.file, "language": outcome.language}
        if outcome.error:
            return self.style.WARNING(
                "  " + _("%(file)s: captions not attached. %(error)s") % {**values, "error": outcome.error}
            )
        if outcome.unused:
            return "  " + _("%(file)s: not used, another file gives the captions in “%(language)s”.") % values
        attached = ngettext(
            "%(file)s: captions in “%(language)s” attached (%(count)d line).",
            "%(file)s: captions in “%(language)s” attached (%(count)d lines).",
            outcome.segments,
        )
        return "  " + attached % {**values, "count": outcome.segments}

    def _attach(self, title: str, results: list[ImportResult], user: Any, report: Any) -> None:
        videos = [result.video for result in results if result.video is not None and not result.failed]
        if not videos:
            report.write(_("No recording could be imported, so no part was added to the training."))
            return
        page = attach_to_training(title, videos, user=user)
        edit_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("wagtailadmin_pages:edit", args=[page.pk])
        report.write(
            ngettext(
                "Added %(count)d recording to the draft training “%(title)s”; review and publish it at %(url)s",
                "Added %(count)d recordings to the draft training “%(title)s”; review and publish it at %(url)s",
                len(videos),
            )
            % {"count": len(videos), "title": page.title, "url": edit_url}
        )
