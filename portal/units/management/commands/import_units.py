"""`manage.py import_units FILE.csv`: create and update units from a spreadsheet.

The reading and checking live in portal.units.importing; this command only reports.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.units.importing import (
    COLUMNS,
    ImportFileError,
    ImportSummary,
    InvalidRows,
    apply_rows,
    decode,
    read_units_csv,
    unit_field,
)


class Command(BaseCommand):
    help = (
        "Create and update units from a CSV file with the columns "
        + ", ".join(COLUMNS)
        + ". Units are matched by code; units not in the file are left alone."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="CSV file, UTF-8 or Windows-1258, comma or semicolon")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, change nothing")

    def handle(self, *args: Any, file: str, dry_run: bool, **options: Any) -> None:
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read the file %(file)s: %(error)s") % {"file": file, "error": error.strerror or error}
            ) from error
        try:
            summary = apply_rows(read_units_csv(decode(data)), dry_run=dry_run)
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        except InvalidRows as error:
            for row_error in error.errors:
                self.stderr.write(row_error.message)
            lines = len({row_error.line for row_error in error.errors})
            raise CommandError(
                ngettext(
                    "%(count)d row is invalid; nothing was changed.",
                    "%(count)d rows are invalid; nothing was changed.",
                    lines,
                )
                % {"count": lines}
            ) from error

        if dry_run or options["verbosity"] >= 2:
            self._report_changes(summary)
        counts = {
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
        }
        if dry_run:
            self.stdout.write(
                _("Dry run, nothing was saved: %(created)d to create, %(updated)d to update, %(unchanged)d unchanged.")
                % counts
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(_("Created %(created)d, updated %(updated)d, unchanged %(unchanged)d.") % counts)
            )

    def _report_changes(self, summary: ImportSummary) -> None:
        for change in summary.changes:
            if change.created:
                self.stdout.write(_("New: %(code)s %(name)s") % {"code": change.code, "name": change.name})
            else:
                fields = ", ".join(str(unit_field(name).verbose_name) for name in change.fields)
                self.stdout.write(_("Changed: %(code)s (%(fields)s)") % {"code": change.code, "fields": fields})
