"""The portal started as `make run` starts it (scripts/run.sh: runserver with portal.settings.demo) shows its
own Vietnamese error pages in Chromium, never Django's debug page with a traceback, and still serves its
styles and scripts with DEBUG off.

The server is a real runserver process on a copy of the test database (SQLite, file); the signed-in
viewer's session is made here and carried over as a cookie. The server error is a real one: a table the
header reads is dropped from that copy while the server runs, so no URL exists only for the test.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from django.db import connection
from django.test import Client

import pytest
from playwright.sync_api import Browser, Response

ROOT = Path(__file__).resolve().parents[2]
RUN_SH = ROOT / "scripts" / "run.sh"
DEBUG_PAGE_MARKS = ("Traceback", "DEBUG = True", "Django", "Request Method", "OperationalError", "no such table")


def settings_module_of_make_run() -> str:
    """The settings module scripts/run.sh exports, read from the script itself."""
    for line in RUN_SH.read_text(encoding="utf-8").splitlines():
        if line.startswith("export DJANGO_SETTINGS_MODULE="):
            return line.split("=", 1)[1].strip()
    raise AssertionError("scripts/run.sh does not choose a settings module")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def demo_server(tmp_path, lan_viewer) -> Iterator[tuple[str, str, Path]]:
    """(address, session cookie of Lan, database file) of a runserver started as `make run` starts it."""
    if connection.vendor != "sqlite":
        pytest.skip("make run serves SQLite; the server here runs on a copy of the SQLite test database")
    client = Client()
    client.force_login(lan_viewer)
    session = client.cookies["sessionid"].value
    database = tmp_path / "db.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(database) as copy:
        connection.connection.backup(copy)
    port = free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"} and not key.startswith("PYTEST")
    }
    environment.update(
        DJANGO_SETTINGS_MODULE=settings_module_of_make_run(),
        VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{database}",
        MEDIA_ROOT=str(tmp_path / "media"),
        STATIC_ROOT=str(tmp_path / "static"),
    )
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the server did not start: {server.stderr.read().decode()}") from None
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}", session, database
    finally:
        server.terminate()
        server.wait(timeout=20)


def visit(browser: Browser, address: str, session: str, path: str) -> tuple[Response, str, list[str]]:
    """Open path as Lan; the response, the page's text and every other request that failed."""
    context = browser.new_context(locale="vi-VN", base_url=address)
    context.add_cookies([{"name": "sessionid", "value": session, "url": address}])
    page = context.new_page()
    failed: list[str] = []

    def note_failure(response: Response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            failed.append(f"{response.status} {response.url}")

    page.on("response", note_failure)
    response = page.goto(path)
    assert response is not None
    page.wait_for_load_state("networkidle")
    text = page.locator("body").inner_text()
    html = page.content()
    context.close()
    return response, text + html, failed


def test_make_run_shows_the_portals_own_vietnamese_error_pages(browser: Browser, demo_server):
    address, session, database = demo_server

    response, page, failed = visit(browser, address, session, "/khong-co-trang-nay/")
    assert response.status == 404
    assert "Không tìm thấy trang này" in page
    assert "Về trang chủ" in page
    assert not [mark for mark in DEBUG_PAGE_MARKS if mark in page]
    assert failed == []  # the page's styles and scripts are served with DEBUG off

    with sqlite3.connect(database) as broken:  # every page's header counts the unread notifications
        broken.execute("DROP TABLE notifications_notification")
    response, page, failed = visit(browser, address, session, "/")
    assert response.status == 500
    assert "Cổng đang gặp sự cố" in page
    assert not [mark for mark in DEBUG_PAGE_MARKS if mark in page]
    assert failed == []
