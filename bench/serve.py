"""`make bench-serve`: the production stack under viewers and readers, from a bounded load generator.

Brings the loopback stack up (`scripts/stack.py up`, or reuses one that answers; it is brought down at the
end only if this run started it), makes sure one ready recording exists (a generated clip imported through
the stack's own settings and converted by its workers when none is there), then, over HTTPS to nginx:

1. **Viewers, signed segments (nginx):** N simulated players (2,000; `--viewers`) spread over a handful of
   logged-in sessions. Each fetches the master playlist once (Django checks permission), then its first
   variant playlist, then the next segment of that rendition every segment duration (HLS_SEGMENT_SECONDS),
   starting staggered over one segment duration, for `--seconds`. The addresses are the signed `/hls/` ones
   the master lists; past the signature's lifetime the viewer asks for the master again, as the player does.
   At the same time, 50 signed-in readers (`--readers`) browse pages, search and call the search API, each
   pausing a think time between pages (`--think`, 5 s on average: people read what they opened).
2. **Viewers, Django-checked segments:** a smaller group (`--django-viewers`) doing the same through the
   portal's own `/media/v/<key>/...` view, which checks permission in the database for every file (the way
   segments were served before signed addresses) and hands the bytes to nginx by X-Accel.
3. **Capacity:** `--burst-connections` clients fetch segments back to back (closed loop) for
   `--burst-seconds`, first through the signed path, then through Django: the ratio of the two rates. Then the
   readers ask for pages back to back (no think time, no viewers): the pages a second the portal can answer.

It prints, for each: requests/s, p50/p95/p99 latency, errors by status, the viewers held (every segment
arrived before the next one was due), the load generator's own CPU and event-loop lag, the targets beside
the figures, a verdict line, and one JSON line with every figure (the last line of the output). A missed
target is reported, never an error. See bench/README.md for how to read it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import busy_seconds, percentile  # noqa: E402

STACK_JSON = ROOT / "var" / "stack" / "stack.json"
PYTHON = sys.executable

TARGETS = {
    "viewers": 2000,  # simulated viewers held, with zero errors
    "segment_p95_ms": 50.0,  # segments through nginx, 95th percentile
    "page_p95_ms": 300.0,  # pages, searches and API calls at 50 readers
}

# What the readers search for: the sector's words, with and without diacritics, an acronym, a phrase.
QUERIES = [
    "kiểm sát viên",
    "tạm giam",
    "chứng cứ điện tử",
    "phiên tòa hình sự",
    "kiem sat",
    "BLTTHS",
    "hòa giải",
    "truy tố",
    "kỹ năng xét hỏi",
    "an toàn thông tin",
]

# Run inside the stack's Django (manage.py shell): the ready recordings, who of our users may see each, the
# pages to browse and the HLS settings. One line, prefixed, so the shell's own chatter is ignored.
DISCOVER = r"""
import json
from django.conf import settings
from django.contrib.auth import get_user_model
from wagtail.models import Page
from media.models import Video
from media.permissions import can_view

names = json.loads(NAMES)
users = {user.username: user for user in get_user_model().objects.filter(username__in=names, is_active=True)}
videos = []
for video in Video.objects.filter(state="ready").exclude(output_dir=""):
    videos.append({
        "key": str(video.key),
        "output_dir": video.output_dir,
        "master_url": video.master_url,
        "duration": float(video.duration or 0),
        "viewers": [name for name, user in users.items() if can_view(user, video)],
    })
pages = {}
for page in Page.objects.live().public().specific().order_by("-last_published_at")[:300]:
    url = page.get_url()
    if url and url.startswith("/"):
        pages.setdefault(type(page).__name__, [])
        if len(pages[type(page).__name__]) < 5:
            pages[type(page).__name__].append(url)
print("BENCH-JSON:" + json.dumps({
    "videos": videos,
    "pages": pages,
    "segment_seconds": getattr(settings, "HLS_SEGMENT_SECONDS", 6),
    "signature_seconds": getattr(settings, "HLS_SIGNATURE_SECONDS", 0),
}))
"""


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the stack ---------------------------------------------------------------------------------------------


def answers(url: str) -> bool:
    """Does anything answer HTTP at url (any status: /healthz says 503 when a dependency is degraded)?"""
    import ssl

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(urllib.parse.urljoin(url, "healthz"), timeout=5, context=context):  # noqa: S310
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def stack_up() -> tuple[dict[str, Any], bool]:
    """The running stack's description, and whether this run started it."""
    if STACK_JSON.exists():
        stack = json.loads(STACK_JSON.read_text())
        if answers(stack["url"]):
            say(f"Reusing the stack already up at {stack['url']} (left running at the end).")
            return stack, False
    script = ROOT / "scripts" / "stack.py"
    if not script.exists():
        raise SystemExit("scripts/stack.py is not there yet: start a server and pass --url, --user and --env-file.")
    say("Bringing the stack up (scripts/stack.py up)...")
    subprocess.run([PYTHON, str(script), "up"], cwd=ROOT, check=True, stdout=sys.stderr)  # noqa: S603
    return json.loads(STACK_JSON.read_text()), True


def stack_down() -> None:
    say("Bringing the stack down (scripts/stack.py down)...")
    subprocess.run(  # noqa: S603
        [PYTHON, str(ROOT / "scripts" / "stack.py"), "down"], cwd=ROOT, check=False, stdout=sys.stderr
    )


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, value = line.removeprefix("export ").split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip()] = value
    return values


