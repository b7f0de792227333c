"""Reading an attached document: what it is by its bytes, whether it may be attached, and its text.

This is the half of the attachment check (portal.practices.extraction) that touches a file's bytes, and it runs
in a short-lived process of its own (`python -m portal.practices.document_reader`, request as JSON on stdin,
answer as JSON on stdout). extraction.check_and_extract starts it in its own process group with a ceiling on
its address space (RLIMIT_AS) and CPU time (RLIMIT_CPU), and kills the group when it outlives a wall-clock
limit. A hostile document (95 MB of XML in a 10 MB .docx, a PDF that makes the parser loop) then costs the web
process nothing and gives its memory back when the process ends. No Django here, so the process starts in a
tenth of a second; the refusal says its `code` and parameters, and extraction.py turns them into the message
a person reads, in their language.

Decisions a newcomer might question:
- The type is decided by the bytes, never by the name: PDF by its `%PDF-` header, .docx and .odt by
  looking inside the ZIP container ([Content_Types].xml, the `mimetype` entry), pictures by their magic
  numbers. The extension must then agree with the content (a Word file named ".pdf" would open in the wrong
  program on every reader's computer). Pictures are the exception: a PNG named ".jpg" is still a picture.
- ZIP-based files are judged on their central directory before anything is decompressed: number of
  entries, total declared size (Limits.max_unpacked_bytes), compression ratio. Python's zipfile never yields
  more bytes than an entry declares (it stops and fails the CRC check), so the declared sizes are real bounds.
- word/document.xml is streamed through defusedxml's parser with a target that keeps only the text (no tree
  is built), the way python-docx reads it: body paragraphs, and body tables one line per row. Reading stops
  once Limits.max_text_chars are gathered or Limits.seconds have passed (the text is then marked truncated).
  OpenDocument text is read by odfpy, which builds the whole tree: the process's memory limit is its bound.
- Macros are refused outright (VBA projects, ActiveX, macro-enabled content types, ODF Basic/scripts and
  script event listeners). PDFs containing JavaScript are accepted: nothing here runs them, only text is read.
- Encrypted files are refused, except PDFs that open with an empty password (the common "protected
  against editing" PDF), whose text is readable.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import resource
import sys
import time
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from defusedxml import ElementTree as SafeElementTree

from media.children import bound_this_process

MAX_PDF_PAGES = 500
MAX_ZIP_ENTRIES = 5_000
MAX_COMPRESSION_RATIO = 100  # checked on entries larger than RATIO_CHECK_FROM_BYTES once unpacked
RATIO_CHECK_FROM_BYTES = 1024 * 1024
MAX_SMALL_PART_BYTES = 1024 * 1024  # [Content_Types].xml, mimetype, manifest, core.xml: tiny in any real file
MAX_IMAGE_PIXELS = 80_000_000  # a 64-megapixel phone photo passes
TITLE_MAX_CHARS = 255
STREAM_CHUNK = 256 * 1024

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif"})
KIND_OF_EXTENSION = {".docx": "docx", ".pdf": "pdf", ".odt": "odt"} | dict.fromkeys(IMAGE_EXTENSIONS, "image")


@dataclass(frozen=True)
class Limits:
    """What one file may ask of the reading process (the process's memory and CPU are bounded apart)."""

    max_bytes: int
    max_unpacked_bytes: int  # the ZIP members of a .docx/.odt together, once unpacked
    max_text_chars: int
    seconds: float  # reading stops this long after `started` and keeps the text gathered so far
    started: float = 0.0  # time.monotonic() when the clock started (the parent's: it is system-wide); 0: now


class Refused(Exception):
    """The file cannot be attached: `code` says why, `params` what the message needs (plain JSON values)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Read:
    """What an accepted file is and the text read from it."""

    kind: str  # "docx" | "pdf" | "odt" | "image"
    text: str  # plain text, paragraphs separated by blank lines, NFC; "" for pictures and scans
    title: str  # the document's own heading, "" when it has none
    truncated: bool = False  # the text stops at a bound (characters, pages or time)
    written: datetime.date | None = None  # when the document says it was written


# python-docx's blank template carries this creation time: documents made by programs built on it say
# nothing true about when they were written.
_TEMPLATE_TIMESTAMPS = {datetime.datetime(2013, 12, 23, 23, 15, tzinfo=datetime.UTC)}


def _plausible_date(value: Any) -> datetime.date | None:
    """A date from document metadata, or None when it is missing or absurd (1601, the future...)."""
    if isinstance(value, datetime.datetime):
        if value in _TEMPLATE_TIMESTAMPS:
            return None
        value = value.date()
    if not isinstance(value, datetime.date):
        return None
    if not datetime.date(1990, 1, 1) <= value <= datetime.date.today() + datetime.timedelta(days=1):
        return None
    return value


def read_document(stream: IO[bytes], name: str, limits: Limits) -> Read:
    """Check a file by its content and read its text, or raise Refused. `name` is the name the user gave it."""
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise Refused("empty")
    if size > limits.max_bytes:
        raise Refused("too_large", size=size, limit=limits.max_bytes)
    head = stream.read(8192)
    stream.seek(0)

    if head.startswith(b"PK\x03\x04"):
        return _check_zip(stream, name, limits)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # An OLE2 container: an old .doc/.xls, or a password-protected .docx (Office wraps those in OLE2).
        if _contains(stream, "EncryptedPackage".encode("utf-16-le")):
            raise Refused("encrypted")
        raise Refused("legacy_format")
    if b"%PDF-" in head[:1024]:
        _require_kind(name, "pdf")
        return _extract_pdf(stream, limits)
    if _image_format(head):
        _require_kind(name, "image")
        _check_image(stream)
        return Read(kind="image", text="", title="")
    raise Refused("unknown_type")


def _require_kind(name: str, actual: str) -> None:
    extension = Path(name).suffix.lower()
    if KIND_OF_EXTENSION.get(extension) != actual:
        raise Refused("mismatch", actual=actual)


def _image_format(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def _contains(stream: IO[bytes], needle: bytes, chunk: int = 1024 * 1024) -> bool:
    stream.seek(0)
    tail = b""
    try:
        while block := stream.read(chunk):
            if needle in tail + block:
                return True
            tail = block[-len(needle) :]
        return False
    finally:
        stream.seek(0)


def _check_image(stream: IO[bytes]) -> None:
    from PIL import Image

    try:
        with Image.open(stream) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise Refused("image_too_large", megapixels=MAX_IMAGE_PIXELS // 1_000_000)
            image.verify()
    except (Refused, MemoryError):
        raise
    except Image.DecompressionBombError as error:
        raise Refused("image_too_large", megapixels=MAX_IMAGE_PIXELS // 1_000_000) from error
    except Exception as error:
        raise Refused("malformed") from error


# ZIP containers: .docx and .odt.


def _check_zip(stream: IO[bytes], name: str, limits: Limits) -> Read:
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise Refused("malformed") from error
    with archive:
        infos = archive.infolist()
        _check_directory(infos, limits)
        names = {info.filename for info in infos}
        if "mimetype" in names:
            kind = _odf_kind(archive)
        elif "[Content_Types].xml" in names:
            kind = _ooxml_kind(archive)
        else:
            kind = None
        if kind is None:
            raise Refused("unknown_type")
        _require_kind(name, kind)
        if kind == "docx":
            return _reading(lambda: _extract_docx(archive, limits))
    stream.seek(0)
    return _reading(lambda: _extract_odt(stream, limits))


def _check_directory(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse archive bombs from the ZIP's table of contents alone, before unpacking anything."""
    if len(infos) > MAX_ZIP_ENTRIES:
        raise Refused("archive_bomb")
    for info in infos:
        if info.flag_bits & 0x1:
            raise Refused("encrypted")
        if info.file_size > RATIO_CHECK_FROM_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            raise Refused("archive_bomb")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limits.max_unpacked_bytes:
        raise Refused("unpacked_too_large", size=unpacked, limit=limits.max_unpacked_bytes)


def _read_small(archive: zipfile.ZipFile, part: str) -> bytes:
    try:
        info = archive.getinfo(part)
        if info.file_size > MAX_SMALL_PART_BYTES:
            raise Refused("malformed")
        return archive.read(info)
    except (Refused, MemoryError):
        raise
    except Exception as error:
        raise Refused("malformed") from error


def _entry_contains(archive: zipfile.ZipFile, part: str, needles: Iterable[bytes]) -> bool:
    """Whether an entry holds any of the needles, read in chunks (content.xml may be large)."""
    needles = tuple(needles)
    overlap = max(len(needle) for needle in needles)
    try:
        with archive.open(part) as entry:
            tail = b""
            while block := entry.read(1024 * 1024):
                window = tail + block
                if any(needle in window for needle in needles):
                    return True
                tail = block[-overlap:]
    except KeyError:
        return False
    except MemoryError:
        raise
    except Exception as error:
        raise Refused("malformed") from error
    return False


def _ooxml_kind(archive: zipfile.ZipFile) -> str | None:
    try:
        types = SafeElementTree.fromstring(_read_small(archive, "[Content_Types].xml"))
    except (Refused, MemoryError):
        raise
    except Exception as error:
        raise Refused("malformed") from error
    content_types = {element.get("ContentType", "") for element in types}
    lowered = [part.filename.lower() for part in archive.infolist()]
    if any("macroenabled" in kind.lower() or "vbaproject" in kind.lower() for kind in content_types) or any(
        part.endswith(("vbaproject.bin", "vbadata.xml")) or "/activex/" in part for part in lowered
    ):
        raise Refused("macro")
    return "docx" if DOCX_MAIN in content_types else None


def _odf_kind(archive: zipfile.ZipFile) -> str | None:
    mimetype = _read_small(archive, "mimetype").strip().decode("ascii", "replace")
    if not mimetype.startswith("application/vnd.oasis.opendocument."):
        return None
    for part in archive.namelist():
        folder, _slash, rest = part.partition("/")
        if folder == "Scripts" and rest and not rest.endswith("/"):
            raise Refused("macro")
        if folder == "Basic" and rest and not rest.endswith(("/", "script-lc.xml", "script-lb.xml")):
            raise Refused("macro")
    for part in ("content.xml", "styles.xml"):
        if _entry_contains(archive, part, [b"script:event-listener", b"vnd.sun.star.script:"]):
            raise Refused("macro")
    if _entry_contains(archive, "META-INF/manifest.xml", [b"encryption-data"]):
        raise Refused("encrypted")
    return "odt" if mimetype == ODT_MIMETYPE else None


# Reading the text.


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0]+")


