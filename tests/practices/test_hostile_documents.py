"""A hostile document costs the web process nothing: its text is read in a process of its own, bounded in
memory and time, streamed where it can be, and refused before it is unpacked when it unpacks into too much.

Memory is measured where it is spent, never in the test process: a `python -c` stands for the web process,
calls check_and_extract, and reports its own peak (VmHWM: its ru_maxrss would start from the test process's,
which it was forked from) and that of the reading process it waited for (RUSAGE_CHILDREN). Reading the
95 MB .docx in the web process itself, as it was done before, cost it 1.2 GB and many seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.practices.documents import make_docx_of_repeated_runs, make_odt_of_many_spans

ROOT = Path(__file__).resolve().parents[2]
WEB_PROCESS_BOUND_MB = 100  # the harness's own interpreter, Django's settings and our modules: about 30

HARNESS = r"""
import json, resource, sys, time
from pathlib import Path
from portal.practices.extraction import DocumentRejected, check_and_extract

path = Path(sys.argv[1])
started = time.monotonic()
try:
    read = check_and_extract(path, path.name)
    result = {"kind": read.kind, "chars": len(read.text), "truncated": read.truncated}
except DocumentRejected as rejected:
    result = {"refused": rejected.code}
result["seconds"] = time.monotonic() - started
with open("/proc/self/status") as status:
    result["web_mb"] = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
result["reader_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps(result))
"""


def read_as_the_web_process(path: Path, **environment: int) -> dict:
    """Check `path` as the submission form does, in a fresh process with the given settings (environment)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    env.update({name: str(value) for name, value in environment.items()})
    done = subprocess.run(
        [sys.executable, "-c", HARNESS, str(path)], capture_output=True, env=env, cwd=ROOT, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    return json.loads(done.stdout.decode().splitlines()[-1])


@pytest.fixture(scope="module")
def word_bomb(tmp_path_factory) -> Path:
    """10 MB of .docx holding 95 MB of XML: no entry is compressed more than 100 to 1."""
    path = make_docx_of_repeated_runs(tmp_path_factory.mktemp("hostile") / "bao-cao.docx", unpacked_mb=95)
    assert path.stat().st_size < 15 * 1024 * 1024
    return path


def test_a_docx_holding_95_mb_of_xml_is_refused_before_it_is_parsed(word_bomb):
    result = read_as_the_web_process(word_bomb)

    assert result["refused"] == "unpacked_too_large"
    assert result["web_mb"] < WEB_PROCESS_BOUND_MB
    assert result["reader_mb"] < 256


def test_within_a_larger_unpacked_bound_its_xml_is_streamed_in_flat_memory(word_bomb):
    result = read_as_the_web_process(word_bomb, DOCUMENT_MAX_UNPACKED_MB=200)

    assert result["kind"] == "docx" and result["truncated"]
    assert 400_000 < result["chars"] <= 500_000  # the first MAX_TEXT_CHARS, then the reading stops
    assert result["web_mb"] < WEB_PROCESS_BOUND_MB
    assert result["reader_mb"] < 150  # python-docx needed about ten times the XML's size


@pytest.fixture(scope="module")
def heavy_odt(tmp_path_factory) -> Path:
    """An .odt of 8 MB of XML: odfpy, which builds the whole tree, needs some 300 MB and 10 s to read it."""
    return make_odt_of_many_spans(tmp_path_factory.mktemp("heavy") / "bao-cao.odt", unpacked_mb=8)


def test_a_document_that_needs_more_memory_than_allowed_is_refused(heavy_odt):
    result = read_as_the_web_process(heavy_odt, DOCUMENT_READ_MEMORY_MB=80, DOCUMENT_READ_SECONDS=60)

    assert result["refused"] == "too_demanding"
    assert 50 < result["reader_mb"] <= 80  # it got going, then hit the ceiling
    assert result["web_mb"] < WEB_PROCESS_BOUND_MB


def test_a_document_that_takes_longer_than_allowed_is_stopped_and_refused(heavy_odt):
    result = read_as_the_web_process(heavy_odt, DOCUMENT_READ_MEMORY_MB=2048, DOCUMENT_READ_SECONDS=1)

    assert result["refused"] == "too_demanding"
    assert result["seconds"] < 3
    assert result["web_mb"] < WEB_PROCESS_BOUND_MB
