from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    label = "search"
    verbose_name = _("Search")
    # Run by `manage.py housekeeping`: what an outage of the search engine left in the outbox is applied.
    housekeeping = [{"call": "search.sync.retry_pending", "every": "WORKER_HOUSEKEEPING_SECONDS"}]

    def ready(self) -> None:
        from search import sync

        sync.connect()
