from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.home.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = "Create the demo units, users (one per role) and Vietnamese sample content. Safe to run again."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="seed even with DEBUG off (never on a real server: it adds admin/demo12345)",
        )
        parser.add_argument(
            "--no-recordings",
            dest="recordings",
            action="store_false",
            help="skip the demo recordings (made and converted with ffmpeg the first time, under a minute)",
        )

    def handle(self, *args: Any, force: bool, recordings: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password (admin/demo12345); it runs only with DEBUG on. "
                "Use --force on a test machine that is not reachable by others."
            )
        if recordings:
            self.stdout.write("Making the demo recordings with ffmpeg; the first time this takes under a minute...")
        seed_demo(recordings=recordings)
        names = ", ".join(user.username for user in DEMO_USERS)
        self.stdout.write(self.style.SUCCESS(f"Demo ready. Users: {names} (password {DEMO_PASSWORD})."))