def clean_text(text: str) -> str:
    """NFC, no control characters (PostgreSQL refuses NUL), tidy spaces; line breaks are kept."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")).strip()


def _title(text: str) -> str:
    title = " ".join(clean_text(text).split())
    if len(title) <= TITLE_MAX_CHARS:
        return title
    cut = title[: TITLE_MAX_CHARS - 1]
    return cut[: cut.rfind(" ")] if " " in cut else cut


class _TextCollector:
    """Gathers paragraphs up to `max_chars`, and stops taking more once `seconds` have passed."""

    def __init__(self, limits: Limits) -> None:
        self.paragraphs: list[str] = []
        self.length = 0
        self.truncated = False
        self.max_chars = limits.max_text_chars
        self.deadline = (limits.started or time.monotonic()) + limits.seconds

    @property
    def full(self) -> bool:
        if not self.truncated and time.monotonic() > self.deadline:
            self.truncated = True
        return self.truncated

    @property
    def room(self) -> int:
        return max(self.max_chars - self.length, 0)

    def add(self, paragraph: str) -> None:
        paragraph = clean_text(paragraph)
        if not paragraph or self.truncated:
            return
        room = self.room
        if len(paragraph) > room:
            paragraph = paragraph[:room]
            self.truncated = True
        self.paragraphs.append(paragraph)
        self.length += len(paragraph) + 2
        if self.length >= self.max_chars:
            self.truncated = True

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def _reading(read: Callable[[], Read]) -> Read:
    """Run a reader; whatever it trips over in a broken file becomes a refusal. Running out of memory is
    not the file being broken: it goes up to the process, which says so."""
    try:
        return read()
    except (Refused, MemoryError):
        raise
    except Exception as error:
        raise Refused("malformed") from error


# .docx: word/document.xml streamed, never held whole.

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_BODY, _P, _R, _T, _TBL, _TR, _TC = (_W + tag for tag in ("body", "p", "r", "t", "tbl", "tr", "tc"))
_P_STYLE, _P_PR, _VAL = _W + "pStyle", _W + "pPr", _W + "val"
# Inline elements a run may sit in and still be part of its paragraph's text (what Word shows).
_INLINE_CONTAINERS = frozenset(
    _W + tag for tag in ("hyperlink", "ins", "smartTag", "fldSimple", "customXml", "sdt", "sdtContent", "moveTo")
)
# Run children that stand for characters (python-docx's Run.text); w:br only as a line break, not a page break.
_RUN_CHARACTERS = {_W + "tab": "\t", _W + "ptab": "\t", _W + "cr": "\n", _W + "noBreakHyphen": "-"}


class _StopReading(Exception):
    pass


class _StreamedParagraph:
    def __init__(self, depth: int, in_table: bool) -> None:
        self.depth = depth  # its index in the element stack
        self.in_table = in_table
        self.parts: list[str] = []
        self.length = 0
        self.style_id = ""

    def append(self, text: str, room: int) -> bool:
        """Keep `text`; False once the paragraph holds as much as the text may still take."""
        if self.length < room:
            self.parts.append(text[: room - self.length])
            self.length += len(text)
        return self.length < room

    @property
    def text(self) -> str:
        return "".join(self.parts)


@dataclass
class _DocxBody:
    """A target for defusedxml's XMLParser fed with word/document.xml: it keeps the element path and the text
    of the paragraph being read, nothing else, so memory stays flat whatever the size of the part."""

    collector: _TextCollector
    heading_styles: set[str]
    default_style_heading: bool
    title: str = ""
    path: list[str] = field(default_factory=list)
    paragraph: _StreamedParagraph | None = None
    in_text: bool = False
    row: list[str] | None = None
    cell: list[str] | None = None

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        parent = self.path[-1] if self.path else ""
        self.path.append(tag)
        depth = len(self.path) - 1
        if tag == _P and self.paragraph is None:
            top = depth == 2 and parent == _BODY
            in_cell = depth == 5 and self.cell is not None and parent == _TC
            if top or in_cell:
                self.paragraph = _StreamedParagraph(depth, in_table=in_cell)
        elif self.paragraph is not None:
            if tag == _P_STYLE and depth == self.paragraph.depth + 2 and parent == _P_PR:
                self.paragraph.style_id = attrib.get(_VAL, "")
            elif parent == _R and self._in_paragraph_text(depth - 1):
                if tag == _T:
                    self.in_text = True
                elif tag in _RUN_CHARACTERS:
                    self._append(_RUN_CHARACTERS[tag])
                elif tag == _W + "br" and attrib.get(_W + "type", "textWrapping") == "textWrapping":
                    self._append("\n")
        elif (depth == 2 and tag == _TBL and parent == _BODY) or (self.row is not None and depth == 3 and tag == _TR):
            self.row = []  # a body table begins, or one of its rows
        elif self.row is not None and depth == 4 and tag == _TC:
            self.cell = []

    def _in_paragraph_text(self, run_depth: int) -> bool:
        """Whether the run at `run_depth` belongs to the paragraph's text: nothing but inline containers
        between them (a text box's paragraphs, drawings and deleted text are not the paragraph's)."""
        assert self.paragraph is not None
        return all(tag in _INLINE_CONTAINERS for tag in self.path[self.paragraph.depth + 1 : run_depth])

    def data(self, text: str) -> None:
        if self.in_text:
            self._append(text)

    def _append(self, text: str) -> None:
        assert self.paragraph is not None
        if not self.paragraph.append(text, self.collector.room) and not self.paragraph.in_table:
            self._end_paragraph()  # as much text as may be kept: the rest of the document is not needed
            raise _StopReading

    def end(self, tag: str) -> None:
        depth = len(self.path) - 1
        self.path.pop()
        if tag == _T:
            self.in_text = False
        elif self.paragraph is not None and tag == _P and depth == self.paragraph.depth:
            self._end_paragraph()
        elif tag == _TC and depth == 4 and self.cell is not None:
            assert self.row is not None
            self.row.append(" ".join(self.cell).strip())
            self.cell = None
        elif tag == _TR and depth == 3 and self.row is not None:
            if any(self.row):
                self.collector.add(" | ".join(self.row))
            self.row = []
        elif tag == _TBL and depth == 2:
            self.row = None
        if self.collector.full:
            raise _StopReading

    def _end_paragraph(self) -> None:
        paragraph, self.paragraph = self.paragraph, None
        assert paragraph is not None
        text = paragraph.text
        if paragraph.in_table:
            assert self.cell is not None
            self.cell.append(text.strip())
            return
        heading = paragraph.style_id in self.heading_styles if paragraph.style_id else self.default_style_heading
        if not self.title and heading and text.strip():
            self.title = _title(text)
        self.collector.add(text)

    def close(self) -> None:
        return None


@dataclass
class _HeadingStyles:
    """A target for word/styles.xml: the ids of paragraph styles named "Title" or "Heading …"."""

    ids: set[str] = field(default_factory=set)
    default_is_heading: bool = False
    _style: tuple[str, bool] | None = None  # (id, default) of the style being read

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if tag == _W + "style":
            self._style = None
            if attrib.get(_W + "type") == "paragraph":
                self._style = (attrib.get(_W + "styleId", ""), attrib.get(_W + "default") in {"1", "true", "on"})
        elif tag == _W + "name" and self._style is not None:
            name = attrib.get(_VAL, "").strip().lower()
            if name == "title" or name.startswith("heading"):
                style_id, default = self._style
                self.ids.add(style_id)
                self.default_is_heading = self.default_is_heading or default

    def end(self, tag: str) -> None:
        if tag == _W + "style":
            self._style = None

    def data(self, text: str) -> None:
        return None

    def close(self) -> None:
        return None


def _stream_part(archive: zipfile.ZipFile, part: str, target: Any) -> None:
    """Feed an entry of the archive to `target` through defusedxml's parser (no DTD, no entities), chunk by
    chunk; the target may stop the reading by raising _StopReading."""
    parser = SafeElementTree.DefusedXMLParser(target=target, forbid_dtd=True)
    try:
        with archive.open(part) as entry:
            while chunk := entry.read(STREAM_CHUNK):
                parser.feed(chunk)
        parser.close()
    except _StopReading:
        return


def _main_document_part(archive: zipfile.ZipFile) -> str:
    """The main part named by the package's relationships (word/document.xml in every Word file seen)."""
    rels = SafeElementTree.fromstring(_read_small(archive, "_rels/.rels"))
    for relation in rels:
        if relation.get("Type", "").endswith("/officeDocument"):
            return relation.get("Target", "").lstrip("/")
    raise Refused("malformed")


