"""Real documents made in the tests: .docx (python-docx), .pdf (fpdf2), .odt (odfpy), pictures (Pillow), and
the bad files a submitter may bring (macro-enabled, archive bomb, password-protected, damaged).

Import with `from tests.practices.documents import make_docx` (pytest-django puts the project folder on
sys.path). Every function writes the file at `path` and returns `path`.
"""

from __future__ import annotations

import io
import logging
import struct
import zipfile
import zlib
from datetime import UTC, date, datetime
from pathlib import Path

VIETNAMESE = "Viện kiểm sát nhân dân khu vực 1 – Hà Nội đã áp dụng cách làm hay trong kiểm sát điều tra…"  # noqa: RUF001 - the en dash is part of the test
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def make_docx(
    path: Path, heading: str, paragraphs: list[str], *, title_style: str = "Heading 1", written: date | None = None
) -> Path:
    """A Word document: a heading (style `title_style`; "" for none) then ordinary paragraphs; `written` is
    the creation date Word would record."""
    import docx

    document = docx.Document()
    if written:
        document.core_properties.created = datetime(written.year, written.month, written.day, 9, 0, tzinfo=UTC)
        document.core_properties.modified = document.core_properties.created
    if heading:
        document.add_paragraph(heading, style=title_style)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(str(path))
    return path


def make_docx_with_table(path: Path, heading: str, rows: list[list[str]]) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(heading, level=1)
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.save(str(path))
    return path


def has_vietnamese_font() -> bool:
    return DEJAVU.is_file()


def make_pdf(
    path: Path,
    lines: list[str],
    *,
    title: str = "",
    password: str = "",
    javascript: str = "",
    written: date | None = None,
) -> Path:
    """A PDF with each line written as its own paragraph (long ones wrap). With DejaVu Sans, Vietnamese is
    written as is; without it, the text is turned into ASCII (check `has_vietnamese_font()`)."""
    from fpdf import FPDF

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # its font subsetting chatters at INFO
    pdf = FPDF()
    if has_vietnamese_font():
        pdf.add_font("DejaVu", fname=str(DEJAVU))
        pdf.set_font("DejaVu", size=12)
    else:
        from anyascii import anyascii

        pdf.set_font("Helvetica", size=12)
        lines = [anyascii(line) for line in lines]
    if title:
        pdf.set_title(title)
    if written:
        pdf.set_creation_date(datetime(written.year, written.month, written.day, 9, 0, tzinfo=UTC))
    pdf.add_page()
    for line in lines:
        pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    if password:
        from fpdf.enums import EncryptionMethod

        pdf.set_encryption(
            owner_password="owner-" + password, user_password=password, encryption_method=EncryptionMethod.AES_128
        )
    pdf.output(str(path))
    if javascript:
        from pypdf import PdfWriter
        from pypdf.actions import JavaScript

        writer = PdfWriter(clone_from=str(path))
        writer.add_open_action(JavaScript(javascript))
        writer.write(str(path))
    return path


def slides_pdf_bytes(pages: list[list[str]], *, password: str = "") -> bytes:
    """A landscape slide deck: one page per item of `pages`, each line of it written large, as a slide is.
    Needs DejaVu Sans for Vietnamese (see `has_vietnamese_font()`)."""
    from fpdf import FPDF

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    pdf = FPDF(orientation="landscape")
    pdf.add_font("DejaVu", fname=str(DEJAVU))
    for lines in pages:
        pdf.add_page()
        pdf.set_font("DejaVu", size=28)
        for line in lines:
            pdf.multi_cell(0, 14, line, new_x="LMARGIN", new_y="NEXT")
    if password:
        from fpdf.enums import EncryptionMethod

        pdf.set_encryption(
            owner_password="owner-" + password, user_password=password, encryption_method=EncryptionMethod.AES_128
        )
    return bytes(pdf.output())


