"""The topics field of the page editor: tick the topics a page is about, type new ones one per line.

Wagtail's tag field cannot hold a topic whose name has a comma. The server writes the page's topics into
one text box as `"Đào tạo, bồi dưỡng cán bộ", Chuyển đổi số`; the tag script splits that text on every
comma, wraps each piece holding a space in new quotes and joins them back with commas; taggit then
parses `"Đào tạo,"bồi dưỡng cán bộ""` into "Đào tạo,", "bồi", "dưỡng", "cán" and "bộ". So a page saved
or published unchanged lost its topic and gained five, and a comma typed in the box always ended the
topic. No choice of delimiter fixes that: a comma is both what the script splits on and part of the names.

Topics are the portal's shared vocabulary (the submission form offers them as tick boxes too), so the
editor ticks existing topics — each is sent by the browser as its own value, no text is split — and types
a new topic on a line of its own, where a comma is just a comma. A new name that matches an existing
topic, whatever its case, is that topic.

`register()` makes this the form field of every taggable manager whose tags are Topics (the trainings'
and the write-ups' `topics`); other tags (images', documents') keep Wagtail's field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from modelcluster.contrib.taggit import ClusterTaggableManager
from wagtail.admin.forms.models import register_form_field_override
from wagtail.admin.forms.tags import TagField

from portal.core.text import vietnamese_sort_key
from portal.home.models import Topic
from portal.home.topic_names import MAX_LENGTH, clean_topic_name, match_topics, topic_key

NEW_SUFFIX = "-new"
TOPICS_HELP = _("Tick the topics this page is about. Topics are shared by trainings and good practices.")


@dataclass(frozen=True)
class TopicInput:
    """What the editor sent: the ids of the ticked topics and the text typed for new ones."""

    ticked: tuple[str, ...] = ()
    new: str = ""

    @classmethod
    def of(cls, value: Any) -> TopicInput:
        """From a form's data, or from a page's topics (its initial value)."""
        if isinstance(value, TopicInput):
            return value
        return cls(ticked=tuple(str(topic.pk) for topic in value or () if getattr(topic, "pk", None)))

    def new_names(self) -> list[str]:
        return [name for name in (clean_topic_name(line) for line in self.new.splitlines()) if name]


class TopicsWidget(forms.Widget):
    template_name = "home/widgets/topics.html"
    use_fieldset = True  # a group of tick boxes and a text box: Wagtail labels it with a legend

    class Media:
        css = {"all": ["home/topics_field.css"]}

    def value_from_datadict(self, data: Any, files: Any, name: str) -> TopicInput:
        ticked = data.getlist(name) if hasattr(data, "getlist") else data.get(name) or []
        return TopicInput(ticked=tuple(str(pk) for pk in ticked), new=data.get(name + NEW_SUFFIX) or "")

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False  # no ticked box sends nothing at all: that means "no topics", not "field left out"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        chosen = TopicInput.of(value)
        topics = sorted(Topic.objects.all(), key=lambda topic: vietnamese_sort_key(topic.name))
        widget = context["widget"]
        widget["choices"] = [(topic, str(topic.pk) in chosen.ticked) for topic in topics]
        widget["new_name"] = name + NEW_SUFFIX
        widget["new_id"] = (widget["attrs"].get("id") or name) + NEW_SUFFIX
        widget["new"] = chosen.new
        return context

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        # The site's template engine: Django's form renderer does not look in the project's templates/.
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))  # noqa: S308

    def id_for_label(self, id_: str) -> str:
        return ""  # the legend names the group; each box and the text box have labels of their own


class TopicsField(forms.Field):
    """Cleans to the page's topics: Topic rows, and the names of new topics (made when the page is saved)."""

    widget = TopicsWidget
    default_error_messages = {
        "gone": _("A ticked topic no longer exists. Reload the page and tick the topics again."),
        "too_long": _("“%(name)s” is too long: a topic has at most %(max)d characters."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("tag_model", None)  # what Wagtail passes a tag field; the tags here are always Topics
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> TopicInput:
        return TopicInput.of(value)

    def to_python(self, value: Any) -> list[Topic | str]:
        chosen = TopicInput.of(value)
        ids = [int(pk) for pk in chosen.ticked if pk.isdigit()]
        ticked = list(Topic.objects.filter(pk__in=ids))
        if len(ticked) != len(set(ids)) or len(ids) != len(chosen.ticked):
            raise ValidationError(self.error_messages["gone"], code="gone")
        for name in chosen.new_names():
            if len(name) > MAX_LENGTH:
                raise ValidationError(
                    self.error_messages["too_long"], code="too_long", params={"name": name, "max": MAX_LENGTH}
                )
        ticked.sort(key=lambda topic: vietnamese_sort_key(topic.name))
        topics: list[Topic | str] = list(ticked)
        keys = {topic_key(topic.name) for topic in ticked}
        for found in match_topics(chosen.new_names()):
            key = topic_key(found.name if isinstance(found, Topic) else found)
            if key not in keys:  # typed again although it is ticked
                keys.add(key)
                topics.append(found)
        return topics

    def has_changed(self, initial: Any, data: Any) -> bool:
        before, after = TopicInput.of(initial), TopicInput.of(data)
        return set(before.ticked) != set(after.ticked) or bool(after.new_names())


def _form_field_for(db_field: Any) -> dict[str, Any]:
    if issubclass(db_field.related_model, Topic):
        # taggit's own help text asks for names separated by commas, the very thing this field avoids.
        return {"form_class": TopicsField, "help_text": TOPICS_HELP}
    return {"form_class": TagField, "tag_model": db_field.related_model}  # Wagtail's own, as it registers it


def register() -> None:
    """Use TopicsField for Topic tags in every Wagtail admin form (called once, when the app is ready)."""
    register_form_field_override(ClusterTaggableManager, override=_form_field_for)
