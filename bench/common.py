"""What the benches share: running on the targets' cores, telling how busy those cores are, and a Django of
their own in a temporary folder (a fresh, migrated SQLite database; nothing of the portal's var/ is touched).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], share: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def pin_cores(cores: int) -> list[int]:
    """Run on the first `cores` CPUs we may use (child processes, ffmpeg or osmem-server, inherit the mask)."""
    available = sorted(os.sched_getaffinity(0))
    chosen = available[:cores]
    os.sched_setaffinity(0, chosen)
    return chosen


def busy_seconds(cpus: list[int]) -> float:
    """CPU seconds spent on these CPUs since boot, by anyone (/proc/stat)."""
    names = {f"cpu{number}" for number in cpus}
    total = 0
    for line in Path("/proc/stat").read_text().splitlines():
        name, *fields = line.split()
        if name in names:
            values = [int(value) for value in fields[:8]]
            total += sum(values) - values[3] - values[4]  # all but idle and iowait
    return total / os.sysconf("SC_CLK_TCK")


def setup_django(var_dir: Path, **environment: str) -> None:
    """Point every path the settings derive from the environment at var_dir (and set `environment` on top),
    set Django up and migrate."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.dev"
    os.environ.update(
        {
            "VAR_DIR": str(var_dir),
            "DATABASE_URL": f"sqlite:///{var_dir / 'db.sqlite3'}",
            "MEDIA_ROOT": str(var_dir / "media"),
            "MEDIA_WORK_DIR": str(var_dir / "work"),
            "STATIC_ROOT": str(var_dir / "static"),
            "TASKS_BACKEND": "database",
            "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
            **environment,
        }
    )
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command

    assert str(settings.DATABASES["default"]["NAME"]).startswith(str(var_dir)), settings.DATABASES
    assert Path(settings.MEDIA_ROOT).is_relative_to(var_dir), settings.MEDIA_ROOT
    call_command("migrate", verbosity=0, interactive=False)
