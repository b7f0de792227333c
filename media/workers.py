"""Whether background workers are running, as the site tells media/ (media/ does not import the site).

The site registers a function returning {queue name: {"ok": bool, ...}}; the conversion queue page
shows it, so an editor knows whether waiting recordings will be converted at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_provider: Callable[[], dict[str, dict[str, Any]]] | None = None


def register_worker_status(provider: Callable[[], dict[str, dict[str, Any]]]) -> None:
    global _provider
    _provider = provider


def worker_status() -> dict[str, dict[str, Any]]:
    return _provider() if _provider is not None else {}