def manage(env: dict[str, str], *arguments: str, timeout: float = 600) -> str:
    result = subprocess.run(  # noqa: S603
        [PYTHON, str(ROOT / "manage.py"), *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {arguments[0]} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def discover(env: dict[str, str], names: list[str]) -> dict[str, Any]:
    output = manage(env, "shell", "-c", f"NAMES = {json.dumps(json.dumps(names))}\n{DISCOVER}")
    for line in output.splitlines():
        if line.startswith("BENCH-JSON:"):
            return json.loads(line.removeprefix("BENCH-JSON:"))
    raise RuntimeError(f"manage.py shell said nothing usable:\n{output[-2000:]}")


def make_clip(seconds: int) -> Path:
    """A small test pattern with a tone, cached under $TMPDIR/portal-bench/."""
    folder = Path(tempfile.gettempdir()) / "portal-bench"
    folder.mkdir(parents=True, exist_ok=True)
    clip = folder / f"serve-clip-{seconds}s.mp4"
    if not clip.exists():
        partial = clip.with_suffix(".partial.mp4")
        command = ["ffmpeg", "-v", "error", "-y"]
        command += ["-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=25:duration={seconds}"]
        command += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
        command += ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "50"]
        command += ["-c:a", "aac", "-b:a", "64k", "-shortest", str(partial)]
        subprocess.run(command, check=True)  # noqa: S603
        partial.rename(clip)
    return clip


def ensure_recording(
    env: dict[str, str], names: list[str], clip_seconds: int, wait: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A ready recording some of our users may see (the longest such), importing and converting one if none."""
    found = discover(env, names)
    usable = [video for video in found["videos"] if video["viewers"]]
    if not usable:
        clip = make_clip(clip_seconds)
        say(f"No ready recording our users may see: importing {clip.name} and waiting for its conversion...")
        output = manage(env, "import_recordings", "--json", str(clip))
        say("  " + output.strip().splitlines()[-1])
        deadline = time.monotonic() + wait
        while not usable:
            if time.monotonic() > deadline:
                raise RuntimeError(f"The imported recording was not converted within {wait:.0f} s (--convert-wait).")
            time.sleep(5)
            found = discover(env, names)
            usable = [video for video in found["videos"] if video["viewers"]]
    video = max(usable, key=lambda video: (len(video["viewers"]), video["duration"]))
    return video, found


# --- HTTP --------------------------------------------------------------------------------------------------


@dataclass
class Stats:
    """Latencies and outcomes of one kind of request in one phase."""

    name: str
    latencies: list[float] = field(default_factory=list)  # successful requests, seconds
    outcomes: Counter[str] = field(default_factory=Counter)
    bytes: int = 0
    started: float = 0.0
    ended: float = 0.0

    def add(self, seconds: float, outcome: str, size: int = 0) -> None:
        self.outcomes[outcome] += 1
        if outcome == "200":
            self.latencies.append(seconds)
            self.bytes += size

    @property
    def count(self) -> int:
        return sum(self.outcomes.values())

    @property
    def errors(self) -> dict[str, int]:
        return {outcome: count for outcome, count in sorted(self.outcomes.items()) if outcome != "200"}

    def figures(self) -> dict[str, Any]:
        span = max(self.ended - self.started, 1e-9)
        return {
            "requests": self.count,
            "requests_per_second": round(self.count / span, 1),
            "p50_ms": round(percentile(self.latencies, 0.50) * 1000, 1),
            "p95_ms": round(percentile(self.latencies, 0.95) * 1000, 1),
            "p99_ms": round(percentile(self.latencies, 0.99) * 1000, 1),
            "max_ms": round(max(self.latencies, default=0.0) * 1000, 1),
            "errors": self.errors,
            "ok_per_second": round(len(self.latencies) / span, 1),
            "megabytes_per_second": round(self.bytes / span / 1e6, 2),
        }


@dataclass
class Session:
    username: str
    cookie: str  # the Cookie header: sessionid (which the signature is bound to) and csrftoken


class Client:
    """One aiohttp session with a fixed pool of keep-alive connections to nginx; each request carries the
    Cookie header of the simulated user's session (no cookie jar: many users share the pool)."""

    def __init__(self, base: str, connections: int, timeout: float) -> None:
        import aiohttp

        self.aiohttp = aiohttp
        self.base = base
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        # Idle connections are dropped before nginx's keepalive_timeout (65 s) would close them under a request.
        connector = aiohttp.TCPConnector(limit=connections, limit_per_host=connections, ssl=False, keepalive_timeout=30)
        self.http = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())
        self.connections = connections
        self.in_flight = 0
        self.peak_in_flight = 0  # reaching `connections` means requests waited for a free connection

    async def close(self) -> None:
        await self.http.close()

    async def get(self, path: str, session: Session, stats: Stats | None) -> tuple[str, bytes, float]:
        """GET base+path; the outcome ("200", another status, or the exception's name), body and seconds."""
        url = urllib.parse.urljoin(self.base, path)
        body = b""
        begin = time.perf_counter()
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            async with self.http.get(
                url, headers={"Cookie": session.cookie}, allow_redirects=False, timeout=self.timeout
            ) as response:
                body = await response.read()
                outcome = str(response.status)
                if outcome == "200" and not body:
                    outcome = "200-empty"
        except TimeoutError:
            outcome = "timeout"
        except self.aiohttp.ClientError as error:
            outcome = type(error).__name__
        finally:
            self.in_flight -= 1
        seconds = time.perf_counter() - begin
        if stats is not None:
            stats.add(seconds, outcome, len(body))
        return outcome, body, seconds

    async def login(self, username: str, password: str) -> Session:
        """Sign in through the login form, as a browser does (its own cookie jar, CSRF token, Referer)."""
        aiohttp = self.aiohttp
        login_url = urllib.parse.urljoin(self.base, "/dang-nhap/")
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=False), cookie_jar=aiohttp.CookieJar(unsafe=True)
        ) as browser:
            async with browser.get(login_url) as response:
                page = await response.text()
            match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            if not match:
                raise RuntimeError(f"No login form at {login_url} (status {response.status}).")
            form = {"csrfmiddlewaretoken": match.group(1), "username": username, "password": password, "next": "/"}
            async with browser.post(
                login_url, data=form, headers={"Referer": login_url}, allow_redirects=False
            ) as response:
                if response.status != 302:
                    raise RuntimeError(f"Signing in as {username} failed (status {response.status}).")
            cookies = {cookie.key: cookie.value for cookie in browser.cookie_jar}
        if "sessionid" not in cookies:
            raise RuntimeError(f"Signing in as {username} set no session cookie.")
        return Session(username, "; ".join(f"{name}={value}" for name, value in cookies.items()))


