"""Search benchmark: indexing speed, and query latency through the JSON API against the engine itself.

Run it with `make bench-search` (or `.venv/bin/python bench/search.py`). It

1. sets Django up in a temporary folder (a fresh SQLite database, migrated): the developer's var/ is
   never read or written;
2. makes the rows the facets name (units, topics, two groups, a user who submits for one unit) and a
   seeded corpus of generated Vietnamese text (bench/corpus.py): 5,000 trainings, good practices and
   documents with 200,000 transcript windows by default;
3. indexes it into each engine with `Engine.upsert` in batches, as the sync task does (documents and
   windows per second): the database engine, and Elasticsearch as played by osmem-server in memory (which
   gets only the first 1,500 documents, about 60,000 windows: it holds everything in memory, over 20 KB per
   transcript window);
4. runs 50 fixed queries (with and without diacritics, both tone placements, acronyms, several words,
   typos, facets, paging) both directly against the engine and through `GET /api/v1/search/` with
   Django's test client (a full request through every middleware, signed in), warm-up first, then
   `--repeat` rounds, each running all the queries through one path and then through the other;
5. prints p50/p95 of both paths and their ratio, the slowest queries, the targets met or missed, then
   one JSON line with every figure.

"Directly" means what `search.query.run` asks of the engine for that request, the query being built
beforehand exactly as the API builds it (`parse_request`, `build_query`): one `engine.search`, and when
the text found nothing, the typo-tolerant second search and the spelling suggestion too. Everything else
the API does (the request, the session, the user's permissions, acronyms, facet labels, JSON) is what the
ratio measures. A missed target is reported, never an error: this is a measurement, not a test. See
bench/README.md for how to read the figures.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
# This file is bench/search.py: with bench/ first on the path, `import search` would find it, not the app.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(ROOT))

from bench.common import busy_seconds, percentile, pin_cores, setup_django  # noqa: E402

TARGETS = {
    "database_api_p95_ms": 150.0,  # the database fallback, through the API, on 2 cores
    "api_over_direct": 1.3,  # API time / direct engine time (p50 and p95)
    "osmem_docs_per_second": 500.0,  # indexing into osmem-server
}
ENGINE_NAMES = ("database", "elasticsearch")
BATCH = 200  # documents per upsert: the sync task upserts up to 200 pages (search.sync.BATCH) at a time
PREFIX = "bench"
# osmem-server keeps everything in memory, over 20 KB per transcript window once analysed once (it was twice as
# much when windows were analysed twice), and slows down as it grows: the whole corpus would need several GB and
# take minutes. It gets a part of the corpus (a prefix of the shuffled documents: the same mix) and a memory limit.
OSMEM_DOCS = 1500
OSMEM_MEMORY_GB = 3.0

# --- the queries ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One query of the fixed set: the text as typed and the facets, by name (resolved to ids at run time)."""

    kind: str  # what it exercises, for the table
    q: str = ""
    type: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()  # topic names (bench.corpus.TOPICS)
    unit: tuple[str, ...] = ()  # unit codes (make_facet_rows)
    field: tuple[int, ...] = ()  # positions in the list of fields of work, from 0
    year: tuple[int, ...] = ()
    sort: str = ""
    page: int = 1

    @property
    def label(self) -> str:
        facets = [
            f"{name}={','.join(str(value) for value in values)}"
            for name, values in (
                ("type", self.type),
                ("topic", self.topic),
                ("unit", self.unit),
                ("field", self.field),
                ("year", self.year),
            )
            if values
        ]
        if self.sort:
            facets.append(f"sort={self.sort}")
        if self.page > 1:
            facets.append(f"page={self.page}")
        return " ".join([f'"{self.q}"' if self.q else "(no text)", *facets])