def make_pdf_protected_against_editing(path: Path, lines: list[str]) -> Path:
    """Encrypted with an empty user password: opens without one, as many official PDFs do."""
    from fpdf import FPDF
    from fpdf.enums import EncryptionMethod

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    for line in lines:
        pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_encryption(owner_password="owner-secret", user_password="", encryption_method=EncryptionMethod.AES_128)
    pdf.output(str(path))
    return path


def make_odt(path: Path, heading: str, paragraphs: list[str], *, written: date | None = None) -> Path:
    """An OpenDocument text: a level-1 heading then ordinary paragraphs."""
    from odf.meta import CreationDate
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    if written:
        document.meta.addElement(CreationDate(text=f"{written.isoformat()}T09:00:00"))
    if heading:
        document.text.addElement(H(outlinelevel=1, text=heading))
    for paragraph in paragraphs:
        document.text.addElement(P(text=paragraph))
    document.save(str(path))
    return path


def make_odt_with_basic_macro(path: Path, heading: str) -> Path:
    """An .odt carrying a LibreOffice Basic module, as LibreOffice stores one."""
    source = make_odt(path.with_suffix(".plain.odt"), heading, ["Văn bản có macro."])
    module = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" '
        b'script:language="StarBasic">Sub Main\n  Shell("calc.exe")\nEnd Sub</script:module>'
    )
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as copy:
        for info in original.infolist():
            copy.writestr(info, original.read(info))
        copy.writestr("Basic/Standard/Module1.xml", module, zipfile.ZIP_DEFLATED)
    source.unlink()
    return path


def make_docm(path: Path, heading: str = "Báo cáo có macro") -> Path:
    """A macro-enabled Word document: the macro content type and a vbaProject.bin part."""
    source = make_docx(path.with_suffix(".plain.docx"), heading, ["Nội dung."])
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                    b"application/vnd.ms-word.document.macroEnabled.main+xml",
                ).replace(
                    b"</Types>",
                    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            copy.writestr(info, data)
        copy.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    source.unlink()
    return path


def make_docx_bomb(path: Path, unpacked_mb: int = 50) -> Path:
    """A .docx whose document part is tiny packed and `unpacked_mb` megabytes unpacked (a ratio near 1000)."""
    source = make_docx(path.with_suffix(".plain.docx"), "Báo cáo", ["Nội dung."])
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            if info.filename != "word/document.xml":
                copy.writestr(info, original.read(info))
        with copy.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(original.read("word/document.xml").replace(b"</w:body>", b""))
            spaces = b" " * (1024 * 1024)
            for _ in range(unpacked_mb):
                part.write(spaces)
            part.write(b"</w:body></w:document>")
    source.unlink()
    return path


def make_zip_with_many_entries(path: Path, count: int) -> Path:
    """A .docx padded with `count` empty entries."""
    source = make_docx(path.with_suffix(".plain.docx"), "Báo cáo", ["Nội dung."])
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as copy:
        for info in original.infolist():
            copy.writestr(info, original.read(info))
        for number in range(count):
            copy.writestr(f"customXml/empty{number}.xml", b"")
    source.unlink()
    return path


def make_encrypted_docx(path: Path) -> Path:
    """What Word writes for a password-protected .docx: an OLE2 compound file holding EncryptionInfo and
    EncryptedPackage streams (only the header and the directory names matter to the check)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    directory = b"".join(
        name.encode("utf-16-le").ljust(64, b"\0") + b"\0" * 64
        for name in ("Root Entry", "EncryptionInfo", "EncryptedPackage")
    )
    path.write_bytes(header + directory + b"\x5a" * 2048)
    return path


def make_legacy_doc(path: Path) -> Path:
    """An old binary Word file (.doc), as far as its first bytes and directory go."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    directory = b"".join(
        name.encode("utf-16-le").ljust(64, b"\0") + b"\0" * 64 for name in ("Root Entry", "WordDocument")
    )
    path.write_bytes(header + directory + b"\0" * 2048)
    return path


