"""The acronyms of the sector (VKSND, KSV, BLTTHS...) that search expands both ways, edited in the admin.

`acronym_map()` is read on every query, so it is cached; saving or deleting an acronym clears the cache.
With the default per-process cache another process (a worker) sees a change within `CACHE_SECONDS`; with a
shared cache (Redis) at once.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from search.text import fold, nfc, normalize, tokens

CACHE_KEY = "search:acronym-map"
CACHE_SECONDS = 300


class Acronym(models.Model):
    short = models.CharField(_("acronym"), max_length=32, help_text=_("As it is usually written, e.g. VKSND."))
    expansion = models.CharField(_("meaning"), max_length=255, help_text=_("In full, e.g. Viện kiểm sát nhân dân."))
    active = models.BooleanField(_("active"), default=True, help_text=_("Only active acronyms expand searches."))
    # Folded forms: one acronym per spelling whatever its case or diacritics ("CQĐT" = "cqdt"); the admin
    # search finds "kiem sat" too.
    short_key = models.CharField(max_length=32, unique=True, editable=False)
    expansion_key = models.CharField(max_length=255, editable=False)

    class Meta:
        verbose_name = _("acronym")
        verbose_name_plural = _("acronyms")
        ordering = ["short_key"]

    def __str__(self) -> str:
        return f"{self.short}: {self.expansion}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.short = nfc(self.short.strip())
        self.expansion = normalize(" ".join(self.expansion.split()))
        self.short_key = fold(self.short)
        self.expansion_key = fold(self.expansion)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.short = nfc(self.short.strip())
        self.expansion = normalize(" ".join(self.expansion.split()))
        errors: dict[str, Any] = {}
        if not tokens(self.short):
            errors["short"] = _("Enter letters or digits.")
        elif Acronym.objects.exclude(pk=self.pk).filter(short_key=fold(self.short)).exists():
            errors["short"] = _("This acronym already exists.")
        if not tokens(self.expansion):
            errors["expansion"] = _("Enter letters or digits.")
        if errors:
            raise ValidationError(errors)


def acronym_map() -> dict[str, str]:
    """The active acronyms, {"VKSND": "Viện kiểm sát nhân dân", ...}, for `search.text.expand_acronyms`."""
    cached = cache.get(CACHE_KEY)
    if cached is None:
        cached = dict(Acronym.objects.filter(active=True).values_list("short", "expansion"))
        cache.set(CACHE_KEY, cached, CACHE_SECONDS)
    return cached


def clear_acronym_cache() -> None:
    cache.delete(CACHE_KEY)


@receiver(post_save, sender=Acronym)
@receiver(post_delete, sender=Acronym)
def _acronyms_changed(**kwargs: Any) -> None:
    clear_acronym_cache()


class IndexChange(models.Model):
    """The search outbox: "page N changed", written in the same transaction as the change itself, so a
    rollback leaves nothing behind. The sync task (`search.sync.drain`) rebuilds the page's documents from
    the database and sends them to every engine; a row is done only when all of them took it, and stays
    (with the error) while one is down. Done rows are kept for a while so a rebuild can replay what changed
    while it ran."""

    page_id = models.PositiveIntegerField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    done_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("search index change")
        verbose_name_plural = _("search index changes")

    def __str__(self) -> str:
        return f"page {self.page_id} ({'done' if self.done_at else 'pending'})"


class EngineCircuit(models.Model):
    """The circuit breaker of a search engine (search.breaker): open until `open_until` after the engine failed,
    closed (no row, or no date) while it answers. A row in the database, not Django's cache: the cache is
    per process here (no CACHES configured, no Redis required), and every web and worker process must learn
    at once from one process's failure; reading it is one primary-key SELECT, and it is written only when the
    engine fails or comes back."""

    engine = models.CharField(max_length=40, primary_key=True)
    open_until = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("search engine circuit")
        verbose_name_plural = _("search engine circuits")

    def __str__(self) -> str:
        return f"{self.engine} ({'open' if self.open_until else 'closed'})"


class ZeroResultQuery(models.Model):
    """A query that found nothing, counted per folded form, for editors (a report in the admin): missing
    content, a missing acronym or a topic named differently from how staff think of it."""

    key = models.CharField(max_length=200, unique=True, editable=False)
    query = models.CharField(_("query"), max_length=200, help_text=_("As it was last typed."))
    count = models.PositiveIntegerField(_("times searched"), default=0)
    first_searched = models.DateTimeField(_("first searched"), auto_now_add=True)
    last_searched = models.DateTimeField(_("last searched"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("search without results")
        verbose_name_plural = _("searches without results")
        ordering = ["-count", "-last_searched"]

    def __str__(self) -> str:
        return self.query


class DocumentText(models.Model):
    """Text extracted from a training's attached document, kept so re-indexing a page does not read its
    files again; `signature` (name and size) tells when the file was replaced."""

    document_id = models.PositiveIntegerField(unique=True)
    signature = models.CharField(max_length=600)
    text = models.TextField(blank=True)
    error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"document {self.document_id}"


from search.index_models import *  # noqa: E402, F403