def _extract_docx(archive: zipfile.ZipFile, limits: Limits) -> Read:
    document = _main_document_part(archive)
    styles = _HeadingStyles()
    folder = document.rpartition("/")[0]
    styles_part = f"{folder}/styles.xml" if folder else "styles.xml"
    if styles_part in archive.namelist():
        _stream_part(archive, styles_part, styles)
    body = _DocxBody(_TextCollector(limits), heading_styles=styles.ids, default_style_heading=styles.default_is_heading)
    _stream_part(archive, document, body)
    title, written = _docx_core_properties(archive)
    return Read(
        kind="docx",
        text=body.collector.text,
        title=body.title or _title(title),
        truncated=body.collector.truncated,
        written=written,
    )


def _docx_core_properties(archive: zipfile.ZipFile) -> tuple[str, datetime.date | None]:
    """The title and the date written from docProps/core.xml, when there is one."""
    if "docProps/core.xml" not in archive.namelist():
        return "", None
    try:
        core = SafeElementTree.fromstring(_read_small(archive, "docProps/core.xml"))
    except (Refused, MemoryError):
        raise
    except Exception:  # broken metadata does not make the text unreadable
        return "", None
    values = {element.tag.rpartition("}")[2]: (element.text or "").strip() for element in core}

    def moment(key: str) -> datetime.date | None:
        try:
            value = datetime.datetime.fromisoformat(values.get(key, ""))
        except ValueError:
            return None
        return _plausible_date(value if value.tzinfo else value.replace(tzinfo=datetime.UTC))

    return values.get("title", ""), moment("created") or moment("modified")


