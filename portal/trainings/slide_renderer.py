"""Drawing a slide deck's thumbnails, in a short-lived process of its own.

`python -m portal.trainings.slide_renderer`, request as JSON on stdin, answer as JSON on stdout. slides.py
starts it (through media.children: its own process group, killed with the worker) with a ceiling on its address
space (RLIMIT_AS, SLIDE_RENDER_MEMORY_MB) and kills it after SLIDE_RENDER_SECONDS. The output size of a
thumbnail is bounded before anything is drawn (slides.thumbnail_scale), but PDFium still decodes some pictures
at their full size whatever size they are drawn at (an image with a soft mask: 30,000 by 30,000 pixels stored in
a few MB cost 2.7 GB): such a file now costs this process its memory, never the worker.

No Django here: the process starts in a tenth of a second. Each page is written as `<folder>/<number>.jpg`,
and the answer says, page by page, whether it was drawn; the worker stores the pictures.
"""

from __future__ import annotations

import io
import json
import logging
import math
import sys
import warnings
from pathlib import Path
from typing import Any

from media.children import bound_this_process

THUMBNAIL_WIDTH = 320  # pixels: sharp at 160 CSS pixels on a high-density screen
THUMBNAIL_MAX_HEIGHT = 4 * THUMBNAIL_WIDTH  # a taller page (a scroll, a receipt) is drawn narrower
THUMBNAIL_MIN_SIDE = 16  # pixels: a page that would come out thinner than this is not drawn
THUMBNAIL_QUALITY = 80


def thumbnail_scale(width: float, height: float, max_pixels: int) -> float | None:
    """Pixels per point for the thumbnail of a page of `width` by `height` points: THUMBNAIL_WIDTH pixels wide,
    less when the picture would be taller than THUMBNAIL_MAX_HEIGHT or hold more than `max_pixels`. None for
    a page that has no size or would come out thinner than THUMBNAIL_MIN_SIDE pixels (it is not drawn)."""
    if not (math.isfinite(width) and math.isfinite(height) and width > 0 and height > 0):
        return None
    scale = min(THUMBNAIL_WIDTH / width, THUMBNAIL_MAX_HEIGHT / height, math.sqrt(max_pixels / (width * height)))
    if min(width, height) * scale < THUMBNAIL_MIN_SIDE:
        return None
    return scale


def render(pdf_path: Path, folder: Path, max_pixels: int, max_pages: int) -> list[dict[str, Any]]:
    """One entry per page: {"number", "drawn": True} or {"number", "drawn": False, "thin": bool, "width",
    "height"} (a page too thin to draw, or one PDFium could not draw)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    pages: list[dict[str, Any]] = []
    try:
        for index in range(min(len(pdf), max_pages)):
            page = pdf[index]
            try:
                pages.append(_draw(page, index + 1, folder, max_pixels))
            finally:
                page.close()
    finally:
        pdf.close()
    return pages


def _draw(page: Any, number: int, folder: Path, max_pixels: int) -> dict[str, Any]:
    width, height = page.get_width(), page.get_height()
    scale = thumbnail_scale(width, height, max_pixels)
    entry: dict[str, Any] = {"number": number, "drawn": False, "thin": scale is None, "width": width, "height": height}
    if scale is None:
        return entry
    try:
        bitmap = page.render(scale=scale, may_draw_forms=True)
        image = bitmap.to_pil().convert("RGB")
        out = io.BytesIO()
        image.save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    except MemoryError:
        raise
    except Exception:  # a page PDFium cannot draw keeps its text; the page shows a placeholder
        return entry
    (folder / f"{number}.jpg").write_bytes(out.getvalue())
    entry["drawn"] = True
    return entry


def main() -> None:
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    request = json.loads(sys.stdin.buffer.read())
    bound_this_process(int(request["memory_bytes"]), int(request["cpu_seconds"]), int(request.get("parent", 0)))
    try:
        pages = render(
            Path(request["pdf"]), Path(request["folder"]), int(request["max_pixels"]), int(request["max_pages"])
        )
    except MemoryError:
        sys.stdout.write(json.dumps({"too_demanding": True}))
        sys.stdout.flush()
        raise SystemExit(3) from None
    sys.stdout.write(json.dumps({"pages": pages}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
