"""The portal's form for writing up a good practice (units never use the Wagtail admin).

The four long sections are typed in plain text areas: an empty line starts a new paragraph, "- " a
bullet and "1. " a numbered item, **bold**, *italic* and [text](https://address) for a link. That is
the Markdown Wagtail's own API accepts for rich text, so the conversion to Wagtail's database HTML
and the sanitising (only the features the page allows, no script, no on* attribute, no javascript:
address) are Wagtail's, not ours. A rich-text editor (Draftail) would need the admin's scripts on a
public page; a text area works with a screen reader, with the keyboard and on any browser.

Files are checked by content (portal.practices.extraction) while the form is validated; the view
keeps every file that passed, even when something else in the form is wrong, so nothing is lost.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from bs4 import BeautifulSoup

from portal.home.models import Topic
from portal.practices.extraction import (
    ALLOWED_EXTENSIONS,
    DocumentRejected,
    Extracted,
    accepted_types_text,
    check_and_extract,
    max_attachment_bytes,
)
from portal.practices.models import WRITE_UP_FEATURES, FieldOfWork

# Markdown blocks the write-up has no feature for: kept as plain paragraphs rather than run together.
_BLOCKS_AS_PARAGRAPHS = ["h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote"]
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
HELD_FILES_SALT = "portal.practices.held-files"
HELD_FILES_MAX_AGE = 7 * 24 * 3600


def text_to_rich_text(text: str) -> str:
    """A section typed as text (Markdown) → Wagtail rich text HTML, reduced to the write-up's features."""
    from wagtail.admin.rich_text.converters.markdown_db import MarkdownConverter
    from wagtail.api.rich_text import APIRichText

    text = clean_plain_text(text, keep_newlines=True)
    if not text:
        return ""
    # Escape Wagtail's own reference scheme: a submitter has no business linking to pages or documents by id.
    text = re.sub(r"\]\(\s*wagtail:", "](#", text, flags=re.IGNORECASE)
    html = MarkdownConverter(WRITE_UP_FEATURES).to_database_format(text)
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(_BLOCKS_AS_PARAGRAPHS):
        if tag.find(["p", "ul", "ol"]):
            tag.unwrap()
        else:
            tag.name = "p"
    for rule in soup.find_all("hr"):
        rule.decompose()
    cleaned, _removals = APIRichText.sanitize_db_html(str(soup), features=WRITE_UP_FEATURES)
    return cleaned


def rich_text_to_text(html: str) -> str:
    """Wagtail rich text → the text a submitter edits (the inverse of text_to_rich_text)."""
    from wagtail.admin.rich_text.converters.markdown_db import MarkdownConverter

    if not html:
        return ""
    text = MarkdownConverter(WRITE_UP_FEATURES).from_database_format(html, resolved=False)
    # A line break inside a paragraph comes back as Markdown's "\" + newline; a plain newline means the same here.
    return text.replace("\\\n", "\n").strip()


def clean_plain_text(value: str, *, keep_newlines: bool = False) -> str:
    """NFC, no control or direction-override characters; single-line values lose their line breaks too."""
    value = unicodedata.normalize("NFC", value or "")
    value = _CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    if not keep_newlines:
        value = " ".join(value.split())
    return value.strip()


def clean_plain_field(value: str, *, keep_newlines: bool = False) -> str:
    """A plain field (title, authors, summary) holds no markup: tags are dropped, the rest is kept as text."""
    return clean_plain_text(
        strip_tags(clean_plain_text(value, keep_newlines=keep_newlines)), keep_newlines=keep_newlines
    )


class WriteUpTextField(forms.CharField):
    """A section of the write-up typed as text and stored as Wagtail rich text HTML."""

    widget = forms.Textarea

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        return text_to_rich_text(text) if text else ""


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked on its own later, so one bad file names itself."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        return [file for file in files if file]


@dataclass
class AcceptedFile:
    upload: UploadedFile
    extracted: Extracted


@dataclass
class RejectedFile:
    name: str
    message: str


def sign_held_files(user_id: int, document_ids: list[int]) -> str:
    """The list of files already received for this submission, signed so nobody can slip in another's file."""
    return signing.dumps({"user": user_id, "documents": sorted(set(document_ids))}, salt=HELD_FILES_SALT)


def unsign_held_files(user_id: int, token: str) -> list[int]:
    if not token:
        return []
    try:
        payload = signing.loads(token, salt=HELD_FILES_SALT, max_age=HELD_FILES_MAX_AGE)
    except signing.BadSignature:
        return []
    if payload.get("user") != user_id:
        return []
    return [int(pk) for pk in payload.get("documents", [])]