# .odt: odfpy builds the tree; the process's memory limit bounds it.


def _extract_odt(stream: IO[bytes], limits: Limits) -> Read:
    from odf import opendocument, teletype
    from odf.namespaces import DCNS, TABLENS, TEXTNS

    def walk(element: Any, collector: _TextCollector, headings: list[str]) -> None:
        for child in element.childNodes:
            if collector.full:
                return
            qname = getattr(child, "qname", None)
            if qname in ((TEXTNS, "p"), (TEXTNS, "h")):
                text = teletype.extractText(child)
                if qname == (TEXTNS, "h") and text.strip():
                    headings.append(text)
                collector.add(text)
            elif qname == (TABLENS, "table-row"):
                cells = [
                    " ".join(teletype.extractText(p) for p in cell.childNodes if getattr(p, "qname", None))
                    for cell in child.childNodes
                    if getattr(cell, "qname", None) == (TABLENS, "table-cell")
                ]
                if any(cell.strip() for cell in cells):
                    collector.add(" | ".join(cell.strip() for cell in cells))
            elif qname is not None:
                walk(child, collector, headings)

    document = opendocument.load(stream)
    collector = _TextCollector(limits)
    headings: list[str] = []
    walk(document.text, collector, headings)
    title = headings[0] if headings else ""
    if not title:
        titles = [node for node in document.meta.childNodes if getattr(node, "qname", None) == (DCNS, "title")]
        title = teletype.extractText(titles[0]) if titles else ""
    return Read(
        kind="odt", text=collector.text, title=_title(title), truncated=collector.truncated, written=_odt_date(document)
    )