QUERIES: tuple[Case, ...] = (
    # With diacritics
    Case("diacritics", "kiểm sát viên"),
    Case("diacritics", "chứng cứ điện tử"),
    Case("diacritics", "hồ sơ vụ án"),
    Case("diacritics", "tạm giam"),
    Case("diacritics", "chuyển đổi số"),
    Case("diacritics", "kỹ năng xét hỏi tại phiên tòa"),
    Case("diacritics", "tội phạm ma túy"),
    Case("diacritics", "thi hành án dân sự"),
    Case("diacritics", "rút kinh nghiệm"),
    Case("diacritics", "Đắk Lắk"),
    # Both tone placements: hòa/hoà, Hòa/Hoà, Thủy/Thuỷ
    Case("tone placement", "hòa giải"),
    Case("tone placement", "hoà giải"),
    Case("tone placement", "Viện kiểm sát nhân dân tỉnh Khánh Hoà"),
    Case("tone placement", "Ngọc Thuỷ"),
    # Without diacritics
    Case("no diacritics", "kiem sat vien"),
    Case("no diacritics", "chung cu dien tu"),
    Case("no diacritics", "dao tao boi duong"),
    Case("no diacritics", "tam giu tam giam"),
    Case("no diacritics", "toi pham cong nghe cao"),
    Case("no diacritics", "thi hanh an"),
    Case("no diacritics", "lua dao chiem doat tai san"),
    Case("no diacritics", "hoa giai doi thoai"),
    # Acronyms, alone and among words, written as usual or folded
    Case("acronym", "VKSND"),
    Case("acronym", "KSV"),
    Case("acronym", "BLTTHS"),
    Case("acronym", "quy định của BLTTHS"),
    Case("acronym", "cqdt"),
    Case("acronym", "THADS"),
    Case("acronym", "ksv xet hoi"),
    Case("acronym", "ứng dụng CNTT"),
    # Several words, rare words
    Case("multi-word", "kiểm sát việc lấy lời khai bị can trong giai đoạn điều tra"),
    Case("multi-word", "bảo đảm đúng người đúng tội đúng pháp luật"),
    Case("multi-word", "phiên tòa trực tuyến"),
    Case("multi-word", "tiền ảo tài sản mã hóa"),
    Case("multi-word", "động vật hoang dã"),
    # Typos: nothing found, then the typo-tolerant second search and a suggestion
    Case("typo", "kiem xat vien"),
    Case("typo", "dieu tar vu an"),
    Case("typo", "boi duonng nghiep vu"),
    Case("typo", "toi pham ma tuyy"),
    # Facets, with and without text, paging and sorting
    Case("facets", type=("training",)),
    Case("facets", "kiểm sát", type=("practice",)),
    Case("facets", "chứng cứ", type=("document",)),
    Case("facets", "tạm giam", topic=("Kiểm sát tạm giữ, tạm giam",)),
    Case("facets", "chuyen doi so", topic=("Chuyển đổi số",), year=(2024,)),
    Case("facets", topic=("Tội phạm ma túy",)),
    Case("facets", "hồ sơ", unit=("NGHEAN",)),
    Case("facets", "VKSND", year=(2020,)),
    Case("facets", "kỹ năng", type=("training",), year=(2025,), sort="newest"),
    Case("facets", "rửa tiền", field=(0,), type=("practice", "document")),
    Case("facets", "xét xử", type=("training", "practice"), year=(2018, 2019), page=3),
)

# --- Django, in a temporary folder ---------------------------------------------------------------------------


def setup_django_here(var_dir: Path) -> None:
    """Django in var_dir, DEBUG off: requests cost what they cost in production."""
    setup_django(var_dir, DEBUG="0", ALLOWED_HOSTS="testserver,localhost,127.0.0.1", ELASTICSEARCH_URL="")


UNIT_ROWS: tuple[tuple[str, str, str, str], ...] = (
    # code, kind, name, short name
    ("VKSNDTC", "supreme", "Viện kiểm sát nhân dân tối cao", "VKSND tối cao"),
    ("VKSCC-HN", "high", "Viện kiểm sát nhân dân cấp cao tại Hà Nội", "VKSND cấp cao tại Hà Nội"),
    ("VKSCC-DN", "high", "Viện kiểm sát nhân dân cấp cao tại Đà Nẵng", "VKSND cấp cao tại Đà Nẵng"),
    ("VKSCC-HCM", "high", "Viện kiểm sát nhân dân cấp cao tại Thành phố Hồ Chí Minh", "VKSND cấp cao tại TP. HCM"),
    ("VKSQSTW", "military_central", "Viện kiểm sát quân sự trung ương", "VKSQS trung ương"),
)


