"""`manage.py repair_topics [--dry-run]`: put back the topics with commas that the admin's old tag field
broke into pieces, and delete the pieces nothing uses (see portal.home.topic_repair for how they are found).

Safe to run again: on a repaired database it finds nothing. The migration home.0003 runs the same repair
once on every database; the command is there to see what it would do (--dry-run) or to run it again.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.home.topic_repair import PageChange, RepairReport, repair_topics


def quoted(names: list[str]) -> str:
    return ", ".join(f"“{name}”" for name in names)


class Command(BaseCommand):
    help = (
        "Repair topics with commas that the admin's tag field broke into pieces: put the real topic back on "
        "the pages that lost it and delete the pieces nothing else uses."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only say what would be changed")

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            report = repair_topics(dry_run=dry_run)
            for line in report_lines(report, dry_run=dry_run):
                self.stdout.write(line)


def _page_kind(change: PageChange) -> str:
    return _("Training") if change.model == "trainingpage" else _("Good practice")


def report_lines(report: RepairReport, *, dry_run: bool) -> list[str]:
    """What the repair did (or, with dry_run, would do), in plain words, one line per change."""
    if not report.changed and not report.kept and not report.unclear:
        return [_("No broken topics were found. Nothing was changed.")]
    lines = [_("Trial run: nothing has been changed. These are the changes the repair would make:")] if dry_run else []
    for change in report.pages:
        values = {
            "kind": _page_kind(change),
            "title": change.title,
            "id": change.page_id,
            "restored": quoted(change.restored),
            "removed": quoted(change.removed),
        }
        if change.restored:
            line = _("%(kind)s “%(title)s” (page %(id)d): topic %(restored)s put back; %(removed)s taken away.")
        else:  # the page had its real topic again already; only the pieces go
            line = _("%(kind)s “%(title)s” (page %(id)d): %(removed)s taken away.")
        line %= values
        if change.revisions and dry_run:
            line += " " + ngettext(
                "%(count)d saved version of the page would be corrected too.",
                "%(count)d saved versions of the page would be corrected too.",
                change.revisions,
            ) % {"count": change.revisions}
        elif change.revisions:
            line += " " + ngettext(
                "%(count)d saved version of the page corrected too.",
                "%(count)d saved versions of the page corrected too.",
                change.revisions,
            ) % {"count": change.revisions}
        lines.append(line)
    for name in report.deleted:
        if dry_run:
            lines.append(_("Broken topic “%(name)s” would be deleted: nothing would use it any more.") % {"name": name})
        else:
            lines.append(_("Broken topic “%(name)s” deleted: nothing uses it any more.") % {"name": name})
    for name, uses in report.kept:
        lines.append(
            ngettext(
                "Topic “%(name)s” kept: %(count)d page or saved version uses it as a topic of its own.",
                "Topic “%(name)s” kept: %(count)d pages or saved versions use it as a topic of their own.",
                uses,
            )
            % {"name": name, "count": uses}
        )
    for title, head in report.unclear:
        lines.append(
            _("“%(title)s”: the piece “%(head)s” fits several topics; choose the right one in the admin.")
            % {"title": title, "head": head}
        )
    if report.changed:
        counts = {"pages": len(report.pages), "deleted": len(report.deleted)}
        if dry_run:
            summary = ngettext(
                "%(pages)d page would be repaired, %(deleted)d broken topics deleted.",
                "%(pages)d pages would be repaired, %(deleted)d broken topics deleted.",
                len(report.pages),
            )
        else:
            summary = ngettext(
                "%(pages)d page repaired, %(deleted)d broken topics deleted.",
                "%(pages)d pages repaired, %(deleted)d broken topics deleted.",
                len(report.pages),
            )
        lines.append(summary % counts)
    return lines
