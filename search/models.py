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
