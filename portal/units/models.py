"""The organisation tree of the procuracy sector, and its users.

The tree is data administrators edit (in the admin or by CSV), never code: units are created,
renamed and merged as the sector reorganises. A plain parent link is enough for a tree of a few
thousand units; the few tree walks we need are done in Python over one query.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail.search import index

from portal.core.text import vietnamese_sort_key


class UnitKind(models.TextChoices):
    SUPREME = "supreme", _("Supreme People's Procuracy")
    DEPARTMENT = "department", _("Department of the Supreme Procuracy")
    SCHOOL = "school", _("Training school")
    HIGH = "high", _("High-level People's Procuracy")
    PROVINCIAL = "provincial", _("Provincial People's Procuracy")
    REGIONAL = "regional", _("Regional People's Procuracy")
    MILITARY_CENTRAL = "military_central", _("Central Military Procuracy")
    MILITARY_REGION = "military_region", _("Military zone procuracy")
    MILITARY_AREA = "military_area", _("Area military procuracy")
    OTHER = "other", _("Other")


unit_code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
    _("A unit code may contain only unaccented letters, digits, dots, hyphens and underscores."),
)


class UnitQuerySet(models.QuerySet["Unit"]):
    def active(self) -> UnitQuerySet:
        return self.filter(active=True)


class Unit(index.Indexed, models.Model):
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    code = models.CharField(_("code"), max_length=50, unique=True, validators=[unit_code_validator])
    kind = models.CharField(_("kind"), max_length=32, choices=UnitKind.choices, default=UnitKind.OTHER)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    objects = UnitQuerySet.as_manager()

    search_fields = [
        index.SearchField("name"),
        index.SearchField("short_name"),
        index.AutocompleteField("name"),
        index.FilterField("kind"),
        index.FilterField("active"),
        index.FilterField("parent_id"),
    ]

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("unit")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.short_name or self.name

    def clean(self) -> None:
        super().clean()
        if (
            self.parent_id is not None
            and self.pk is not None
            and (self.parent_id == self.pk or self.parent_id in {u.pk for u in self.descendants()})
        ):
            raise ValidationError({"parent": _("A unit cannot have itself or one of its own sub-units as its parent.")})

    def ancestors(self) -> list[Unit]:
        """From the root down to the parent of this unit."""
        chain: list[Unit] = []
        seen = {self.pk}
        node = self.parent
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return list(reversed(chain))

    def descendants(self) -> list[Unit]:
        children_of: dict[int | None, list[Unit]] = {}
        for unit in Unit.objects.all():
            children_of.setdefault(unit.parent_id, []).append(unit)
        found: list[Unit] = []
        stack = list(children_of.get(self.pk, []))
        seen = {self.pk}
        while stack:
            unit = stack.pop()
            if unit.pk in seen:
                continue
            seen.add(unit.pk)
            found.append(unit)
            stack.extend(children_of.get(unit.pk, []))
        return found

    @property
    def full_name(self) -> str:
        return " › ".join(  # noqa: RUF001 - a typographic separator, on purpose
            [*(str(u) for u in self.ancestors()), self.name]
        )


def walk_tree(units: list[Unit]) -> Iterator[tuple[int, Unit]]:
    """Yield (depth, unit) in tree order, siblings by sort_order then name, for indented lists."""
    children_of: dict[int | None, list[Unit]] = {}
    ids = {u.pk for u in units}
    for unit in sorted(units, key=lambda u: (u.sort_order, vietnamese_sort_key(u.name))):
        parent = unit.parent_id if unit.parent_id in ids else None
        children_of.setdefault(parent, []).append(unit)

    def visit(parent: int | None, depth: int) -> Iterator[tuple[int, Unit]]:
        for unit in children_of.get(parent, []):
            yield depth, unit
            yield from visit(unit.pk, depth + 1)

    yield from visit(None, 0)


class User(AbstractUser):
    """A member of staff. Every user belongs to a unit: it decides whose drafts they see."""

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    position = models.CharField(_("position"), max_length=150, blank=True)

    objects = UserManager()  # type: ignore[misc]

    REQUIRED_FIELDS = ["email", "unit"]

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]
        verbose_name = _("user")
        verbose_name_plural = _("user")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        """Vietnamese order: family and middle names (last_name) first, then the given name."""
        return f"{self.last_name} {self.first_name}".strip()
