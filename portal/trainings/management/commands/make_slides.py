"""`manage.py make_slides [--now] [--again]`: split the PDFs of every published training into their pages.

The worker does this by itself when a training is published or its PDF replaced; this command is for the
trainings published before slides existed, and for trying again after a fix. Without --now the work is
queued for the default worker; with it, done here and now (one PDF after another).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.trainings.models import SlideDeck, TrainingPage
from portal.trainings.slides import build_deck, pdf_attachments, request_slides, signature


class Command(BaseCommand):
    help = "Split the PDFs attached to published trainings into pages (text and thumbnail) for slides and search."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="do the work in this process instead of queueing it")
        parser.add_argument("--again", action="store_true", help="also redo PDFs whose pages are already made")

    def handle(self, *args: Any, now: bool = False, again: bool = False, **options: Any) -> None:
        seen: set[int] = set()
        counts = {"ready": 0, "queued": 0, "made": 0, "failed": 0}
        for page in TrainingPage.objects.live().order_by("pk"):
            for attachment in pdf_attachments(page):
                document = attachment.document
                if document.pk in seen:
                    continue
                seen.add(document.pk)
                deck = SlideDeck.objects.filter(document=document).first()
                current = deck is not None and deck.signature == signature(document)
                if current and deck is not None and deck.state == SlideDeck.State.READY and not again:
                    counts["ready"] += 1
                    continue
                if now:
                    deck = build_deck(document)
                    made = deck.state == SlideDeck.State.READY
                    counts["made" if made else "failed"] += 1
                    if not made:
                        self.stderr.write(f"{document.title} (document {document.pk}): {deck.error}")
                else:
                    request_slides(document, force=True)
                    counts["queued"] += 1
        self.stdout.write(
            f"{len(seen)} PDF(s): {counts['ready']} already done, {counts['queued']} queued, "
            f"{counts['made']} made now, {counts['failed']} failed."
        )