def make_png(path: Path, size: tuple[int, int] = (32, 24)) -> Path:
    from PIL import Image

    Image.new("RGB", size, (200, 30, 30)).save(path, "PNG")
    return path


def make_jpeg(path: Path, size: tuple[int, int] = (32, 24)) -> Path:
    from PIL import Image

    Image.new("RGB", size, (30, 30, 200)).save(path, "JPEG")
    return path


def make_huge_png_header(path: Path, width: int = 20_000, height: int = 20_000) -> Path:
    """A tiny PNG file that claims `width` by `height` pixels (a decompression bomb for picture readers)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    )
    return path


def truncated_copy(source: Path, path: Path, keep: float = 0.5) -> Path:
    """The first part of a real file: what an interrupted copy leaves."""
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def docx_bytes(heading: str, paragraphs: list[str]) -> bytes:
    """A Word document in memory (for uploads in form tests)."""
    import docx

    document = docx.Document()
    document.add_paragraph(heading, style="Heading 1")
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_docx_of_repeated_runs(path: Path, unpacked_mb: int = 95) -> Path:
    """A .docx whose document.xml is `unpacked_mb` megabytes of short bold runs of Vietnamese words: it packs
    into a few megabytes (each entry well under the compression-ratio check) and python-docx would need about
    ten times its size in memory to read it."""
    import random

    words = VIETNAMESE.replace("…", "").split() + [str(number) for number in range(100)]
    chooser = random.Random(11)  # noqa: S311 - test data, not a secret
    runs = []
    size = 0
    while size < 1024 * 1024:
        text = " ".join(chooser.choices(words, k=chooser.randint(2, 6)))
        run = f'<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{text} </w:t></w:r>'
        if chooser.random() < 0.05:
            run += "</w:p><w:p>"
        runs.append(run)
        size += len(run.encode())
    block = "".join(runs).encode()
    source = make_docx(path.with_suffix(".plain.docx"), "Báo cáo", ["Nội dung."])
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as copy:
        for info in original.infolist():
            if info.filename != "word/document.xml":
                copy.writestr(info, original.read(info))
        head, _body, tail = original.read("word/document.xml").partition(b"</w:body>")
        head = head.rpartition(b"<w:sectPr")[0] or head
        with copy.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(head + b"<w:p>")
            for _ in range(unpacked_mb):
                part.write(block)
            part.write(b"</w:p></w:body>" + tail)
    source.unlink()
    return path


def make_odt_of_many_spans(path: Path, unpacked_mb: int = 20) -> Path:
    """An .odt whose content.xml is `unpacked_mb` megabytes of short spans: within the unpacked-size bound, but
    odfpy, which builds the whole tree, needs far more memory than the file's size to read it."""
    import random

    words = VIETNAMESE.replace("…", "").split() + [str(number) for number in range(100)]
    chooser = random.Random(11)  # noqa: S311 - test data, not a secret
    paragraphs = []
    for _ in range(1600):  # a megabyte that does not repeat itself within deflate's window
        spans = (
            f'<text:span text:style-name="T1">{" ".join(chooser.choices(words, k=3))}</text:span> ' for _ in range(9)
        )
        paragraphs.append("<text:p>" + "".join(spans) + "</text:p>")
    block = "".join(paragraphs).encode()
    source = make_odt(path.with_suffix(".plain.odt"), "Báo cáo", ["Nội dung."])
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as copy:
        for info in original.infolist():
            if info.filename != "content.xml":
                copy.writestr(info, original.read(info), zipfile.ZIP_STORED if info.filename == "mimetype" else None)
        head, _found, tail = original.read("content.xml").partition(b"</office:text>")
        with copy.open("content.xml", "w", force_zip64=True) as part:
            part.write(head)
            for _ in range(unpacked_mb * 1024 * 1024 // len(block)):
                part.write(block)
            part.write(b"</office:text>" + tail)
    source.unlink()
    return path