# --- playlists ---------------------------------------------------------------------------------------------


def first_variant(master: str) -> str:
    """The first variant playlist a master lists (the lowest rung: the ladder lists them from the smallest)."""
    lines = [line.strip() for line in master.splitlines()]
    for number, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF"):
            for following in lines[number + 1 :]:
                if following and not following.startswith("#"):
                    return following
    raise ValueError("no variant playlist in the master playlist")


def segment_uris(playlist: str) -> list[str]:
    return [line.strip() for line in playlist.splitlines() if line.strip() and not line.startswith("#")]


RENEW_MARGIN = 10.0  # seconds of validity a viewer keeps in hand before asking for a fresh signature
SIGNED = re.compile(r"^/hls/[^/]+/(\d+)/")


def expiry_of(url: str) -> float | None:
    """The expiry (Unix time) of a signed /hls/<token>/<expires>/... address, None if it is not one."""
    match = SIGNED.match(urllib.parse.urlsplit(url).path)
    return float(match.group(1)) if match else None


def django_address(url: str, video: dict[str, Any]) -> str:
    """The portal's own permission-checked address of a file a signed address names."""
    path = urllib.parse.urlsplit(url).path
    marker = "/" + video["output_dir"].strip("/") + "/"
    if path.startswith("/hls/") and marker in path:
        return f"/media/v/{video['key']}/{path.split(marker, 1)[1]}"
    return path


@dataclass
class Stream:
    """What a viewer plays: its rendition's segment addresses and when they stop being valid."""

    segments: list[str]
    expires: float | None


def signed_prefix(url: str) -> str:
    """The signed prefix of an address: /hls/<token>/<expires>/<output_dir>/, nothing if it is not signed."""
    match = re.match(r"^(/hls/[^/]+/\d+/videos/[^/]+/[^/]+/)", urllib.parse.urlsplit(url).path)
    return match.group(1) if match else ""


async def renew(client: Client, session: Session, video: dict[str, Any], stream: Stream, stats: Stats) -> Stream | None:
    """A fresh signature, as the player asks for one (media.views.hls_signature), put in the segments' addresses."""
    outcome, body, _ = await client.get(f"/media/v/{video['key']}/dia-chi-phat/", session, stats)
    if outcome != "200":
        return None
    fresh = json.loads(body)
    old = signed_prefix(stream.segments[0])
    segments = [
        urllib.parse.urljoin(client.base, fresh["prefix"] + urllib.parse.urlsplit(url).path.removeprefix(old))
        for url in stream.segments
    ]
    return Stream(segments, float(fresh["expires"]))


async def open_stream(
    client: Client, session: Session, video: dict[str, Any], stats: dict[str, Stats], django: bool
) -> Stream | None:
    outcome, body, _ = await client.get(video["master_url"], session, stats["master"])
    if outcome != "200":
        return None
    variant = urllib.parse.urljoin(urllib.parse.urljoin(client.base, video["master_url"]), first_variant(body.decode()))
    if django:
        variant = urllib.parse.urljoin(client.base, django_address(variant, video))
    outcome, body, _ = await client.get(variant, session, stats["rendition"])
    if outcome != "200":
        return None
    segments = [urllib.parse.urljoin(variant, uri) for uri in segment_uris(body.decode())]
    if django:  # the portal's view rewrites every playlist to signed addresses: ask for its own instead
        segments = [urllib.parse.urljoin(client.base, django_address(segment, video)) for segment in segments]
    if not segments:
        return None
    return Stream(segments, None if django else expiry_of(segments[0]))


# --- the load ----------------------------------------------------------------------------------------------