def _odt_date(document: Any) -> datetime.date | None:
    from odf import teletype
    from odf.namespaces import DCNS, METANS

    for qname in ((METANS, "creation-date"), (DCNS, "date")):
        for node in document.meta.childNodes:
            if getattr(node, "qname", None) == qname:
                try:
                    return _plausible_date(datetime.datetime.fromisoformat(teletype.extractText(node).strip()[:19]))
                except ValueError:
                    continue
    return None


# PDF: no paragraphs in the file, only lines; put the lines of a paragraph back together.

_SENTENCE_END = re.compile(r"[.:;!?…”\")»]$")
_LIST_ITEM = re.compile(r"^([-\u2013\u2014\u2022+*]\s|\d+(\.\d+)*[.)]\s|[a-zđ][).]\s|[IVXLC]+[.)]\s)")


def _is_heading_line(line: str) -> bool:
    letters = [char for char in line if char.isalpha()]
    return bool(letters) and all(char.isupper() for char in letters)


def pdf_paragraphs(page_text: str) -> list[str]:
    """Join the wrapped lines of a PDF page into paragraphs: a line ends its paragraph when it ends a
    sentence, is a heading in capitals, or when the next line starts a list item. Best effort."""
    paragraphs: list[str] = []
    current: list[str] = []
    for raw in page_text.splitlines():
        line = raw.strip()
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        if current and (_SENTENCE_END.search(current[-1]) or _is_heading_line(current[-1]) or _LIST_ITEM.match(line)):
            paragraphs.append(" ".join(current))
            current = []
        current.append(line)
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def _pdf_date(reader: Any) -> datetime.date | None:
    try:
        metadata = reader.metadata
        if not metadata:
            return None
        return _plausible_date(metadata.creation_date) or _plausible_date(metadata.modification_date)
    except Exception:  # a malformed date in otherwise readable metadata
        return None


