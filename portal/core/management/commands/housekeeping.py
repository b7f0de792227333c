"""Run the site's periodic duties (portal.core.housekeeping): once, or in a loop until asked to stop.

    manage.py housekeeping                 # every duty that is due, once (a systemd timer); exit 1 if one failed
    manage.py housekeeping --force         # every duty now, due or not
    manage.py housekeeping --loop 60       # wake every 60 s and run the duties that are due (a service)
    manage.py housekeeping --duty media.workdir.sweep_work_dir --json
    manage.py housekeeping --list

Several machines may run it at once: a duty on the site's shared state runs on one machine at a time, the
others skip it; a duty on a machine's own disk runs on each. When each duty last started is remembered
(portal.core.housekeeping.is_due), so a timer running this every minute still runs an hourly duty hourly.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection

from portal.core import housekeeping
from portal.core.housekeeping import Duty, Report

STOP_SIGNALS = [signal.SIGINT, signal.SIGTERM]


class Command(BaseCommand):
    help = "Run the periodic duties the apps register (requeue stalled jobs, retry the search outbox, clean up)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--loop", type=float, metavar="SECONDS", help="wake every SECONDS, run what is due")
        mode.add_argument("--once", action="store_true", help="run the duties that are due and exit (the default)")
        mode.add_argument("--list", action="store_true", dest="list_only", help="list the registered duties and exit")
        parser.add_argument("--duty", action="append", dest="names", metavar="CALL", help="only this duty; repeatable")
        parser.add_argument(
            "--force", action="store_true", help="without --loop: run every selected duty now, due or not"
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print what ran as JSON, a line per round"
        )

    def handle(
        self,
        *args: Any,
        loop: float | None,
        once: bool,
        list_only: bool,
        names: list[str] | None,
        as_json: bool,
        force: bool = False,
        **options: Any,
    ) -> None:
        self.verbosity = int(options.get("verbosity", 1))
        selected = self.select(names)
        if list_only:
            for duty in selected:
                where = "each machine" if duty.per_machine else "one machine at a time"
                self.stdout.write(f"{duty.name}\tevery {duty.seconds():g} s\t{where}\t({duty.app})")
            return
        if loop is None:
            report = housekeeping.run(selected, when_due=not force)
            self.show(report, as_json=as_json)
            if not report.ok:
                raise CommandError(f"housekeeping failed: {', '.join(report.failed)}")
            return
        if loop <= 0:
            raise CommandError("--loop takes a number of seconds greater than 0")
        self.run_loop(selected, loop, as_json=as_json)

    def select(self, names: list[str] | None) -> list[Duty]:
        registered = housekeeping.duties()
        if not names:
            return registered
        known = {duty.name: duty for duty in registered}
        unknown = [name for name in names if name not in known]
        if unknown:
            raise CommandError(f"no such housekeeping duty: {', '.join(unknown)} (see --list)")
        return [duty for duty in registered if duty.name in names]

    def show(self, report: Report, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(report.as_dict()))
            return
        for outcome in report.outcomes:
            if outcome.not_due:
                line = f"{outcome.duty}: not due"
            elif outcome.skipped:
                line = f"{outcome.duty}: skipped (running elsewhere)"
            elif outcome.ok:
                line = f"{outcome.duty}: done" + ("" if outcome.result is None else f" ({outcome.result})")
            else:
                line = f"{outcome.duty}: FAILED {outcome.error}"
            self.stdout.write(line, style_func=None if outcome.ok else self.style.ERROR)

    def run_loop(self, selected: list[Duty], every: float, *, as_json: bool) -> None:
        """Run each duty when it is due (at once, then every its own interval), waking every `every` seconds,
        until SIGTERM or SIGINT; a second signal exits at once."""
        stop = threading.Event()
        previous = {number: signal.getsignal(number) for number in STOP_SIGNALS}

        def stop_soon(number: int, frame: FrameType | None) -> None:
            if stop.is_set():
                raise SystemExit(1)
            stop.set()

        for number in STOP_SIGNALS:
            signal.signal(number, stop_soon)
        due = dict.fromkeys((duty.name for duty in selected), 0.0)
        if not as_json:
            self.stdout.write(f"Housekeeping: {len(selected)} duties, waking every {every:g} s")
        try:
            while not stop.is_set():
                close_old_connections()
                now = time.monotonic()
                ready = [duty for duty in selected if due[duty.name] <= now]
                if ready:
                    report = housekeeping.run(ready)
                    for duty in ready:
                        due[duty.name] = now + duty.seconds()
                    if as_json or not report.ok or self.verbosity > 1:
                        self.show(report, as_json=as_json)
                stop.wait(every)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            connection.close()
        if not as_json:
            self.stdout.write("Housekeeping stopped.")
