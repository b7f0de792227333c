"""Reading the unit tree from a CSV file, for `manage.py import_units`.

Administrators keep the tree in a spreadsheet, so the reader accepts what Excel writes: UTF-8 with
or without a BOM, Windows-1258 from a Vietnamese Windows (tried only when UTF-8 fails, since any
UTF-8 file would also "decode" as Windows-1258 into nonsense), and ";" as the delimiter in
Vietnamese locales. The delimiter is chosen from the header row alone: the header is ours and
never quoted, whereas names in the rows often contain commas.

Everything is checked before anything is written, and the whole file is applied in one transaction:
a half-imported tree is worse than none. Units are matched by code; units missing from the file are
left alone (closing a unit is done by setting `active` to 0, never by leaving it out). A column that
is missing from the header leaves that field of existing units as it is.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from portal.units.models import Unit, UnitKind

COLUMNS = ("code", "name", "short_name", "kind", "parent_code", "active", "sort_order")
REQUIRED_COLUMNS = ("code", "name")
# The Unit fields each optional column sets; parent_code sets `parent`.
FIELDS_OF_COLUMN = {
    "name": "name",
    "short_name": "short_name",
    "kind": "kind",
    "parent_code": "parent",
    "active": "active",
    "sort_order": "sort_order",
}

TRUE_WORDS = frozenset({"1", "true", "yes", "có", "x", ""})
FALSE_WORDS = frozenset({"0", "false", "no", "không"})


class ImportFileError(Exception):
    """The file as a whole cannot be used: unreadable, empty, or without a required column."""


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


class InvalidRows(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} invalid rows")
        self.errors = errors


@dataclass(frozen=True)
class UnitRow:
    line: int
    code: str
    name: str
    short_name: str = ""
    kind: str = UnitKind.OTHER.value
    parent_code: str = ""
    active: bool = True
    sort_order: int = 0


@dataclass
class UnitTable:
    """The rows of one file. `rows` holds one row per distinct code, bad ones included, so that the
    tree can still be checked; the file may be applied only when `errors` is empty."""

    columns: frozenset[str]
    rows: list[UnitRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class Change:
    code: str
    name: str
    created: bool
    fields: tuple[str, ...] = ()


@dataclass
class ImportSummary:
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0

    @property
    def created(self) -> int:
        return sum(1 for change in self.changes if change.created)

    @property
    def updated(self) -> int:
        return sum(1 for change in self.changes if not change.created)


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _key(text: str) -> str:
    return normalise(text).casefold()


def decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1258")
        except UnicodeDecodeError as error:
            raise ImportFileError(_("The file is neither UTF-8 nor Windows-1258 (Vietnamese) text.")) from error
    # Windows-1258 writes most tone marks as separate combining characters.
    return unicodedata.normalize("NFC", text)


def delimiter_of(header: str) -> str:
    return ";" if header.count(";") > header.count(",") else ","


def kind_names() -> dict[str, str]:
    """Every way of writing a kind, folded, to its value: the value itself and the label as shown
    in Vietnamese (and, for files written from the English admin, in English)."""
    names: dict[str, str] = {}
    for language in ("en", "vi"):
        with translation.override(language):
            names.update({_key(str(kind.label)): kind.value for kind in UnitKind})
    names.update({_key(kind.value): kind.value for kind in UnitKind})
    return names


def parse_kind(value: str, names: Mapping[str, str] | None = None) -> str | None:
    """The UnitKind value written as `value`; empty means "other", None means not a kind."""
    wanted = _key(value)
    if not wanted:
        return UnitKind.OTHER.value
    return (kind_names() if names is None else names).get(wanted)


def parse_active(value: str) -> bool | None:
    wanted = _key(value)
    if wanted in TRUE_WORDS:
        return True
    if wanted in FALSE_WORDS:
        return False
    return None


def parse_sort_order(value: str) -> int | None:
    value = value.strip()
    if not value:
        return 0
    if not value.isascii() or not value.isdigit():
        return None
    return int(value)


def unit_field(name: str) -> models.Field[Any, Any]:
    return cast("models.Field[Any, Any]", Unit._meta.get_field(name))


def _field_errors(field_name: str, value: str) -> list[str]:
    try:
        unit_field(field_name).run_validators(value)
    except ValidationError as error:
        return list(error.messages)
    return []


def parse_row(
    line: int, cells: Mapping[str, str], kinds: Mapping[str, str] | None = None
) -> tuple[UnitRow | None, list[str]]:
    """Check one row. Returns the row (None without a code) and what is wrong with it."""
    problems: list[str] = []
    code = cells.get("code", "")
    name = cells.get("name", "")
    short_name = cells.get("short_name", "")

    if not code:
        problems.append(_("Line %(line)d: the unit code is missing") % {"line": line})
    else:
        for message in _field_errors("code", code):
            problems.append(
                _("Line %(line)d: the unit code '%(code)s' is not valid: %(error)s")
                % {"line": line, "code": code, "error": message}
            )
    if not name:
        problems.append(_("Line %(line)d: the unit name is missing") % {"line": line})
    for field_name, value in (("name", name), ("short_name", short_name)):
        for message in _field_errors(field_name, value):
            problems.append(
                _("Line %(line)d: %(field)s: %(error)s")
                % {
                    "line": line,
                    "field": unit_field(field_name).verbose_name,
                    "error": message,
                }
            )

    kind = parse_kind(cells.get("kind", ""), kinds)
    if kind is None:
        problems.append(
            _("Line %(line)d: the unit kind '%(kind)s' is not valid") % {"line": line, "kind": cells["kind"]}
        )
    active = parse_active(cells.get("active", ""))
    if active is None:
        problems.append(
            _("Line %(line)d: active must be 1 or 0 (yes or no), not '%(value)s'")
            % {"line": line, "value": cells["active"]}
        )
    sort_order = parse_sort_order(cells.get("sort_order", ""))
    if sort_order is None:
        problems.append(
            _("Line %(line)d: the order must be a whole number, 0 or more, not '%(value)s'")
            % {"line": line, "value": cells["sort_order"]}
        )

    if not code:
        return None, problems
    row = UnitRow(
        line=line,
        code=code,
        name=name,
        short_name=short_name,
        kind=kind or UnitKind.OTHER.value,
        parent_code=cells.get("parent_code", ""),
        active=True if active is None else active,
        sort_order=sort_order or 0,
    )
    return row, problems


def read_units_csv(text: str) -> UnitTable:
    """Parse and check every row of the file on its own; the tree is checked by check_parents()."""
    first_line = io.StringIO(text, newline="").readline()
    if not first_line.strip():
        raise ImportFileError(_("The file is empty: the first line must name the columns."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(first_line))
    header = [_key(name).replace(" ", "_").replace("-", "_") for name in next(reader)]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ImportFileError(
            _("Missing columns: %(missing)s. The first line of the file must name the columns: %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ", ".join(COLUMNS)}
        )
    position = {column: header.index(column) for column in COLUMNS if column in header}
    table = UnitTable(columns=frozenset(position))
    kinds = kind_names()

    first_line_of: dict[str, int] = {}
    next_line = 2
    for record in reader:
        line, next_line = next_line, reader.line_num + 1
        cells = {column: normalise(record[index]) if index < len(record) else "" for column, index in position.items()}
        if not any(normalise(cell) for cell in record):
            continue  # Excel leaves rows of bare delimiters below the table
        row, problems = parse_row(line, cells, kinds)
        table.errors.extend(RowError(line, message) for message in problems)
        if row is None:
            continue
        if row.code in first_line_of:
            table.errors.append(
                RowError(
                    line,
                    _("Line %(line)d: the code '%(code)s' is already used on line %(first)d")
                    % {"line": line, "code": row.code, "first": first_line_of[row.code]},
                )
            )
            continue
        first_line_of[row.code] = line
        table.rows.append(row)
    return table


def check_parents(
    rows: Iterable[UnitRow],
    existing_parents: Mapping[str, str | None],
    *,
    sets_parents: bool = True,
) -> list[RowError]:
    """Every parent must exist, in the file or the database, and no unit may end up under itself.

    `existing_parents` maps the code of every unit in the database to its parent's code.
    """
    rows = list(rows)
    parent_of = dict(existing_parents)
    if sets_parents:
        parent_of.update({row.code: row.parent_code or None for row in rows})
    else:
        parent_of.update({row.code: None for row in rows if row.code not in existing_parents})

    errors: list[RowError] = []
    for row in rows:
        if sets_parents and row.parent_code and row.parent_code not in parent_of:
            errors.append(
                RowError(
                    row.line,
                    _("Line %(line)d: the parent unit '%(parent)s' is neither in the file nor in the system")
                    % {"line": row.line, "parent": row.parent_code},
                )
            )
            continue
        chain = [row.code]
        node = parent_of.get(row.code)
        while node is not None and node not in chain:
            chain.append(node)
            node = parent_of.get(node)
        if node == row.code:
            errors.append(
                RowError(
                    row.line,
                    _("Line %(line)d: the unit '%(code)s' would be under itself: %(chain)s")
                    % {"line": row.line, "code": row.code, "chain": " → ".join([*chain, row.code])},
                )
            )
    return errors


def _depth(code: str, parent_of: Mapping[str, str | None]) -> int:
    seen = {code}
    node = parent_of.get(code)
    while node is not None and node not in seen:
        seen.add(node)
        node = parent_of.get(node)
    return len(seen) - 1


def apply_rows(table: UnitTable, *, dry_run: bool = False) -> ImportSummary:
    """Check the rows against the database and, if all is well, create and update the units.

    Raises InvalidRows, having changed nothing, when any row is bad.
    """
    with transaction.atomic():
        units = {unit.code: unit for unit in Unit.objects.all()}
        code_of = {unit.pk: code for code, unit in units.items()}
        existing_parents = {code: code_of[unit.parent_id] if unit.parent_id else None for code, unit in units.items()}
        sets_parents = "parent_code" in table.columns
        errors = table.errors + check_parents(table.rows, existing_parents, sets_parents=sets_parents)
        if errors:
            raise InvalidRows(sorted(errors, key=lambda error: error.line))

        parent_of = dict(existing_parents)
        if sets_parents:
            parent_of.update({row.code: row.parent_code or None for row in table.rows})
        summary = ImportSummary()
        # Parents first, so that a new unit's parent already has a primary key.
        for row in sorted(table.rows, key=lambda row: _depth(row.code, parent_of)):
            unit = units.get(row.code)
            created = unit is None
            if unit is None:
                unit = units[row.code] = Unit(code=row.code)
            changed = _assign(unit, row, table.columns, units, existing_parents)
            if created or changed:
                summary.changes.append(Change(row.code, row.name, created, () if created else changed))
                if not dry_run:
                    unit.save()
            else:
                summary.unchanged += 1
    return summary


def _assign(
    unit: Unit,
    row: UnitRow,
    columns: frozenset[str],
    units: Mapping[str, Unit],
    existing_parents: Mapping[str, str | None],
) -> tuple[str, ...]:
    """Copy the row's values onto the unit; returns the names of the fields that changed."""
    changed: list[str] = []
    for column, field_name in FIELDS_OF_COLUMN.items():
        if column not in columns and unit.pk is not None:
            continue
        if field_name == "parent":
            if unit.pk is not None and existing_parents.get(unit.code) == (row.parent_code or None):
                continue
            unit.parent = units[row.parent_code] if row.parent_code else None
            changed.append(field_name)
            continue
        value = getattr(row, column)
        if getattr(unit, field_name) != value:
            setattr(unit, field_name, value)
            changed.append(field_name)
    return tuple(changed)
