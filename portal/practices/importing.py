"""Bringing a unit's backlog of reports in (`manage.py import_practices`): one write-up per document.

Each .docx, .pdf or .odt file goes through the same gate as an upload (`extraction.check_and_extract`),
then becomes a GoodPracticePage under the good-practice section: the document's heading as the title
(its file name made readable when it has none), its text as the body, the first lines as the summary,
and the file itself attached, with the topics given (each name whole: "Đào tạo, bồi dưỡng cán bộ" is one
topic). The write-up is left as a draft, sent for review, or published at once
(for reports that were approved in the past).

Old binary Word files (.doc) are picked up too, only to be reported with advice to save them as .docx:
units' archives are full of them, and silently leaving them out would look like a successful import.
Other files are not documents and are left alone.

A file whose content is already attached to a write-up (same hash, which Wagtail keeps for every
document) is skipped, so the command can be run again on a folder after fixing the files that failed.
Each file is imported in its own transaction: a bad one is reported and the others go on.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wagtail.documents import get_document_model
from wagtail.utils.file import hash_filelike

from media.importing import natural_key, title_from_filename
from portal.home.topic_names import match_topics
from portal.practices.extraction import DocumentRejected, Extracted, check_and_extract, preview
from portal.practices.models import GoodPracticePage, PracticeAttachment
from portal.practices.submission import practice_index, practices_collection, safe_file_name
from portal.units.importing import ImportFileError, decode, delimiter_of
from portal.units.models import Unit

DOCUMENT_EXTENSIONS = frozenset({".docx", ".pdf", ".odt"})
REPORTED_EXTENSIONS = DOCUMENT_EXTENSIONS | {".doc"}  # found so that they can be reported, see above
SUMMARY_CHARS = 300
TITLE_MAX_LENGTH = 255
_UNSAFE_IN_TITLE = re.compile(r"[<>\x00-\x1f\x7f]+")

DRAFT, IN_REVIEW, PUBLISHED, FAILED, SKIPPED = "draft", "in_review", "published", "failed", "skipped"
STATE_LABELS = {
    DRAFT: gettext_lazy("draft"),
    IN_REVIEW: gettext_lazy("sent for review"),
    PUBLISHED: gettext_lazy("published"),
    FAILED: gettext_lazy("failed"),
    SKIPPED: gettext_lazy("already imported"),
}


@dataclass
class ImportResult:
    """What became of one file."""

    file: Path
    state: str = FAILED
    page: GoodPracticePage | None = None
    error: str = ""

    @property
    def failed(self) -> bool:
        return self.state == FAILED

    def as_json(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "page_id": self.page.pk if self.page is not None else None,
            "state": self.state,
            "error": self.error or None,
        }


@dataclass
class UnitMap:
    """Which unit each file belongs to: one unit for all, or a table of file name → unit."""

    default: Unit | None = None
    by_path: dict[str, Unit] = field(default_factory=dict)
    by_name: dict[str, Unit] = field(default_factory=dict)

    def unit_for(self, path: Path, folder: Path) -> Unit | None:
        if self.default is not None:
            return self.default
        try:
            relative = path.relative_to(folder).as_posix()
        except ValueError:
            relative = path.name
        return self.by_path.get(_key(relative)) or self.by_name.get(_key(path.name))


def _key(name: str) -> str:
    return unicodedata.normalize("NFC", name.replace("\\", "/").strip().strip("/")).casefold()


def unit_map_for_code(code: str) -> UnitMap:
    """The map that gives every file to the unit with this code (ImportFileError if there is none)."""
    unit = Unit.objects.filter(code__iexact=code.strip()).first()
    if unit is None:
        raise ImportFileError(_("There is no unit with the code %(code)s.") % {"code": code})
    return UnitMap(default=unit)


def read_unit_map(data: bytes) -> UnitMap:
    """Read the CSV of `file,unit_code` rows (a header row first; UTF-8 or Windows-1258; "," or ";").

    Every row is checked before anything is imported: a wrong unit code stops the command with the list
    of wrong rows, rather than leaving half of a folder imported under no unit.
    """
    text = decode(data)
    lines = text.splitlines()
    if not lines:
        raise ImportFileError(_("The unit map is empty."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(lines[0]))
    header = [cell.strip().casefold() for cell in next(reader)]
    if "file" not in header or "unit_code" not in header:
        raise ImportFileError(_("The unit map needs a header row with the columns file and unit_code."))
    file_column, unit_column = header.index("file"), header.index("unit_code")
    units = {unit.code.casefold(): unit for unit in Unit.objects.all()}
    unit_map = UnitMap()
    errors = []
    for line_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        name = row[file_column].strip() if len(row) > file_column else ""
        code = row[unit_column].strip() if len(row) > unit_column else ""
        unit = units.get(code.casefold())
        if not name or unit is None:
            errors.append(
                _("Line %(line)d: there is no unit with the code “%(code)s”.") % {"line": line_number, "code": code}
                if name
                else _("Line %(line)d: the file name is missing.") % {"line": line_number}
            )
            continue
        unit_map.by_path[_key(name)] = unit
        unit_map.by_name.setdefault(_key(Path(name.replace("\\", "/")).name), unit)
    if errors:
        raise ImportFileError("\n".join(errors))
    return unit_map


def find_documents(folder: Path) -> list[Path]:
    """The documents under a folder (recursively, hidden files and folders left out), in natural order."""
    if folder.is_file():
        return [folder]
    found = []
    for parent, subfolders, names in os.walk(folder):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        found += [
            Path(parent, name)
            for name in names
            if not name.startswith((".", "~$")) and Path(name).suffix.lower() in REPORTED_EXTENSIONS
        ]
    return sorted(found, key=lambda path: [natural_key(part) for part in path.relative_to(folder).parts])


def page_title(extracted: Extracted, name: str) -> str:
    """The document's own heading, else its file name made readable; never markup or control characters."""
    title = extracted.title or title_from_filename(name)
    title = " ".join(_UNSAFE_IN_TITLE.sub(" ", unicodedata.normalize("NFC", title)).split())
    return title[:TITLE_MAX_LENGTH] or title_from_filename(name)[:TITLE_MAX_LENGTH]