def make_facet_rows() -> tuple[Any, Any]:
    """Units, topics, two groups and the benchmark's user; returns (the Facets for bench.corpus, the user)."""
    from django.contrib.auth.models import Group

    from bench.corpus import DEPARTMENTS, PROVINCES, SCHOOLS, TOPICS, Facets
    from portal.home.models import Topic
    from portal.practices.models import FieldOfWork
    from portal.units import roles
    from portal.units.models import Unit, User
    from search.text import fold, normalize

    units: list[Unit] = []
    for order, (code, kind, name, short) in enumerate(UNIT_ROWS):
        units.append(Unit(code=code, kind=kind, name=name, short_name=short, sort_order=order))
    for order, name in enumerate(DEPARTMENTS, start=10):
        units.append(Unit(code=f"DEPT{order}", kind="department", name=name, sort_order=order))
    for order, name in enumerate(SCHOOLS, start=30):
        units.append(Unit(code=f"SCHOOL{order}", kind="school", name=name, sort_order=order))
    cities = {"Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế"}
    for order, province in enumerate(PROVINCES, start=40):
        level = "thành phố" if province in cities else "tỉnh"
        code = fold(province).replace(" ", "").upper()
        units.append(
            Unit(
                code=code,
                kind="provincial",
                name=f"Viện kiểm sát nhân dân {level} {province}",
                short_name=f"VKSND {level} {province}",
                sort_order=order,
            )
        )
        for region in (1, 2):
            units.append(
                Unit(
                    code=f"{code}-KV{region}",
                    kind="regional",
                    name=f"Viện kiểm sát nhân dân khu vực {region} - {province}",
                    short_name=f"VKSND khu vực {region} - {province}",
                    sort_order=order * 10 + region,
                )
            )
    Unit.objects.bulk_create(units)
    saved = {unit.code: unit for unit in Unit.objects.all()}
    for name in TOPICS:
        Topic.objects.create(name=normalize(name))
    fields = list(FieldOfWork.objects.order_by("sort_order", "pk"))
    if not fields:  # the migrations seed them; keep going if a later one stops doing so
        fields = [FieldOfWork.objects.create(name=normalize(name)) for name in ("Thống kê tội phạm", "Công tác khác")]
    seen = Group.objects.create(name="Benchmark: nhóm được xem")
    hidden = Group.objects.create(name="Benchmark: nhóm khác")
    own = saved["NGHEAN"]
    user = User.objects.create_user(
        username="bench", password=None, email="bench@example.invalid", unit=own, first_name="Lan", last_name="Trần"
    )
    user.groups.add(seen, *Group.objects.filter(name__in=[roles.VIEWER, roles.SUBMITTER]))
    facets = Facets(
        topics=[(pk, normalize(name)) for pk, name in Topic.objects.values_list("pk", "name")],
        units=[(unit.pk, normalize(unit.short_name or unit.name)) for unit in saved.values()],
        fields=[(item.pk, normalize(item.name)) for item in fields],
        group_seen=seen.pk,
        group_hidden=hidden.pk,
        own_unit=own.pk,
    )
    return facets, user


def case_params(case: Case, facets: Any) -> dict[str, str]:
    """The GET parameters of a case, facets as ids."""
    from search.text import normalize

    topic_ids = {name: pk for pk, name in facets.topics}
    params: dict[str, str] = {}
    if case.q:
        params["q"] = case.q
    if case.type:
        params["type"] = ",".join(case.type)
    if case.topic:
        params["topic"] = ",".join(str(topic_ids[normalize(name)]) for name in case.topic)
    if case.unit:
        from portal.units.models import Unit

        params["unit"] = ",".join(str(Unit.objects.get(code=code).pk) for code in case.unit)
    if case.field:
        params["field"] = ",".join(str(facets.fields[index][0]) for index in case.field)
    if case.year:
        params["year"] = ",".join(str(year) for year in case.year)
    if case.sort:
        params["sort"] = case.sort
    if case.page > 1:
        params["page"] = str(case.page)
    return params


# --- measuring ---------------------------------------------------------------------------------------------


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (and its waited children), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


class CpuWatch:
    """How much of our cores other processes took while something ran: noise in the figures."""

    def __init__(self, cpus: list[int], pids: Callable[[], list[int]]) -> None:
        self.cpus, self.pids = cpus, pids
        self.worst = 0.0

    @contextmanager
    def measure(self) -> Iterator[None]:
        ours = self._ours()
        busy = busy_seconds(self.cpus)
        started = time.perf_counter()
        yield
        wall = time.perf_counter() - started
        others = busy_seconds(self.cpus) - busy - (self._ours() - ours)
        if wall > 1.0:  # /proc/stat counts in clock ticks: shorter spans say nothing
            self.worst = max(self.worst, max(0.0, others) / (wall * len(self.cpus)))

    def _ours(self) -> float:
        return process_cpu_seconds(os.getpid()) + sum(process_cpu_seconds(pid) for pid in self.pids())


