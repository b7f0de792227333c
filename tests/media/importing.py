"""`manage.py import_recordings` as the tests run it: `run(...)` returns what it printed and the error it
stopped with, if any."""

from __future__ import annotations

from io import StringIO

from django.core.management import CommandError, call_command


def run(*args: str) -> tuple[str, str, CommandError | None]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import_recordings", *args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None