def body_paragraphs(extracted: Extracted, title: str) -> list[str]:
    """The document's paragraphs without the heading that became the title."""
    paragraphs = [paragraph for paragraph in extracted.text.split("\n\n") if paragraph.strip()]
    if paragraphs and " ".join(paragraphs[0].split()) == title:
        paragraphs = paragraphs[1:]
    return paragraphs


def body_html(paragraphs: list[str]) -> str:
    """Rich text for the page's body: one escaped paragraph each, line breaks kept."""
    return "".join(
        "<p>" + "<br/>".join(escape(line) for line in paragraph.split("\n")) + "</p>" for paragraph in paragraphs
    )


def file_hash(path: Path) -> str:
    """The hash Wagtail stores in Document.file_hash, so a file already in the portal is recognised."""
    with path.open("rb") as stream:
        return hash_filelike(stream)


def already_imported(content_hash: str) -> GoodPracticePage | None:
    attachment = (
        PracticeAttachment.objects.filter(document__file_hash=content_hash)
        .select_related("page")
        .order_by("pk")
        .first()
    )
    return attachment.page if attachment is not None else None


def store_file(path: Path, *, content_hash: str, user: Any) -> Any:
    """Copy the file into the portal's storage as a document of the "Cách làm hay" collection."""
    name = unicodedata.normalize("NFC", path.name)
    document = get_document_model()(
        title=title_from_filename(name), collection=practices_collection(), uploaded_by_user=user
    )
    with path.open("rb") as stream:
        document.file.save(safe_file_name(name), File(stream), save=False)
    document.file_size = path.stat().st_size
    document.file_hash = content_hash
    document.save()
    return document