@dataclass
class Indexing:
    docs: int
    windows: int
    seconds: float
    batch: int

    @property
    def docs_per_second(self) -> float:
        return self.docs / self.seconds if self.seconds else 0.0

    @property
    def windows_per_second(self) -> float:
        return self.windows / self.seconds if self.seconds else 0.0


@dataclass
class Timings:
    """Milliseconds per query and path, and the totals each path found."""

    direct: dict[int, list[float]] = field(default_factory=dict)
    api: dict[int, list[float]] = field(default_factory=dict)
    direct_total: dict[int, int] = field(default_factory=dict)
    api_total: dict[int, int] = field(default_factory=dict)
    second_pass: set[int] = field(default_factory=set)  # cases whose text found nothing at first
    rounds: int = 0  # timed rounds run (fewer than asked when they would not fit in the budget)
    warm_up: float = 0.0  # seconds of the warm-up round, both paths

    def all(self, path: str) -> list[float]:
        samples = self.direct if path == "direct" else self.api
        return [value for values in samples.values() for value in values]

    def summary(self) -> dict[str, Any]:
        direct, api = self.all("direct"), self.all("api")
        figures: dict[str, Any] = {}
        for name, values in (("direct", direct), ("api", api)):
            figures[name] = {
                "p50_ms": round(percentile(values, 0.5), 2),
                "p95_ms": round(percentile(values, 0.95), 2),
                "mean_ms": round(statistics.fmean(values), 2) if values else 0.0,
                "max_ms": round(max(values), 2) if values else 0.0,
                "samples": len(values),
            }
        figures["rounds"] = self.rounds
        figures["warm_up_s"] = round(self.warm_up, 1)
        figures["ratio_p50"] = round(figures["api"]["p50_ms"] / figures["direct"]["p50_ms"], 3) if direct else 0.0
        figures["ratio_p95"] = round(figures["api"]["p95_ms"] / figures["direct"]["p95_ms"], 3) if direct else 0.0
        overheads = [statistics.median(self.api[i]) - statistics.median(self.direct[i]) for i in self.api]
        figures["overhead_median_ms"] = round(statistics.median(overheads), 2) if overheads else 0.0
        return figures

    def per_query(self) -> list[dict[str, Any]]:
        rows = []
        for index, case in enumerate(QUERIES):
            if index not in self.api:
                continue
            rows.append(
                {
                    "query": case.label,
                    "kind": case.kind,
                    "direct_p50_ms": round(statistics.median(self.direct[index]), 2),
                    "api_p50_ms": round(statistics.median(self.api[index]), 2),
                    "api_max_ms": round(max(self.api[index]), 2),
                    "total": self.direct_total.get(index, 0),
                    "api_total": self.api_total.get(index, 0),
                    "second_pass": index in self.second_pass,
                }
            )
        return rows