class SubmissionForm(forms.Form):
    """A good-practice write-up as a unit submits it. The unit is never a field: it is the submitter's own."""

    title = forms.CharField(
        label=_("Title of the good practice"),
        max_length=255,
        help_text=_("A short name other units will recognise, e.g. “Tracking case deadlines with a shared table”."),
    )
    authors = forms.CharField(
        label=_("Authors"),
        max_length=500,
        required=False,
        help_text=_("Names and positions, separated by commas."),
    )
    field_of_work = forms.ModelChoiceField(
        label=_("Field of work"),
        queryset=FieldOfWork.objects.filter(active=True),
        required=False,
        empty_label=_("— Choose a field —"),
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick the topics this practice is about. Topics are shared with trainings."),
    )
    date = forms.DateField(
        label=_("Date"),
        required=False,
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("When the practice was applied or the report was written."),
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Two or three sentences shown in lists."),
    )
    problem = WriteUpTextField(
        label=_("The problem"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What was difficult or not working before."),
    )
    actions = WriteUpTextField(
        label=_("What was done"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The steps the unit took, in order."),
    )
    results = WriteUpTextField(
        label=_("Results"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("With figures where there are any."),
    )
    how_to_apply = WriteUpTextField(
        label=_("How other units can apply it"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Conditions, first steps, what to watch out for."),
    )
    new_files = MultipleFileField(label=_("Attach files"), required=False)
    remove_attachments = forms.TypedMultipleChoiceField(
        label=_("Remove attached files"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    held_files = forms.CharField(required=False, widget=forms.HiddenInput)
    drop_held_files = forms.TypedMultipleChoiceField(
        label=_("Do not attach"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    based_on_revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    RICH_TEXT_FIELDS = ["problem", "actions", "results", "how_to_apply"]
    # A draft needs only its title; a write-up sent for review needs these too.
    REQUIRED_TO_SUBMIT = ["field_of_work", "summary", "problem", "actions", "results", "how_to_apply"]

    def __init__(
        self,
        *args: Any,
        attachments: list[tuple[int, str]] | None = None,
        held: list[tuple[int, str]] | None = None,
        submitting: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        self.accepted: list[AcceptedFile] = []
        self.rejected: list[RejectedFile] = []
        self.attachment_choices = attachments or []
        for name, choices in (("remove_attachments", self.attachment_choices), ("drop_held_files", held or [])):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices
        self.fields["new_files"].help_text = _(
            "You can choose several files: %(types)s, up to %(size)s each. Their text is read so they can be searched."
        ) % {"types": accepted_types_text(), "size": filesizeformat(max_attachment_bytes())}
        self.fields["new_files"].widget.attrs["accept"] = ",".join(ALLOWED_EXTENSIONS)
        for name in self.RICH_TEXT_FIELDS:
            self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}_helptext rich-text-help"

    @classmethod
    def initial_from_page(cls, page: Any) -> dict[str, Any]:
        """What the form shows when a write-up is opened for editing (its latest saved version)."""
        initial = {
            "title": page.title,
            "authors": page.authors,
            "field_of_work": page.field_of_work_id,
            "topics": [topic.pk for topic in page.topics.all()],
            "date": page.date,
            "summary": page.summary,
            "based_on_revision": page.latest_revision_id,
        }
        for name in cls.RICH_TEXT_FIELDS:
            initial[name] = rich_text_to_text(getattr(page, name))
        return initial

    def clean_title(self) -> str:
        title = clean_plain_field(self.cleaned_data["title"])
        if not title:
            raise forms.ValidationError(_("Please give the practice a title."))
        return title

    def clean_authors(self) -> str:
        return clean_plain_field(self.cleaned_data["authors"])

    def clean_summary(self) -> str:
        return clean_plain_field(self.cleaned_data["summary"], keep_newlines=True)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.submitting:
            for name in self.REQUIRED_TO_SUBMIT:
                if name in cleaned and not cleaned[name]:
                    self.add_error(name, _("Please fill this in before sending the write-up for review."))
        return cleaned

    def clean_new_files(self) -> list[UploadedFile]:
        """Check every file by its content; each refused file gets its own message naming it."""
        limit = max_attachment_bytes()
        for upload in self.cleaned_data["new_files"]:
            name = upload.name or ""
            try:
                extracted = check_and_extract(upload, name, max_bytes=limit)
            except DocumentRejected as rejected:
                # The message names the file and says what to do about it.
                self.rejected.append(RejectedFile(name=clean_plain_text(name), message=str(rejected.message)))
                continue
            upload.seek(0)
            self.accepted.append(AcceptedFile(upload=upload, extracted=extracted))
        if self.rejected:
            raise forms.ValidationError([rejected.message for rejected in self.rejected])
        return [accepted.upload for accepted in self.accepted]