@dataclass
class Viewers:
    """The outcome of one group of simulated viewers."""

    stats: dict[str, Stats]
    held: int = 0
    joined: int = 0
    late: int = 0  # segments that arrived after the next one was due
    issue_lag: list[float] = field(default_factory=list)  # how late the generator asked, seconds
    renewals: int = 0


async def run_viewers(
    client: Client,
    sessions: list[Session],
    video: dict[str, Any],
    count: int,
    seconds: float,
    segment_seconds: float,
    join_concurrency: int,
    django: bool,
    on_watch_start: asyncio.Event | None = None,
) -> Viewers:
    stats = {name: Stats(name) for name in ("master", "rendition", "segment", "renewal")}
    result = Viewers(stats)
    join_gate = asyncio.Semaphore(join_concurrency)
    streams: list[Stream | None] = [None] * count
    join_begin = time.monotonic()
    for kind in ("master", "rendition"):
        stats[kind].started = join_begin

    async def join(index: int) -> None:
        async with join_gate:
            streams[index] = await open_stream(client, sessions[index % len(sessions)], video, stats, django)

    # The players arrive before the measured window (all at once would be a flash crowd on Django, which
    # the master playlists' own figures show); then each plays from its offset within one segment.
    await asyncio.gather(*(join(index) for index in range(count)))
    for kind in ("master", "rendition"):
        stats[kind].ended = time.monotonic()
    result.joined = sum(stream is not None for stream in streams)
    start = time.monotonic() + 0.5
    end = start + seconds
    stats["segment"].started = start
    stats["renewal"].started = start
    if on_watch_start is not None:
        on_watch_start.set()

    async def watch(index: int) -> None:
        stream = streams[index]
        if stream is None:
            return
        session = sessions[index % len(sessions)]
        offset = segment_seconds * index / count
        held = True
        number = 0
        while True:
            due = start + offset + number * segment_seconds
            if due >= end:
                break
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            result.issue_lag.append(max(0.0, time.monotonic() - due))
            outcome, _, _ = await client.get(stream.segments[number % len(stream.segments)], session, stats["segment"])
            arrived = time.monotonic()
            if outcome != "200":
                held = False
            elif arrived > due + segment_seconds:
                held = False
                result.late += 1
            number += 1
            # Renew in the pause before the next segment when the signature would not outlast it by a margin,
            # as the player does (it asks for a fresh prefix ahead of time, never with a segment waiting).
            if stream.expires is not None and time.time() + segment_seconds > stream.expires - RENEW_MARGIN:
                renewed = await renew(client, session, video, stream, stats["renewal"])
                result.renewals += 1
                if renewed is None:
                    held = False
                    break
                stream = renewed
        if held:
            result.held += 1

    await asyncio.gather(*(watch(index) for index in range(count)))
    stats["segment"].ended = stats["renewal"].ended = max(end, time.monotonic())
    return result


def reader_paths(found: dict[str, Any]) -> list[tuple[str, str, float]]:
    """(kind, address, weight): what a reader opens."""
    pages = found["pages"]
    choices: list[tuple[str, str, float]] = [("home", "/", 2.0)]
    for url in pages.get("TrainingPage", [])[:3]:
        choices.append(("training", url, 2.0 / max(1, len(pages.get("TrainingPage", [])[:3]))))
    for kind in ("TrainingIndexPage", "GoodPracticeIndexPage"):
        for url in pages.get(kind, [])[:1]:
            choices.append(("list", url, 1.0))
    choices.append(("list", "/chu-de/", 0.5))
    for url in pages.get("GoodPracticePage", [])[:2]:
        choices.append(("practice", url, 0.5))
    for query in QUERIES:
        quoted = urllib.parse.quote(query)
        choices.append(("search", f"/tim-kiem/?q={quoted}", 2.0 / len(QUERIES)))
        choices.append(("api", f"/api/v1/search/?q={quoted}", 1.5 / len(QUERIES)))
    return choices


async def run_readers(
    client: Client,
    sessions: list[Session],
    choices: list[tuple[str, str, float]],
    count: int,
    seconds: float,
    think: float,
    seed: int,
) -> dict[str, Stats]:
    """`count` readers, each opening a page, waiting a think time drawn around `think` seconds (exponential;
    0: none, a closed loop), and again until the time is up."""
    stats = {"pages": Stats("pages"), **{kind: Stats(kind) for kind in sorted({kind for kind, _, _ in choices})}}
    start = time.monotonic()
    end = start + seconds
    for item in stats.values():
        item.started = start
    weights = [weight for _, _, weight in choices]

    async def read(index: int) -> None:
        chooser = random.Random(seed * 1000 + index)  # noqa: S311 - a load pattern, not a secret
        session = sessions[index % len(sessions)]
        # Spread the first requests over one think time (or a second) so the readers do not march together.
        await asyncio.sleep(chooser.uniform(0, think or 1.0))
        while time.monotonic() < end:
            kind, path, _ = chooser.choices(choices, weights)[0]
            outcome, _, seconds_taken = await client.get(path, session, stats[kind])
            stats["pages"].add(seconds_taken, outcome)
            if think > 0:
                # The pause ends with the phase: a reader still thinking then is not waited for (a 5 s mean
                # draws pauses of half a minute, which would stretch the phase and thin its rate).
                pause = min(chooser.expovariate(1 / think), 10 * think)
                await asyncio.sleep(max(0.0, min(pause, end - time.monotonic())))

    await asyncio.gather(*(read(index) for index in range(count)))
    for item in stats.values():
        item.ended = max(end, time.monotonic())
    return stats


