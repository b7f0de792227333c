"""Operate the search index: `--rebuild` (a new index, swapped in without downtime, then the changes
made meanwhile replayed), `--check` (differences between the database and each engine, or "rebuild needed"
when an engine's index is missing, not the portal's or of another mapping version; exit status 1 when there
are any), `--drain` (apply the pending outbox now) and, with no option, a short status."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from search import engines
from search.documents import all_documents
from search.engines.base import Engine, EngineUnavailable
from search.sync import drain, pending_count, replay_since


class Command(BaseCommand):
    help = "Rebuild, check or sync the search index."

    def add_arguments(self, parser: ArgumentParser) -> None:
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--rebuild", action="store_true", help="Build a new index and switch to it.")
        action.add_argument("--check", action="store_true", help="Compare the index with the database.")
        action.add_argument("--drain", action="store_true", help="Apply pending changes now.")
        parser.add_argument(
            "--engine",
            choices=["all", "database", "elasticsearch"],
            default="all",
            help="Which engine to act on (default: every configured engine).",
        )
        parser.add_argument("--show", type=int, default=20, help="How many differing keys --check lists.")

    def handle(
        self, *args: Any, rebuild: bool, check: bool, drain: bool, engine: str, show: int, **options: Any
    ) -> None:
        targets = self._targets(engine)
        if rebuild:
            self._rebuild(targets)
        elif check:
            self._check(targets, show)
        elif drain:
            self._drain()
        else:
            self._status(targets)

    def _targets(self, name: str) -> list[Engine]:
        targets = engines.engines()
        if name != "all":
            targets = [engine for engine in targets if engine.name == name]
            if not targets:
                raise CommandError(f"The {name} engine is not configured (ELASTICSEARCH_URL is not set).")
        return targets

    def _rebuild(self, targets: list[Engine]) -> None:
        started = timezone.now()
        for engine in targets:
            try:
                count = engine.rebuild(all_documents())
            except EngineUnavailable as failure:
                raise CommandError(
                    f"{engine.name}: cannot rebuild, the engine is unavailable ({failure})."
                ) from failure
            self.stdout.write(f"{engine.name}: {count} documents indexed")
        replayed = replay_since(started, targets)
        if not replayed.ok:
            raise CommandError(f"Changes made during the rebuild could not be replayed: {replayed.failed}")
        self.stdout.write(f"replayed {replayed.pages} pages changed during the rebuild")
        if len(targets) == len(engines.engines()):
            # Waiting changes are now in the new index, but only a drain to every engine may mark them done.
            waiting = drain()
            if not waiting.ok:
                raise CommandError(f"Waiting changes could not be applied: {waiting.failed}; they stay pending.")
        self.stdout.write(self.style.SUCCESS("Rebuild done."))

    def _check(self, targets: list[Engine], show: int) -> None:
        expected = {doc.key: doc.digest for doc in all_documents()}
        differences = 0
        rebuild_needed = False
        for engine in targets:
            try:
                reason = engine.rebuild_reason()
            except EngineUnavailable as failure:
                raise CommandError(f"{engine.name}: cannot check, the engine is unavailable ({failure}).") from failure
            if reason:  # reading its documents would only list what a rebuild replaces (and create an empty index)
                differences += 1
                rebuild_needed = True
                self.stdout.write(f"{engine.name}: rebuild needed: {reason}")
                continue
            try:
                actual = engine.digests()
            except EngineUnavailable as failure:
                raise CommandError(f"{engine.name}: cannot check, the engine is unavailable ({failure}).") from failure
            missing = sorted(expected.keys() - actual.keys())
            extra = sorted(actual.keys() - expected.keys())
            stale = sorted(key for key in expected.keys() & actual.keys() if expected[key] != actual[key])
            differences += len(missing) + len(extra) + len(stale)
            self.stdout.write(
                f"{engine.name}: {len(expected)} expected, {len(actual)} indexed, "
                f"{len(missing)} missing, {len(extra)} not in the database, {len(stale)} out of date"
            )
            for label, keys in (("missing", missing), ("extra", extra), ("stale", stale)):
                for key in keys[:show]:
                    self.stdout.write(f"  {label}: {key}")
        pending = pending_count()
        if pending:
            self.stdout.write(f"{pending} changes are waiting in the outbox")
        if differences:
            advice = (
                " Rebuild needed: run search_index --rebuild, or let the next drain do it." if rebuild_needed else ""
            )
            raise CommandError(
                f"The index differs from the database ({differences} differences).{advice}", returncode=1
            )
        self.stdout.write(self.style.SUCCESS("The index matches the database."))

    def _drain(self) -> None:
        result = drain()
        self.stdout.write(f"{result.pages} pages, {result.documents} documents sent")
        if not result.ok:
            raise CommandError(f"Some engines were unavailable: {result.failed}; the changes stay pending.")

    def _status(self, targets: list[Engine]) -> None:
        for engine in targets:
            try:
                alive = engine.ping()
            except EngineUnavailable:
                alive = False
            self.stdout.write(f"{engine.name}: {'answering' if alive else 'NOT ANSWERING'}")
        self.stdout.write(f"{pending_count()} changes waiting in the outbox")