class Runner:
    """Runs the cases on one engine, directly and through the API."""

    def __init__(self, engine: Any, user: Any, facets: Any) -> None:
        from django.http import QueryDict
        from django.test import Client

        from search import engines
        from search.query import build_query, parse_request

        self.engine = engine
        self.url = api_url()
        self.client = Client()
        self.client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        self.params = [case_params(case, facets) for case in QUERIES]
        self.queries = []
        suggest = getattr(engines.database_engine(), "suggest", None)
        self.suggest: Callable[[str], str] | None = suggest
        for params in self.params:
            data = QueryDict(mutable=True)
            data.update(params)
            request = parse_request(data)
            query = build_query(request, user)
            assert query is not None
            fuzzy = build_query(request, user, fuzzy=True)
            self.queries.append((query, fuzzy))

    def direct(self, index: int) -> tuple[float, int, bool]:
        """What `search.query.run` asks of the engine: milliseconds, total, whether a second pass ran."""
        query, fuzzy = self.queries[index]
        started = time.perf_counter()
        result = self.engine.search(query)
        second = False
        if query.text and result.total == 0 and query.page == 1:
            second = True
            result = self.engine.search(fuzzy)
            if self.suggest is not None:
                self.suggest(query.text)
        return (time.perf_counter() - started) * 1000, result.total, second

    def api(self, index: int) -> tuple[float, int]:
        started = time.perf_counter()
        response = self.client.get(self.url, self.params[index])
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{self.url} answered {response.status_code} for {self.params[index]}")
        data = json.loads(response.content)
        if data.get("degraded"):
            raise RuntimeError(f"the API answered from the fallback (degraded) for {self.params[index]}")
        return elapsed, int(data["total"])

    def run(self, repeat: int, budget: float) -> Timings:
        """A warm-up round, then `repeat` timed rounds, or as many as fit in `budget` seconds (at least one)."""
        timings = Timings()
        started = time.perf_counter()
        for index in range(len(QUERIES)):  # warm-up: caches, the engine's first touch of each term
            self.direct(index)
            self.api(index)
        warm_up = time.perf_counter() - started
        rounds = repeat if not budget or warm_up * repeat <= budget else max(1, int(budget // warm_up))
        timings.rounds, timings.warm_up = rounds, warm_up
        print(f"  warm-up round {warm_up:.0f} s; {rounds} timed round{'s' if rounds > 1 else ''}", flush=True)
        for round_ in range(rounds):
            # One path over all the queries, then the other (which goes first alternates): between two runs of
            # a query, all the others run, so neither path profits from a result cache the other just filled
            # (the database engine remembers the scores of its last 16 texts). Like a user's new search.
            paths = (self._direct, self._api) if round_ % 2 == 0 else (self._api, self._direct)
            for path in paths:
                for index in range(len(QUERIES)):
                    gc.collect()  # a collection then falls inside no measurement by luck alone
                    path(timings, index)
            print(f"  round {round_ + 1} done at {time.perf_counter() - started:.0f} s", flush=True)
        return timings

    def _direct(self, timings: Timings, index: int) -> None:
        elapsed, total, second = self.direct(index)
        timings.direct.setdefault(index, []).append(elapsed)
        timings.direct_total[index] = total
        if second:
            timings.second_pass.add(index)

    def _api(self, timings: Timings, index: int) -> None:
        elapsed, total = self.api(index)
        timings.api.setdefault(index, []).append(elapsed)
        timings.api_total[index] = total


def api_url() -> str:
    """Where the JSON API is (GET /api/v1/search/), from the URL configuration."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("search_api")
    except NoReverseMatch:
        raise RuntimeError("the JSON API (search_api) is not in the URL configuration: include search.urls") from None


def index_into(
    engine: Any, docs: list[Any], batch: int, progress: str, full: Callable[[], bool] = lambda: False
) -> Indexing:
    """Upsert `docs` in batches (until `full()` says to stop), then refresh; timed."""
    from bench.corpus import batches

    windows = 0
    started = time.perf_counter()
    last = started
    done = 0
    for chunk in batches(docs, batch):
        engine.upsert(chunk)
        done += len(chunk)
        windows += sum(len(doc.moments) for doc in chunk)
        now = time.perf_counter()
        if now - last > 15:
            print(f"  {progress}: {done:,}/{len(docs):,} documents, {done / (now - started):.0f}/s", flush=True)
            last = now
        if full():
            print(f"  {progress}: stopped at {done:,} documents, the memory limit", flush=True)
            break
    refresh = getattr(engine, "refresh", None)
    if refresh is not None:
        refresh()  # the documents must be searchable before the indexing counts as done
    return Indexing(docs=done, windows=windows, seconds=time.perf_counter() - started, batch=batch)


def over_memory(pid: int, limit_mb: float) -> bool:
    return resident_mb(pid) > limit_mb


def resident_mb(pid: int) -> float:
    """Resident memory of a process in MB (0 when it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def elasticsearch_settings(url: str) -> Iterator[None]:
    """Make Elasticsearch the engine that answers (settings are read per request by search.engines)."""
    from django.test import override_settings

    with override_settings(ELASTICSEARCH_URL=url, ELASTICSEARCH_INDEX_PREFIX=PREFIX, ELASTICSEARCH_TIMEOUT=30):
        yield


def available_engines(wanted: str, cluster: str = "") -> tuple[dict[str, str], dict[str, str]]:
    """The engines to measure, and those left out with the reason."""
    import importlib.util

    chosen = ENGINE_NAMES if wanted == "all" else (wanted,)
    use, skipped = {}, {}
    for name in chosen:
        module = "search.engines.database" if name == "database" else "osmem_server"
        if name == "elasticsearch" and cluster:
            use[name] = name
            continue
        if importlib.util.find_spec(module) is None:
            skipped[name] = f"{module} is not installed or not written yet"
        else:
            use[name] = name
    return use, skipped


# --- the report --------------------------------------------------------------------------------------------


def print_report(figures: dict[str, Any], timings: dict[str, Timings], slowest: int, show_all: bool) -> list[str]:
    """The table; returns the missed targets."""
    missed: list[str] = []
    corpus = figures["corpus"]
    print()
    print(
        f"Corpus: {corpus['docs']:,} documents ({corpus['trainings']:,} trainings, {corpus['practices']:,} good "
        f"practices, {corpus['documents']:,} documents), {corpus['windows']:,} transcript windows, "
        f"{corpus['words'] / 1e6:.1f} M words; made in {corpus['seconds']:.1f} s"
    )
    print(
        f"{figures['cores']} cores; {len(QUERIES)} queries x {figures['repeat']} rounds after a warm-up round "
        f"(both paths each time); "
        f"load average {figures['load_average'][0]:.2f} before, {figures['load_average'][1]:.2f} after"
    )
    for name, reason in figures["skipped"].items():
        print(f"Skipped {name}: {reason}")
    print()
    row = "{:<15} {:>9} {:>9} {:>10} {:>9} {:>12} {:>6}"
    print(row.format("indexing", "documents", "windows", "seconds", "docs/s", "windows/s", "batch"))
    print(row.format("-" * 15, "-" * 9, "-" * 9, "-" * 10, "-" * 9, "-" * 12, "-" * 6))
    for name, engine in figures["engines"].items():
        indexing = engine["indexing"]
        print(
            row.format(
                name,
                f"{indexing['docs']:,}",
                f"{indexing['windows']:,}",
                f"{indexing['seconds']:.1f}",
                f"{indexing['docs_per_second']:.0f}",
                f"{indexing['windows_per_second']:.0f}",
                indexing["batch"],
            )
        )
    if "osmem" in figures:
        osmem = figures["osmem"]
        print(
            f"(osmem-server {osmem['version']} holds everything in memory: it got the first "
            f"{figures['engines']['elasticsearch']['indexing']['docs']:,} documents of the corpus (--osmem-docs "
            f"{osmem['docs_limit']}) and then held {osmem['resident_mb']:,} MB)"
        )
    print()
    row = "{:<15} {:>10} {:>10} {:>10} {:>10} {:>8} {:>8} {:>11} {:>7}"
    print(
        row.format(
            "queries (ms)", "direct p50", "direct p95", "API p50", "API p95", "p50 x", "p95 x", "overhead", "rounds"
        )
    )
    print(row.format("-" * 15, *["-" * 10] * 4, "-" * 8, "-" * 8, "-" * 11, "-" * 7))
    for name, engine in figures["engines"].items():
        latency = engine["queries"]
        print(
            row.format(
                name,
                f"{latency['direct']['p50_ms']:.1f}",
                f"{latency['direct']['p95_ms']:.1f}",
                f"{latency['api']['p50_ms']:.1f}",
                f"{latency['api']['p95_ms']:.1f}",
                f"{latency['ratio_p50']:.2f}",
                f"{latency['ratio_p95']:.2f}",
                f"{latency['overhead_median_ms']:.1f} ms",
                latency["rounds"],
            )
        )
    print("(overhead: the median over the queries of API p50 - direct p50)")
    for name, engine in figures["engines"].items():
        if engine["queries"]["rounds"] < figures["repeat"]:
            print(
                f"Note: {name} ran {engine['queries']['rounds']} of {figures['repeat']} rounds: more would not fit in "
                f"--budget {figures['budget']:g} s after a warm-up round of {engine['queries']['warm_up_s']:.0f} s."
            )
    for name, engine in figures["engines"].items():
        rows = engine["per_query"]
        shown = rows if show_all else sorted(rows, key=lambda item: -item["api_p50_ms"])[:slowest]
        print()
        print(f"{name}: {'every query' if show_all else f'the {slowest} slowest queries'} (ms, median of the rounds)")
        line = "{:<62} {:>8} {:>8} {:>8} {:>7}"
        print(line.format("query", "direct", "API", "API max", "found"))
        print(line.format("-" * 62, "-" * 8, "-" * 8, "-" * 8, "-" * 7))
        for item in shown:
            found = f"{item['total']:,}" + ("*" if item["second_pass"] else "")
            label = item["query"] if len(item["query"]) <= 62 else item["query"][:61] + "…"
            print(
                line.format(
                    label, f"{item['direct_p50_ms']:.1f}", f"{item['api_p50_ms']:.1f}", item["api_max_ms"], found
                )
            )
        print("(* nothing found at first: the typo-tolerant second search ran, and found this many)")
        differing = [item["query"] for item in rows if item["total"] != item["api_total"]]
        if differing:
            print(f"Note: the API found other totals than the engine for {len(differing)} queries: {differing[:5]}")
    print()
    verdict = "{:<50} {:>10} {:>10}  {}"
    print(verdict.format("target", "value", "target", ""))
    print(verdict.format("-" * 50, "-" * 10, "-" * 10, ""))

    def check(label: str, value: float, target: float, at_most: bool, unit: str) -> None:
        met = value <= target if at_most else value >= target
        sign = "<=" if at_most else ">="
        print(verdict.format(label, f"{value:.2f}{unit}", f"{sign} {target:g}{unit}", "met" if met else "MISSED"))
        if not met:
            over = f", {value - target:+.1f}{unit} ({value / target:.2f}x the target)" if target else ""
            missed.append(f"{label}: {value:.2f}{unit} {'>' if at_most else '<'} {target:g}{unit}{over}")

    engines = figures["engines"]
    if "database" in engines:
        check(
            "database: API p95",
            engines["database"]["queries"]["api"]["p95_ms"],
            TARGETS["database_api_p95_ms"],
            True,
            " ms",
        )
    for name, engine in engines.items():
        for which in ("p50", "p95"):
            check(
                f"{name}: API / direct, {which}",
                engine["queries"][f"ratio_{which}"],
                TARGETS["api_over_direct"],
                True,
                "x",
            )
    if "elasticsearch" in engines:
        check(
            f"elasticsearch ({'cluster' if 'cluster' in figures else 'osmem'}): indexing documents/s",
            engines["elasticsearch"]["indexing"]["docs_per_second"],
            TARGETS["osmem_docs_per_second"],
            False,
            "",
        )
    print()
    if figures["quick"]:
        print("Note: --quick measures a small corpus; the targets are stated for the full one.")
    if figures["interference"] > 0.05:
        print(
            f"Note: other processes took up to {100 * figures['interference']:.0f}% of these cores during a "
            "measurement: latencies read high and ratios are noisy; run again on a quiet machine."
        )
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=5000, help="documents in the corpus (default 5000)")
    parser.add_argument("--windows", type=int, default=200_000, help="transcript windows (default 200000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds of the 50 queries (default 3)")
    parser.add_argument("--engine", choices=("all", *ENGINE_NAMES), default="all", help="engines to measure")
    parser.add_argument("--quick", action="store_true", help="a small corpus (600 docs, 10000 windows), one round")
    parser.add_argument("--cores", type=int, default=2, help="CPUs to run on (default 2, the targets')")
    parser.add_argument("--batch", type=int, default=BATCH, help=f"documents per upsert (default {BATCH})")
    parser.add_argument(
        "--budget",
        type=float,
        default=180,
        help="seconds for the timed rounds of one engine: fewer rounds when the warm-up shows they would not fit "
        "(default 180; 0: no limit)",
    )
    parser.add_argument(
        "--osmem-docs",
        type=int,
        default=OSMEM_DOCS,
        help=f"index only the first N documents (the same mix) into osmem-server (default {OSMEM_DOCS}; 0: all)",
    )
    parser.add_argument(
        "--osmem-memory",
        type=float,
        default=OSMEM_MEMORY_GB,
        help=f"stop indexing into osmem-server when it holds this many GB (default {OSMEM_MEMORY_GB:g})",
    )
    parser.add_argument(
        "--elasticsearch-url",
        default="",
        help="measure this Elasticsearch cluster (the whole corpus, indexes named bench-*, dropped afterwards) "
        "instead of osmem-server",
    )
    parser.add_argument("--seed", type=int, default=None, help="another corpus of the same size")
    parser.add_argument("--slowest", type=int, default=5, help="how many of the slowest queries to list (default 5)")
    parser.add_argument("--show-queries", action="store_true", help="list every query with its timings")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and say where it is")
    options = parser.parse_args()
    if options.quick:
        options.docs, options.windows, options.repeat = 600, 10_000, 1

    # `kill` (or a make interrupted by the user) still cleans up: the folder, the osmem-server process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    cpus = pin_cores(options.cores)
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="portal-bench-search-"))
    server: Any = None
    try:
        use, skipped = available_engines(options.engine, options.elasticsearch_url)
        print(f"Setting Django up in {work} (a fresh database, migrated)...", flush=True)
        setup_django_here(work / "var")
        from bench.corpus import SEED, generate
        from search import engines

        facets, user = make_facet_rows()
        print(f"Generating {options.docs:,} documents with {options.windows:,} transcript windows...", flush=True)
        started = time.perf_counter()
        corpus = generate(options.docs, options.windows, facets, seed=SEED if options.seed is None else options.seed)
        made = time.perf_counter() - started
        gc.freeze()  # the corpus is millions of objects: collections between measurements then take no time
        watch = CpuWatch(cpus, lambda: [server.pid] if server is not None else [])

        figures: dict[str, Any] = {
            "corpus": {
                "docs": len(corpus.docs),
                "trainings": corpus.count("training"),
                "practices": corpus.count("practice"),
                "documents": corpus.count("document"),
                "windows": corpus.windows,
                "words": corpus.words(),
                "seconds": round(made, 2),
                "seed": SEED if options.seed is None else options.seed,
            },
            "cores": len(cpus),
            "python": platform.python_version(),
            "repeat": options.repeat,
            "budget": options.budget,
            "quick": options.quick,
            "queries": len(QUERIES),
            "skipped": skipped,
            "engines": {},
        }
        timings: dict[str, Timings] = {}
        for name in use:
            if name == "database":
                engine = engines.database_engine()
                print(f"Indexing into the database engine ({options.batch} per upsert)...", flush=True)
                with watch.measure():
                    indexing = index_into(engine, corpus.docs, options.batch, "database")
                print(f"Querying the database engine ({options.repeat} rounds)...", flush=True)
                with watch.measure():
                    timings[name] = Runner(engine, user, facets).run(options.repeat, options.budget)
            elif options.elasticsearch_url:  # a real cluster: the whole corpus, indexes dropped afterwards
                print(f"Indexing {len(corpus.docs):,} documents into Elasticsearch at {options.elasticsearch_url}...")
                with elasticsearch_settings(options.elasticsearch_url):
                    elastic = engines.elasticsearch_engine()
                    assert elastic is not None
                    engine = elastic
                    try:
                        with watch.measure():
                            indexing = index_into(engine, corpus.docs, options.batch, "elasticsearch")
                        figures["cluster"] = {"url": options.elasticsearch_url}
                        print(f"Querying Elasticsearch ({options.repeat} rounds)...", flush=True)
                        with watch.measure():
                            timings[name] = Runner(engine, user, facets).run(options.repeat, options.budget)
                    finally:
                        elastic.drop()
            else:
                from osmem_server import OsmemServer

                server = OsmemServer.start(japanese=False)
                pid = server.pid
                docs = corpus.docs[: options.osmem_docs] if options.osmem_docs else corpus.docs
                print(
                    f"Indexing {len(docs):,} of the documents into Elasticsearch (osmem-server {server.version})...",
                    flush=True,
                )
                with elasticsearch_settings(server.url):
                    elastic = engines.elasticsearch_engine()
                    assert elastic is not None
                    engine = elastic
                    with watch.measure():
                        indexing = index_into(
                            engine,
                            docs,
                            options.batch,
                            "elasticsearch",
                            full=functools.partial(over_memory, pid, options.osmem_memory * 1024),
                        )
                    figures["osmem"] = {
                        "version": server.version,
                        "resident_mb": round(resident_mb(pid)),
                        "docs_limit": options.osmem_docs,
                        "memory_limit_gb": options.osmem_memory,
                    }
                    print(f"Querying Elasticsearch ({options.repeat} rounds)...", flush=True)
                    with watch.measure():
                        timings[name] = Runner(engine, user, facets).run(options.repeat, options.budget)
                server.close()  # now: what it says on leaving comes before the report
                server = None
            figures["engines"][name] = {
                "indexing": {
                    "docs": indexing.docs,
                    "windows": indexing.windows,
                    "seconds": round(indexing.seconds, 2),
                    "docs_per_second": round(indexing.docs_per_second, 1),
                    "windows_per_second": round(indexing.windows_per_second, 1),
                    "batch": indexing.batch,
                },
                "queries": timings[name].summary(),
                "per_query": timings[name].per_query(),
            }
        load_after = os.getloadavg()[0]
        figures["interference"] = round(watch.worst, 3)
        figures["load_average"] = [round(load_before, 2), round(load_after, 2)]
        figures["targets"] = TARGETS
        missed = print_report(figures, timings, options.slowest, options.show_queries)
        figures["targets_missed"] = missed
        if options.keep:
            print(f"Database kept in {work}")
        print(("Targets MISSED: " + "; ".join(missed)) if missed else "All targets met.")
        print(json.dumps(figures, ensure_ascii=False), flush=True)
    finally:
        if server is not None:
            server.close()
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