async def burst(client: Client, session: Session, urls: list[str], connections: int, seconds: float) -> Stats:
    """Closed loop: `connections` clients fetch segments back to back for `seconds`."""
    stats = Stats("burst")
    start = time.monotonic()
    end = start + seconds
    stats.started = start

    async def loop(index: int) -> None:
        number = index
        while time.monotonic() < end:
            await client.get(urls[number % len(urls)], session, stats)
            number += connections

    await asyncio.gather(*(loop(index) for index in range(connections)))
    stats.ended = time.monotonic()
    return stats


def tree_cpu_seconds(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds of each named process with all its descendants (and the children they have reaped)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = sum(int(value) for value in fields[11:15]) / tick
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    totals: dict[str, float] = {}
    for name, root in roots.items():
        tree, pending = set(), [root] if root in times else []
        while pending:
            pid = pending.pop()
            if pid not in tree:
                tree.add(pid)
                pending.extend(children.get(pid, []))
        totals[name] = sum(times[pid] for pid in tree)
    return totals


class Meter:
    """CPU used during a phase, in cores: the load generator (this process), the server (the stack's processes,
    when known) and anything else on the machine; and how late the generator's event loop wakes up."""

    server_pids: dict[str, int] = {}  # name: pid, as stack.json lists them

    def __init__(self) -> None:
        self.cpus = sorted(os.sched_getaffinity(0))
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _watch_loop(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.05)
            self.lags.append(time.monotonic() - before - 0.05)

    def __enter__(self) -> Meter:
        self.wall = time.monotonic()
        self.cpu = time.process_time()
        self.busy = busy_seconds(self.cpus)
        self.server = tree_cpu_seconds(self.server_pids)
        self.lags = []
        self._task = asyncio.get_running_loop().create_task(self._watch_loop())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        wall = max(time.monotonic() - self.wall, 1e-9)
        generator = (time.process_time() - self.cpu) / wall
        machine = (busy_seconds(self.cpus) - self.busy) / wall
        after = tree_cpu_seconds(self.server_pids)
        by_process = {name: (after[name] - self.server.get(name, after[name])) / wall for name in after}
        server = sum(by_process.values()) if self.server_pids else None
        self.figures = {
            "generator_cpu_percent_of_a_core": round(100 * generator, 1),
            "server_cores": round(server, 2) if server is not None else None,
            "server_cores_by_process": {name: round(value, 2) for name, value in by_process.items()},
            "others_cores": round(max(0.0, machine - generator - server), 2) if server is not None else None,
            "machine_cores": round(machine, 2),
            "cores": len(self.cpus),
            "loop_lag_p99_ms": round(percentile(self.lags, 0.99) * 1000, 1),
            "loop_lag_max_ms": round(max(self.lags, default=0.0) * 1000, 1),
        }


# --- printing ----------------------------------------------------------------------------------------------


def row(label: str, figures: dict[str, Any], target: str = "") -> str:
    errors = ", ".join(f"{name} x{count}" for name, count in figures["errors"].items()) or "none"
    return (
        f"  {label:<34} {figures['requests']:>7} {figures['requests_per_second']:>8.1f} "
        f"{figures['p50_ms']:>8.1f} {figures['p95_ms']:>8.1f} {figures['p99_ms']:>8.1f}  errors: {errors}"
        + (f"   [target {target}]" if target else "")
    )


HEADER = f"  {'':<34} {'requests':>7} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"


def meter_line(figures: dict[str, Any]) -> str:
    server = ""
    if figures["server_cores"] is not None:
        busiest = sorted(figures["server_cores_by_process"].items(), key=lambda item: -item[1])
        parts = ", ".join(f"{name} {value:.2f}" for name, value in busiest if value >= 0.01)
        server = f", stack {figures['server_cores']:.2f}" + (f" ({parts})" if parts else "")
        server += f", others {figures['others_cores']:.2f}"
    return (
        f"  CPU in cores: load generator {figures['generator_cpu_percent_of_a_core'] / 100:.2f}{server}, "
        f"machine {figures['machine_cores']:.2f} of {figures['cores']}; generator's event-loop lag p99 "
        f"{figures['loop_lag_p99_ms']:.0f} ms (max {figures['loop_lag_max_ms']:.0f})"
    )


def pool_line(peak: int, connections: int) -> str:
    full = " (full: the slowest requests also waited for a connection)" if peak >= connections else ""
    return f"  viewers' requests in flight at most: {peak} of {connections} connections{full}"


# --- main --------------------------------------------------------------------------------------------------


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 200 viewers for 20 s, short phases")
    parser.add_argument("--viewers", type=int, help="simulated viewers through signed addresses (2000)")
    parser.add_argument("--seconds", type=float, help="how long they watch, after joining (60)")
    parser.add_argument("--readers", type=int, default=50, help="signed-in readers browsing meanwhile (50)")
    parser.add_argument("--think", type=float, default=5.0, help="readers' mean think time, s; 0: closed loop (5)")
    parser.add_argument("--django-viewers", type=int, help="viewers through Django-checked addresses (200)")
    parser.add_argument("--django-seconds", type=float, help="how long they watch (30)")
    parser.add_argument("--burst-connections", type=int, default=32, help="clients of the capacity bursts (32)")
    parser.add_argument("--burst-seconds", type=float, help="length of each capacity burst (10)")
    parser.add_argument("--sessions", type=int, default=10, help="logins the viewers share, and the readers (10 each)")
    parser.add_argument("--connections", type=int, default=256, help="keep-alive connections to nginx (256)")
    parser.add_argument("--join-concurrency", type=int, default=16, help="players opening a stream at once (16)")
    parser.add_argument("--timeout", type=float, default=30.0, help="a request's timeout, s (30)")
    parser.add_argument("--clip-seconds", type=int, default=150, help="length of the clip imported if needed")
    parser.add_argument("--convert-wait", type=float, default=900, help="how long to wait for its conversion, s")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--url", help="an already running portal instead of the stack (e.g. https://host:8443/)")
    parser.add_argument("--user", action="append", default=[], metavar="NAME:PASSWORD", help="with --url")
    parser.add_argument("--env-file", type=Path, help="with --url: its environment, for manage.py")
    parser.add_argument(
        "--server-pid", type=int, action="append", default=[], help="with --url: a server process (with children)"
    )
    parser.add_argument("--keep-stack", action="store_true", help="leave the stack up even if this run started it")
    arguments = parser.parse_args()
    quick = arguments.quick
    defaults = {
        "viewers": 200 if quick else 2000,
        "seconds": 20.0 if quick else 60.0,
        "django_viewers": 50 if quick else 200,
        "django_seconds": 15.0 if quick else 30.0,
        "burst_seconds": 5.0 if quick else 10.0,
    }
    for name, value in defaults.items():
        if getattr(arguments, name) is None:
            setattr(arguments, name, value)
    return arguments


async def measure(arguments: argparse.Namespace, url: str, users: dict[str, str], env: dict[str, str]) -> dict:
    names = sorted(users)
    video, found = ensure_recording(env, names, arguments.clip_seconds, arguments.convert_wait)
    segment_seconds = float(found["segment_seconds"])
    say(
        f"Recording {video['key']} ({video['duration']:.0f} s), visible to {', '.join(video['viewers'])}; "
        f"segments of {segment_seconds:.0f} s, signatures valid {found['signature_seconds']} s."
    )
    client = Client(url, arguments.connections, arguments.timeout)
    # Readers have connections of their own, one each, as browsers do: never queued behind the viewers' pool.
    reader_client = Client(url, max(1, arguments.readers), arguments.timeout)
    try:
        # Viewers use the users who may see the recording; readers use every user.
        logins = list(video["viewers"])
        # A few at a time: a login hashes the password, some 0.2 s of a core.
        gate = asyncio.Semaphore(4)

        async def login(name: str) -> Session:
            async with gate:
                for attempt in range(3):  # a login refused by a passing hiccup is tried again, twice
                    try:
                        return await client.login(name, users[name])
                    except (RuntimeError, client.aiohttp.ClientError) as error:
                        if attempt == 2:
                            raise
                        say(f"  {error} Trying again.")
                        await asyncio.sleep(2)
                raise AssertionError("unreachable")

        viewer_sessions = list(
            await asyncio.gather(*(login(logins[number % len(logins)]) for number in range(arguments.sessions)))
        )
        reader_sessions = list(
            await asyncio.gather(
                *(login(names[number % len(names)]) for number in range(min(arguments.sessions, arguments.readers)))
            )
        )
        say(f"Signed in {len(viewer_sessions)} viewer sessions and {len(reader_sessions)} reader sessions.")
        choices = reader_paths(found)

        # Warm up: one stream, once through each path, so first-request costs stay out of the figures.
        warm = {name: Stats(name) for name in ("master", "rendition")}
        stream = await open_stream(client, viewer_sessions[0], video, warm, django=False)
        if stream is None:
            raise RuntimeError(
                f"The recording does not play: {dict(warm['master'].outcomes)}, {dict(warm['rendition'].outcomes)}"
            )
        signed = stream.segments[0].startswith(urllib.parse.urljoin(url, "/hls/"))
        if not signed:
            say("The master playlist lists no signed /hls/ addresses: every 'nginx' segment below is Django-checked.")
        django_urls = [urllib.parse.urljoin(url, django_address(segment, video)) for segment in stream.segments]
        for segment in stream.segments + django_urls:
            await client.get(segment, viewer_sessions[0], None)

        say(
            f"Phase 1: {arguments.viewers} viewers (signed addresses) and {arguments.readers} readers "
            f"for {arguments.seconds:.0f} s..."
        )
        watching = asyncio.Event()
        client.peak_in_flight = 0
        with Meter() as phase_one:

            async def readers_when_watching() -> dict[str, Stats]:
                await watching.wait()
                return await run_readers(
                    reader_client,
                    reader_sessions,
                    choices,
                    arguments.readers,
                    arguments.seconds,
                    arguments.think,
                    arguments.seed,
                )

            viewers, readers = await asyncio.gather(
                run_viewers(
                    client,
                    viewer_sessions,
                    video,
                    arguments.viewers,
                    arguments.seconds,
                    segment_seconds,
                    arguments.join_concurrency,
                    django=False,
                    on_watch_start=watching,
                ),
                readers_when_watching(),
            )

        say(
            f"Phase 2: {arguments.django_viewers} viewers (Django-checked addresses) "
            f"for {arguments.django_seconds:.0f} s..."
        )
        peaks = {"nginx": client.peak_in_flight}
        client.peak_in_flight = 0
        with Meter() as phase_two:
            django_viewers = await run_viewers(
                client,
                viewer_sessions,
                video,
                arguments.django_viewers,
                arguments.django_seconds,
                segment_seconds,
                arguments.join_concurrency,
                django=True,
            )
        peaks["django"] = client.peak_in_flight

        say(
            f"Phase 3: capacity, {arguments.burst_connections} clients back to back, "
            f"{arguments.burst_seconds:.0f} s each way..."
        )
        # A fresh signature for the burst: the warm-up's may have run out during the phases above.
        stream = await open_stream(client, viewer_sessions[0], video, warm, django=False) or stream
        with Meter() as burst_signed_meter:
            burst_signed = await burst(
                client, viewer_sessions[0], stream.segments, arguments.burst_connections, arguments.burst_seconds
            )
        with Meter() as burst_django_meter:
            burst_django = await burst(
                client, viewer_sessions[0], django_urls, arguments.burst_connections, arguments.burst_seconds
            )
        say(f"  and {arguments.readers} readers with no think time for {arguments.burst_seconds:.0f} s...")
        with Meter() as pages_meter:
            page_capacity = await run_readers(
                reader_client,
                reader_sessions,
                choices,
                arguments.readers,
                arguments.burst_seconds,
                0.0,
                arguments.seed + 1,
            )
    finally:
        await client.close()
        await reader_client.close()

    def viewer_figures(group: Viewers, count: int) -> dict[str, Any]:
        return {
            "viewers": count,
            "joined": group.joined,
            "held": group.held,
            "late_segments": group.late,
            "renewals": group.renewals,
            "issue_lag_p99_ms": round(percentile(group.issue_lag, 0.99) * 1000, 1),
            **{name: item.figures() for name, item in group.stats.items() if item.count},
        }

    return {
        "url": url,
        "video": {"key": video["key"], "duration": video["duration"]},
        "signed": signed,
        "segment_seconds": segment_seconds,
        "signature_seconds": found["signature_seconds"],
        "readers": arguments.readers,
        "think_seconds": arguments.think,
        "connections": arguments.connections,
        "nginx": {
            **viewer_figures(viewers, arguments.viewers),
            "peak_requests_in_flight": peaks["nginx"],
            "meter": phase_one.figures,
        },
        "pages": {name: item.figures() for name, item in readers.items() if item.count},
        "django": {
            **viewer_figures(django_viewers, arguments.django_viewers),
            "peak_requests_in_flight": peaks["django"],
            "meter": phase_two.figures,
        },
        "capacity": {
            "connections": arguments.burst_connections,
            "nginx": {**burst_signed.figures(), "meter": burst_signed_meter.figures},
            "django": {**burst_django.figures(), "meter": burst_django_meter.figures},
            # Pages a second with the readers in a closed loop (--think 0), no viewers: what Django can answer.
            "pages": {**page_capacity["pages"].figures(), "meter": pages_meter.figures},
        },
    }


def report(results: dict[str, Any], quick: bool) -> None:
    nginx, django, pages, capacity = results["nginx"], results["django"], results["pages"], results["capacity"]
    print()
    print(
        f"Serving {results['url']}: recording of {results['video']['duration']:.0f} s, segments every "
        f"{results['segment_seconds']:.0f} s, "
        f"{'signed /hls/ addresses' if results['signed'] else 'NO signed addresses'}."
    )
    print()
    think = results["think_seconds"]
    pacing = f"think time {think:g} s on average" if think else "closed loop"
    print(f"1. {nginx['viewers']} viewers through nginx (signed), with {results['readers']} readers ({pacing})")
    print(HEADER)
    for name in ("master", "rendition", "segment", "renewal"):
        if name in nginx:
            target = f"p95 ≤ {TARGETS['segment_p95_ms']:.0f} ms, no errors" if name == "segment" else ""
            server = "nginx" if name in ("rendition", "segment") and results["signed"] else "Django"
            print(row(f"{name} ({server})", nginx[name], target))
    for name, figures in pages.items():
        target = f"p95 ≤ {TARGETS['page_p95_ms']:.0f} ms" if name == "pages" else ""
        print(row("readers: all" if name == "pages" else f"readers: {name}", figures, target))
    print(
        f"  viewers held: {nginx['held']} of {nginx['viewers']} (joined {nginx['joined']}, late segments "
        f"{nginx['late_segments']}, signature renewals {nginx['renewals']})   "
        f"[target ≥ {TARGETS['viewers']:,} held, no errors]"
    )
    print(meter_line(nginx["meter"]) + f"; requests issued late p99 {nginx['issue_lag_p99_ms']:.0f} ms")
    print(pool_line(nginx["peak_requests_in_flight"], results["connections"]))
    print()
    print(f"2. {django['viewers']} viewers through Django-checked addresses (/media/v/<key>/…)")
    print(HEADER)
    for name in ("master", "rendition", "segment"):
        if name in django:
            print(row(name, django[name]))
    print(f"  viewers held: {django['held']} of {django['viewers']} (late segments {django['late_segments']})")
    print(meter_line(django["meter"]) + f"; requests issued late p99 {django['issue_lag_p99_ms']:.0f} ms")
    print(pool_line(django["peak_requests_in_flight"], results["connections"]))
    print()
    print(f"3. Capacity: {capacity['connections']} clients fetching segments back to back")
    print(HEADER)
    print(row("signed, nginx alone", capacity["nginx"]))
    print(meter_line(capacity["nginx"]["meter"]))
    print(row("Django-checked", capacity["django"]))
    print(meter_line(capacity["django"]["meter"]))
    ratio = capacity["nginx"]["ok_per_second"] / max(capacity["django"]["ok_per_second"], 1e-9)
    latency_ratio = django.get("segment", {}).get("p95_ms", 0) / max(nginx.get("segment", {}).get("p95_ms", 0), 1e-9)
    results["ratio_nginx_over_django"] = round(ratio, 2)
    results["segment_p95_django_over_nginx"] = round(latency_ratio, 2)
    print(
        f"  nginx / Django: {ratio:.1f}x the segments per second; paced viewers' p95 segment latency "
        f"Django / nginx {latency_ratio:.1f}x"
    )
    page_capacity = capacity["pages"]
    print(row(f"pages, {results['readers']} readers, no think", page_capacity))
    print(meter_line(page_capacity["meter"]))
    asked = pages.get("pages", {}).get("requests_per_second", 0.0)
    pacing_note = f"at a think time of {think:g} s" if think else "in a closed loop"
    print(
        f"  Pages: {results['readers']} readers {pacing_note} asked {asked:.1f} pages/s (phase 1); the portal "
        f"answers up to {page_capacity['ok_per_second']:.1f} pages/s with nobody waiting between pages"
    )
    print()

    missed: list[str] = []
    segment = nginx.get("segment", {"p95_ms": 0.0, "errors": {"none": 1}})
    if segment["p95_ms"] > TARGETS["segment_p95_ms"]:
        missed.append(f"segment p95 {segment['p95_ms']:.0f} ms > {TARGETS['segment_p95_ms']:.0f} ms")
    errors = sum(
        sum(nginx[name]["errors"].values()) for name in ("master", "rendition", "segment", "renewal") if name in nginx
    )
    if errors:
        missed.append(f"{errors} viewer request errors")
    if nginx["held"] < min(nginx["viewers"], TARGETS["viewers"]) or (
        not quick and nginx["viewers"] < TARGETS["viewers"]
    ):
        missed.append(f"{nginx['held']} viewers held (target {TARGETS['viewers']:,})")
    page_p95 = pages.get("pages", {}).get("p95_ms", 0.0)
    if page_p95 > TARGETS["page_p95_ms"]:
        missed.append(f"pages p95 {page_p95:.0f} ms > {TARGETS['page_p95_ms']:.0f} ms")
    if pages.get("pages", {}).get("errors"):
        missed.append(f"page errors {pages['pages']['errors']}")
    busy = [
        figures["meter"]
        for figures in (nginx, django, capacity["nginx"], capacity["django"], capacity["pages"])
        if figures["meter"]["generator_cpu_percent_of_a_core"] > 85
    ]
    others = max(
        (figures["meter"]["others_cores"] or 0.0 for figures in (nginx, django, capacity["nginx"], capacity["django"])),
    )
    results["interference_cores"] = others
    if others > 0.2:
        print(
            f"Note: other processes on this machine took up to {others:.2f} cores during a phase: every figure is "
            "worse than the stack alone would give. Run again on a quiet machine."
        )
    if busy:
        print(
            "Note: the load generator used more than 85 % of a core in some phase: it may be the bottleneck there, "
            "and that phase's figures are a lower bound on what the server does."
        )
    if quick:
        print(f"(--quick: {nginx['viewers']} viewers; the viewer target is stated for {TARGETS['viewers']:,}.)")
    results["targets"] = TARGETS
    results["missed"] = missed
    print("All targets met." if not missed else "Targets MISSED: " + "; ".join(missed) + ".")


def main() -> None:
    arguments = parse_arguments()
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        raise SystemExit("bench/serve.py needs aiohttp: .venv/bin/pip install -e '.[test]'") from None
    started = False
    if arguments.url:
        if not arguments.user or not arguments.env_file:
            raise SystemExit("--url needs --user NAME:PASSWORD (at least one) and --env-file.")
        url = arguments.url
        users = dict(item.split(":", 1) for item in arguments.user)
        env_file = arguments.env_file
        Meter.server_pids = {f"pid {pid}": pid for pid in arguments.server_pid}
    else:
        stack, started = stack_up()
        url, users, env_file = stack["url"], stack["users"], Path(stack["env_file"])
        Meter.server_pids = {name: int(pid) for name, pid in stack.get("pids", {}).items()}
    # As scripts/stack.py runs manage.py: none of our own DJANGO_ variables (make exports the dev settings).
    env = {name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "PYTEST_"))}
    env.update(read_env_file(env_file))
    env.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")
    try:
        results = asyncio.run(measure(arguments, url, users, env))
    finally:
        if started and not arguments.keep_stack:
            stack_down()
    report(results, arguments.quick)
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    if shutil.which("ffmpeg") is None:
        raise SystemExit("ffmpeg is needed (make setup installs it).")
    with contextlib.suppress(KeyboardInterrupt):
        main()
