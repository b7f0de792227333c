"""Times inside a recording as people write them ("12:34", "1:02:03") and as the database keeps
them (whole seconds)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


def parse_timecode(text: str) -> int:
    """'754', '12:34' or '1:02:03' → seconds. Raises ValueError on anything else."""
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 3 or not all(part.strip().isdigit() for part in parts):
        raise ValueError(text)
    numbers = [int(part) for part in parts]
    if len(numbers) > 1 and any(number >= 60 for number in numbers[1:]):
        raise ValueError(text)
    seconds = 0
    for number in numbers:
        seconds = seconds * 60 + number
    return seconds


def format_timecode(seconds: float | int | None) -> str:
    """Seconds → '12:34', or '1:02:03' past an hour."""
    total = max(0, int(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TimecodeFormField(forms.Field):
    default_error_messages = {"invalid": _("Write the time as minutes:seconds (12:34) or hours:minutes:seconds.")}

    def prepare_value(self, value: Any) -> Any:
        return format_timecode(value) if isinstance(value, int) else value

    def __init__(self, *, max_length: int | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"maxlength": max_length or 12, "inputmode": "numeric"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        text = str(value).strip() if value is not None else ""
        if not text:
            return None
        try:
            return parse_timecode(text)
        except ValueError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc


class TimecodeField(models.PositiveIntegerField):
    """Whole seconds in the database, "mm:ss" in forms."""

    def formfield(self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any) -> forms.Field:
        defaults: dict[str, Any] = {
            "required": not self.blank,
            "label": capfirst(self.verbose_name),
            "help_text": self.help_text,
            "max_length": 12,
        }
        if self.has_default():
            defaults["initial"] = self.get_default()
        defaults.update({key: value for key, value in kwargs.items() if key in {"required", "label", "help_text"}})
        return TimecodeFormField(**defaults)
