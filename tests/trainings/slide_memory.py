"""Reading a PDF's slide pages in a process of its own, to measure memory: the worker's (VmHWM, not ru_maxrss,
which starts from the peak of the test process it was forked from) and its drawing child's (RUSAGE_CHILDREN)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

HARNESS = r"""
import json, resource, sys
import django
django.setup()
from portal.trainings import slides

class Document:  # what reading the pages needs of a Wagtail document
    pk = 1
    def open_file(self):
        return open(sys.argv[1], "rb")

def peak_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024

before = peak_mb()
ceiling = 1536 * 1024 * 1024  # so that a regression fails the test rather than the machine
resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
try:
    pages = [
        {"number": page.number, "text": page.text, "thumbnail": bool(page.thumbnail), "note": page.note}
        for page in slides._read_pages(Document(), "slides/1/test")
    ]
    outcome = {"pages": pages}
except slides.SlidesRejected as rejection:
    outcome = {"rejected": str(rejection)}
outcome["worker_grew_mb"] = peak_mb() - before
outcome["drawing_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps(outcome))
"""


def read_pages_apart(pdf: Path, media_root: Path, **settings: str) -> dict[str, Any]:
    """{"pages": [...]} or {"rejected": message}, with "worker_grew_mb" and "drawing_mb"; `settings` go to the
    environment (e.g. SLIDE_RENDER_MEMORY_MB="192")."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", "MEDIA_ROOT": str(media_root), **settings}
    done = subprocess.run(
        [sys.executable, "-c", HARNESS, str(pdf)], capture_output=True, env=env, cwd=ROOT, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    return json.loads(done.stdout.decode().splitlines()[-1])
