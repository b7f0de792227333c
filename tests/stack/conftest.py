"""Fixtures for the smoke suite that runs through the loopback production stack (`make stack-test`).

The stack is brought up by `scripts/stack.py up` before pytest starts and taken down after it; these tests only
talk to it: over HTTPS through nginx (self-signed certificate, so verification is off), and to its database and
object store for what a user cannot see. Without a running stack every test here is skipped with the reason.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from urllib3.exceptions import InsecureRequestWarning

ROOT = Path(__file__).resolve().parent.parent.parent
STATE = ROOT / "var" / "stack" / "stack.json"
STACK_DIR = Path(__file__).resolve().parent
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/stack/ carries the `stack` marker (deselected from `make pytest`)."""
    for item in items:
        if STACK_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.stack)


def _running(state: dict[str, Any]) -> bool:
    pids = state.get("pids") or {}
    if not pids or "nginx" not in pids:
        return False
    return all(Path(f"/proc/{pid}").exists() for pid in pids.values())


@pytest.fixture(scope="session")
def stack() -> dict[str, Any]:
    """var/stack/stack.json of the running stack: url, env_file, media_root, var_dir, s3, database_url,
    redis_url, users, pids (contract 1 of issue 12)."""
    try:
        state = json.loads(STATE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    if not _running(state):
        reason = "the loopback stack is not running (make stack-test brings it up, runs these and takes it down)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return state


@pytest.fixture(scope="session")
def stack_env(stack: dict[str, Any]) -> dict[str, str]:
    """os.environ with the stack's environment file on top: for running manage.py against the stack."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    for line in Path(stack["env_file"]).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            environ[key.strip()] = value.strip()
    return environ


class StackSession(requests.Session):
    """A requests session against the stack: relative URLs, no certificate check, no proxies from the
    environment (REQUESTS_CA_BUNDLE would otherwise win over verify=False), and a form login."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url
        self.verify = False
        self.trust_env = False

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", 60)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureRequestWarning)
            return super().request(method, urljoin(self.base_url, url), *args, **kwargs)

    def csrf_headers(self) -> dict[str, str]:
        """What the portal's scripts send with a JSON request: the CSRF token and a same-origin Origin."""
        origin = self.base_url.rstrip("/")
        return {"X-CSRFToken": self.cookies.get("csrftoken", ""), "Origin": origin, "Referer": origin + "/"}

    def ffprobe(self, url: str, entries: str = "stream=codec_type,codec_name,width,height") -> Any:
        """ffprobe reading `url` (a master playlist) as a player with this session would: its session cookie on
        every request (the signed segment addresses are bound to it); none when anonymous. Self-signed TLS:
        ffprobe does not verify certificates by default."""
        cookie = self.cookies.get("sessionid")
        headers = ["-headers", f"Cookie: sessionid={cookie}\r\n"] if cookie else []
        return subprocess.run(
            ["ffprobe", "-v", "error", *headers, "-show_entries", entries, "-of", "json", urljoin(self.base_url, url)],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    def login(self, username: str, password: str, **kwargs: Any) -> requests.Response:
        form = self.get("/dang-nhap/")
        form.raise_for_status()
        token = CSRF_INPUT.search(form.text)
        assert token, "the login form has no CSRF token"
        return self.post(
            "/dang-nhap/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token.group(1), "next": ""},
            headers={"Referer": urljoin(self.base_url, "/dang-nhap/"), **kwargs.pop("headers", {})},
            allow_redirects=False,
            **kwargs,
        )


@pytest.fixture
def https(stack: dict[str, Any]) -> Iterator[Any]:
    """Make sessions: `https()` is anonymous, `https("editor")` logged in through the form as a demo user."""
    sessions: list[StackSession] = []

    def make(username: str | None = None) -> StackSession:
        session = StackSession(stack["url"])
        sessions.append(session)
        if username:
            answer = session.login(username, stack["users"][username])
            assert answer.status_code == 302, f"log-in as {username} answered {answer.status_code}"
            assert "sessionid" in session.cookies
        return session

    yield make
    for session in sessions:
        session.close()


@pytest.fixture(scope="session")
def stack_db(stack: dict[str, Any]) -> Iterator[Any]:
    """A connection to the stack's database (autocommit), to read what users cannot see."""
    import psycopg

    url = stack["database_url"].replace("postgres://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as connection:
        yield connection


@pytest.fixture(scope="session")
def s3(stack: dict[str, Any]) -> Any:
    """A boto3 client of the stack's object store (moto's server)."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=stack["s3"]["endpoint"],
        aws_access_key_id=stack["s3"].get("access_key", "stack"),
        aws_secret_access_key=stack["s3"].get("secret_key", "stack"),
        region_name="us-east-1",
    )
