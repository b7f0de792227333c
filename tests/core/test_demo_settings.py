"""What `make run` prints: the settings it runs with keep the workers' per-task lines ("Task id=… state=…")
out of the terminal, where hundreds of them buried the portal's address, and still print a failed task."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN_SH = ROOT / "scripts" / "run.sh"

# What django-tasks logs around each task, through its own logger, then what a failing one logs.
LOG_AS_A_WORKER_DOES = """
import django, logging
django.setup()
tasks = logging.getLogger("django_tasks")
tasks.info("Task id=abc path=wagtail.tasks.update_reference_index_task state=RUNNING")
tasks.info("Task id=abc path=wagtail.tasks.update_reference_index_task state=SUCCESSFUL")
tasks.error("Task id=def path=media.tasks.transcode state=FAILED")
"""


def settings_module_of_make_run() -> str:
    for line in RUN_SH.read_text(encoding="utf-8").splitlines():
        if line.startswith("export DJANGO_SETTINGS_MODULE="):
            return line.split("=", 1)[1].strip()
    raise AssertionError("scripts/run.sh does not choose a settings module")


def run_with_make_run_settings(code: str, tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in {"TASKS_LOG_LEVEL", "LOG_LEVEL"}}
    environment.update(
        DJANGO_SETTINGS_MODULE=settings_module_of_make_run(),
        VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **extra,
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )


def test_make_run_prints_no_line_per_task_but_prints_a_failed_one(tmp_path):
    printed = run_with_make_run_settings(LOG_AS_A_WORKER_DOES, tmp_path)
    output = printed.stdout + printed.stderr
    assert "state=RUNNING" not in output
    assert "state=SUCCESSFUL" not in output
    assert "state=FAILED" in output


def test_the_per_task_lines_come_back_when_asked_for(tmp_path):
    printed = run_with_make_run_settings(LOG_AS_A_WORKER_DOES, tmp_path, TASKS_LOG_LEVEL="INFO")
    assert "state=RUNNING" in printed.stdout + printed.stderr
