"""Whether background workers are running, as the site tells media/ (media/ does not import the site).

The site registers a function returning {queue name: {"ok": bool, ...}}; the conversion queue page
shows it, so an editor knows whether waiting recordings will be converted at all. Each queue is shown by
what it does ("Chuyển đổi video"), never by its name in the settings ("video").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import pgettext_lazy

# settings.TASK_QUEUES, as an editor reads them.
QUEUE_LABELS = {
    "default": pgettext_lazy("task queue", "General work"),
    "video": pgettext_lazy("task queue", "Video conversion"),
    "transcribe": pgettext_lazy("task queue", "Speech recognition"),
}

_provider: Callable[[], dict[str, dict[str, Any]]] | None = None


def register_worker_status(provider: Callable[[], dict[str, dict[str, Any]]]) -> None:
    global _provider
    _provider = provider


def queue_label(name: str) -> str:
    return str(QUEUE_LABELS.get(name, name))


def worker_status() -> dict[str, dict[str, Any]]:
    """{queue name: {"ok": bool, "label": what the queue does, ...}} for every queue that should have a worker."""
    status = _provider() if _provider is not None else {}
    return {name: {**check, "label": queue_label(name)} for name, check in status.items()}
