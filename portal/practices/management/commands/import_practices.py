"""`manage.py import_practices FOLDER (--unit CODE | --units MAP.csv) [--topic NAME ...] [--submit | --publish]`:
a unit's backlog of reports in, one write-up per document.

Each --topic gives every write-up one topic, its name exactly as written: `--topic "Đào tạo, bồi dưỡng cán
bộ"` is one topic, commas included (repeat --topic for more).

The finding, checking and page making live in portal.practices.importing; this command only reports.
With --json, stdout carries exactly one JSON object per file (for scripts) and everything else goes to
stderr. The exit status is non-zero when any file failed.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.home.topic_names import MAX_LENGTH, clean_topic_name
from portal.practices.importing import (
    DRAFT,
    FAILED,
    IN_REVIEW,
    PUBLISHED,
    SKIPPED,
    STATE_LABELS,
    ImportResult,
    UnitMap,
    find_documents,
    import_file,
    read_unit_map,
    unit_map_for_code,
)
from portal.practices.submission import NoPracticeSection, practice_index
from portal.units.importing import ImportFileError


class Command(BaseCommand):
    help = (
        "Import a folder of reports (.docx, .pdf, .odt, searched recursively) as good-practice write-ups: "
        "the title from each document's heading, the body from its text, the file attached. Drafts by "
        "default. Files already imported are skipped; the originals are never moved or changed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("folder", type=Path, metavar="FOLDER", help="folder of reports (or one file)")
        units = parser.add_mutually_exclusive_group(required=True)
        units.add_argument("--unit", metavar="CODE", help="the code of the unit every report belongs to")
        units.add_argument(
            "--units",
            metavar="MAP.csv",
            type=Path,
            help="CSV with the columns file,unit_code (file name relative to FOLDER, or the bare name)",
        )
        state = parser.add_mutually_exclusive_group()
        state.add_argument("--submit", action="store_true", help="send each write-up to the reviewers")
        state.add_argument(
            "--publish", action="store_true", help="publish each write-up at once (reports approved in the past)"
        )
        parser.add_argument(
            "--topic",
            action="append",
            default=[],
            dest="topics",
            metavar="NAME",
            help="a topic for every write-up, the whole name (commas included); repeat for more topics",
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print one JSON object per file and nothing else"
        )
        parser.add_argument(
            "--user", metavar="USERNAME", help="who imports (owner and submitter); default: the first superuser"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            self._handle(**options)

    def _handle(
        self,
        *,
        folder: Path,
        unit: str | None,
        units: Path | None,
        submit: bool,
        publish: bool,
        as_json: bool,
        user: str | None,
        topics: list[str],
        **options: Any,
    ) -> None:
        if not folder.exists():
            raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": folder})
        unit_map = self._unit_map(unit, units)
        importer = self._user(user)
        if submit and importer is None:
            raise CommandError(_("Sending for review needs a user: give one with --user, or create a superuser first."))
        try:
            index = practice_index()
        except NoPracticeSection as error:
            raise CommandError(_("There is no good-practice section to put the write-ups under.")) from error
        if submit and index.get_workflow() is None:
            raise CommandError(_("No review workflow applies to the good-practice section."))
        topics = self._topics(topics)
        files = find_documents(folder)
        if not files:
            raise CommandError(_("No .docx, .pdf or .odt files were found."))
        report = self.stderr if as_json else self.stdout

        results: list[ImportResult] = []
        for path in files:
            result = import_file(path, folder, unit_map, user=importer, submit=submit, publish=publish, topics=topics)
            results.append(result)
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False) if as_json else self._line(result))
            self.stdout.flush()

        counts = {state: sum(1 for result in results if result.state == state) for state in STATE_LABELS}
        report.write(
            ngettext(
                "%(count)d file: %(draft)d drafts, %(in_review)d sent for review, %(published)d published, "
                "%(skipped)d already imported, %(failed)d failed.",
                "%(count)d files: %(draft)d drafts, %(in_review)d sent for review, %(published)d published, "
                "%(skipped)d already imported, %(failed)d failed.",
                len(results),
            )
            % {"count": len(results), **counts}
        )
        if counts[FAILED]:
            raise CommandError(
                ngettext("%(count)d file failed.", "%(count)d files failed.", counts[FAILED])
                % {"count": counts[FAILED]}
            )

    def _unit_map(self, code: str | None, map_file: Path | None) -> UnitMap:
        try:
            if map_file is not None:
                try:
                    data = map_file.read_bytes()
                except OSError as error:
                    raise CommandError(
                        _("Cannot read the file %(file)s: %(error)s")
                        % {"file": map_file, "error": error.strerror or error}
                    ) from error
                return read_unit_map(data)
            return unit_map_for_code(code or "")
        except ImportFileError as error:
            raise CommandError(str(error)) from error

    def _topics(self, names: list[str]) -> list[str]:
        cleaned = [clean_topic_name(name) for name in names]
        for name in cleaned:
            if not name:
                raise CommandError(_("A --topic is empty: give the topic's name."))
            if len(name) > MAX_LENGTH:
                raise CommandError(
                    _("“%(name)s” is too long: a topic has at most %(max)d characters.")
                    % {"name": name, "max": MAX_LENGTH}
                )
        return cleaned

    def _user(self, username: str | None) -> Any:
        users = get_user_model().objects
        if not username:
            return users.filter(is_superuser=True, is_active=True).order_by("pk").first()
        try:
            return users.get(username=username)
        except get_user_model().DoesNotExist as error:
            raise CommandError(_("There is no user %(username)s.") % {"username": username}) from error

    def _line(self, result: ImportResult) -> str:
        if result.failed or result.page is None:
            return self.style.ERROR(
                _("%(file)s: %(state)s. %(error)s")
                % {"file": result.file, "state": STATE_LABELS[FAILED], "error": result.error}
            )
        line = _("%(file)s: %(state)s (write-up %(id)d, “%(title)s”)") % {
            "file": result.file,
            "state": STATE_LABELS[result.state],
            "id": result.page.pk,
            "title": result.page.title,
        }
        if result.state == SKIPPED:
            return self.style.WARNING(line)
        return self.style.SUCCESS(line) if result.state in (DRAFT, IN_REVIEW, PUBLISHED) else line