def create_practice(
    path: Path,
    extracted: Extracted,
    *,
    unit: Unit,
    user: Any,
    content_hash: str,
    submit: bool,
    publish: bool,
    topics: Sequence[str] = (),
) -> tuple[GoodPracticePage, str]:
    """The write-up for one checked document, in the state asked for."""
    name = unicodedata.normalize("NFC", path.name)
    title = page_title(extracted, name)
    paragraphs = body_paragraphs(extracted, title)
    document = store_file(path, content_hash=content_hash, user=user)
    try:
        return _create_page(
            title,
            paragraphs,
            extracted,
            document,
            unit=unit,
            user=user,
            submit=submit,
            publish=publish,
            topics=topics,
        )
    except BaseException:
        document.file.delete(save=False)  # the rows roll back with the transaction; the copied file must go too
        raise


def _create_page(
    title: str,
    paragraphs: list[str],
    extracted: Extracted,
    document: Any,
    *,
    unit: Unit,
    user: Any,
    submit: bool,
    publish: bool,
    topics: Sequence[str] = (),
) -> tuple[GoodPracticePage, str]:
    page = GoodPracticePage(
        title=title,
        draft_title=title,
        unit=unit,
        owner=user,
        live=False,
        # A report from years ago keeps its own date, so the year filter and the order stay right.
        date=extracted.written or timezone.localdate(),
        summary=preview(" ".join(" ".join(paragraphs).split()), SUMMARY_CHARS),
        body=body_html(paragraphs),
    )
    page.attachments = [PracticeAttachment(document=document, text=extracted.text, sort_order=0)]
    page.topics.add(*match_topics(topics))  # each name is one topic, commas and all
    practice_index().add_child(instance=page)
    revision = page.save_revision(user=user, log_action="wagtail.create", clean=False)
    if publish:
        revision.publish(user=user)
        return page, PUBLISHED
    if submit:
        workflow = page.get_workflow()
        if workflow is None:
            raise LookupError("no review workflow for the good practices section")
        workflow.start(page, user)
        return page, IN_REVIEW
    return page, DRAFT


def import_file(
    path: Path,
    folder: Path,
    unit_map: UnitMap,
    *,
    user: Any = None,
    submit: bool = False,
    publish: bool = False,
    topics: Sequence[str] = (),
) -> ImportResult:
    """Import one file, whatever goes wrong: the outcome is always a result, never an exception."""
    unit = unit_map.unit_for(path, folder)
    if unit is None:
        return ImportResult(path, error=_("The unit map gives no unit for this file."))
    try:
        content_hash = file_hash(path)
        existing = already_imported(content_hash)
        if existing is not None:
            return ImportResult(path, state=SKIPPED, page=existing)
        extracted = check_and_extract(path, path.name, background=True)
        if extracted.kind not in {"docx", "pdf", "odt"}:
            raise DocumentRejected("unknown_type", _("Only Word, PDF and OpenDocument texts become write-ups."))
        with transaction.atomic():
            page, state = create_practice(
                path,
                extracted,
                unit=unit,
                user=user,
                content_hash=content_hash,
                submit=submit,
                publish=publish,
                topics=topics,
            )
    except DocumentRejected as rejected:
        return ImportResult(path, error=str(rejected.message))
    except OSError as error:
        return ImportResult(path, error=_("The file cannot be read: %(error)s") % {"error": error.strerror or error})
    except Exception as error:  # one bad file must not stop the backlog
        return ImportResult(path, error=_("The write-up could not be created: %(error)s") % {"error": error})
    return ImportResult(path, state=state, page=page)


def import_folder(
    folder: Path,
    unit_map: UnitMap,
    *,
    user: Any = None,
    submit: bool = False,
    publish: bool = False,
    topics: Sequence[str] = (),
) -> Iterator[ImportResult]:
    """Import every document under the folder, yielding each outcome as soon as it is known."""
    for path in find_documents(folder):
        yield import_file(path, folder, unit_map, user=user, submit=submit, publish=publish, topics=topics)