def _pdf_metadata_title(reader: Any) -> str:
    try:
        title = str((reader.metadata or {}).get("/Title") or "")
    except Exception:
        return ""
    title = re.sub(r"^Microsoft (Word|PowerPoint) - ", "", title.strip())
    if re.search(r"\.(docx?|odt|pdf|rtf)$", title, re.IGNORECASE):
        return ""  # a file name, not a title
    return _title(title)


def _extract_pdf(stream: IO[bytes], limits: Limits) -> Read:
    from pypdf import PasswordType, PdfReader

    def read() -> Read:
        reader = PdfReader(stream, strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception as error:
                raise Refused("encrypted") from error
            if opened == PasswordType.NOT_DECRYPTED:
                raise Refused("encrypted")
        collector = _TextCollector(limits)
        first_paragraph = ""
        for number, page in enumerate(reader.pages):
            if collector.full:
                break
            if number >= MAX_PDF_PAGES:
                collector.truncated = True
                break
            page_text = page.extract_text() or ""
            for paragraph in pdf_paragraphs(page_text):
                first_paragraph = first_paragraph or paragraph
                collector.add(paragraph)
        title = _pdf_metadata_title(reader) or _title(first_paragraph)
        return Read(
            kind="pdf", text=collector.text, title=title, truncated=collector.truncated, written=_pdf_date(reader)
        )

    return _reading(read)


# The reading process.

TOO_DEMANDING = "too_demanding"  # the code of a file that needed more memory or time than the process has


def answer(path: Path, name: str, limits: Limits) -> dict[str, Any]:
    """The reading of one file as the process reports it: {"read": {...}} or {"refused": code, "params": {...}}."""
    try:
        with path.open("rb") as stream:
            read = read_document(stream, name, limits)
    except Refused as refused:
        if refused.code == "malformed" and _ran_out_of_memory(refused):
            return {"refused": TOO_DEMANDING, "params": {}}
        return {"refused": refused.code, "params": refused.params}
    except MemoryError:
        return {"refused": TOO_DEMANDING, "params": {}}
    result = asdict(read)
    result["written"] = read.written.isoformat() if read.written else None
    return {"read": result}


def _ran_out_of_memory(error: BaseException) -> bool:
    """Whether a file was called malformed because the process hit its memory ceiling on the way: a parser may
    report a failed allocation as its own error (expat's "out of memory", zlib's "insufficient memory" while
    unpacking), not as a MemoryError."""
    if _near_address_space_ceiling():
        return True  # whatever a parser made of a failed allocation (some report a broken document)
    seen: BaseException | None = error.__cause__ or error.__context__
    while seen is not None:
        if isinstance(seen, MemoryError) or any(
            words in str(seen).lower()
            for words in ("out of memory", "no memory", "insufficient memory", "cannot allocate memory")
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _near_address_space_ceiling() -> bool:
    """Whether this process's address space has at some point come within a tenth of its RLIMIT_AS (VmPeak is
    what that limit bounds): an allocation near there is what fails."""
    ceiling, _ = resource.getrlimit(resource.RLIMIT_AS)
    if ceiling == resource.RLIM_INFINITY:
        return False
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmPeak:"))
    except (OSError, StopIteration, ValueError):
        return False
    return peak_kb * 1024 >= 0.9 * ceiling


def main() -> None:
    logging.disable(logging.CRITICAL)  # pypdf and odfpy warn about every oddity of a file: nobody reads them here
    warnings.simplefilter("ignore")
    request = json.loads(sys.stdin.buffer.read())
    bound_this_process(int(request["memory_bytes"]), int(request["cpu_seconds"]), int(request.get("parent", 0)))
    limits = Limits(**request["limits"])
    result = answer(Path(request["path"]), request["name"], limits)
    sys.stdout.write(json.dumps(result, ensure_ascii=True))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
