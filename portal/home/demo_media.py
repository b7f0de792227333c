"""Demo recordings for `manage.py seed_demo`, so that the demo player has something to play.

Each recording is a short slide show made with ffmpeg: a coloured background, the training's title,
the slide's heading and a few bullet lines in Vietnamese (drawtext with a font found on this machine,
no text at all when there is none), and the bullets read aloud by espeak-ng's Vietnamese voice (a quiet
tone when espeak-ng is not installed). It then goes through the portal's own pipeline — create_video,
process — and is attached to its demo training, one chapter per slide, and the page is republished. The
same slides are attached as a PDF (fpdf2), each page tied to the time it is shown, so the worker splits them
into pages and search finds "Slide 2" at its time.

A training that already has recording parts is left alone, so running seed_demo again adds nothing.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from wagtail.documents.models import Document

from media import children, processing
from media.importing import wait_for
from media.models import Video
from media.states import State
from media.transcripts import Window, save_transcript
from portal.trainings.models import Attachment, Chapter, RecordingPart, SlideTiming, TrainingPage

logger = logging.getLogger(__name__)

WIDTH, HEIGHT, FPS = 1280, 720, 25
SECONDS_PER_SLIDE = 10.0
FONT_NAME = "DejaVu Sans"
FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
]
BACKGROUNDS = ["0x1d3557", "0x264653", "0x5a1e2b"]
ACCENT = "0xffd166"
TOOL_TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class Slide:
    heading: str
    bullets: tuple[str, ...]


@dataclass(frozen=True)
class DemoPart:
    title: str  # shown in the parts switcher when a training has several parts
    slides: tuple[Slide, ...]


@dataclass(frozen=True)
class DemoRecording:
    slug: str  # of a training in portal.home.demo.TRAININGS
    parts: tuple[DemoPart, ...]


DEMO_RECORDINGS = [
    DemoRecording(
        "tap-huan-ky-nang-kiem-sat-vien-tai-phien-toa-hinh-su",
        (
            DemoPart(
                "Buổi sáng",
                (
                    Slide(
                        "Chuẩn bị hồ sơ và đề cương",
                        (
                            "Nghiên cứu kỹ hồ sơ, lập bảng tóm tắt chứng cứ",
                            "Dự kiến câu hỏi cho từng bị cáo, người làm chứng",
                            "Chuẩn bị phương án khi bị cáo phản cung",
                        ),
                    ),
                    Slide(
                        "Xét hỏi có trọng tâm",
                        (
                            "Hỏi ngắn gọn, mỗi câu một nội dung",
                            "Tập trung vào những tình tiết còn mâu thuẫn",
                            "Ghi lại lời khai mới để đối chiếu bút lục",
                        ),
                    ),
                    Slide(
                        "Trình bày bản luận tội",
                        (
                            "Đánh giá chứng cứ buộc tội và gỡ tội",
                            "Đề xuất mức hình phạt có căn cứ",
                        ),
                    ),
                ),
            ),
            DemoPart(
                "Buổi chiều",
                (
                    Slide(
                        "Tranh luận và đối đáp",
                        (
                            "Lắng nghe đầy đủ ý kiến của luật sư",
                            "Đối đáp có căn cứ, dẫn chứng bút lục",
                            "Giữ thái độ khách quan, điềm tĩnh",
                        ),
                    ),
                    Slide(
                        "Xử lý tình huống phát sinh",
                        (
                            "Bị cáo thay đổi lời khai tại phiên tòa",
                            "Người làm chứng quan trọng vắng mặt",
                            "Đề nghị hoãn phiên tòa khi cần thiết",
                        ),
                    ),
                ),
            ),
        ),
    ),
    DemoRecording(
        "huong-dan-ap-dung-bltths-ve-chung-cu-dien-tu",
        (
            DemoPart(
                "",
                (
                    Slide(
                        "Dữ liệu điện tử là gì",
                        (
                            "Ký hiệu, chữ viết, chữ số, hình ảnh, âm thanh",
                            "Tạo ra, lưu trữ, truyền đi bằng phương tiện điện tử",
                            "Điều 99 Bộ luật Tố tụng hình sự",
                        ),
                    ),
                    Slide(
                        "Thu giữ và bảo quản",
                        (
                            "Thu giữ cả phương tiện điện tử chứa dữ liệu",
                            "Niêm phong, lập biên bản đúng quy định",
                            "Sao lưu và bảo đảm tính toàn vẹn của dữ liệu",
                        ),
                    ),
                    Slide(
                        "Đánh giá chứng cứ điện tử",
                        (
                            "Kiểm tra nguồn gốc và tính toàn vẹn",
                            "Trưng cầu giám định khi cần thiết",
                            "Đối chiếu với các chứng cứ khác trong hồ sơ",
                        ),
                    ),
                ),
            ),
        ),
    ),
]


def find_font() -> str | None:
    """A font file with the Vietnamese letters: DejaVu Sans or fontconfig's nearest font covering Vietnamese,
    else DejaVu Sans in a known place, else None (the slides then have no text)."""
    binary = shutil.which("fc-match")
    if binary is not None:
        try:
            done = children.run(
                [binary, "-f", "%{file}", f"{FONT_NAME}:lang=vi"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            done = None
        if done is not None and done.returncode == 0 and done.stdout and Path(done.stdout).is_file():
            return done.stdout
    return next((path for path in FONT_CANDIDATES if Path(path).is_file()), None)


def speak(text: str, target: Path) -> bool:
    """Write `text` read by espeak-ng's Vietnamese voice to a WAV file; False when that is not possible."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        return False
    try:
        done = children.run(  # the text goes through stdin
            [binary, "-v", "vi", "-s", "170", "-b", "1", "--stdin", "-w", str(target)],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=TOOL_TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and target.is_file() and target.stat().st_size > 1000


def filter_value(value: str) -> str:
    """Escape a filter option's value for a filtergraph (both levels: option, then graph)."""
    for char in "\\':":
        value = value.replace(char, "\\" + char)
    for char in "\\'[],;":
        value = value.replace(char, "\\" + char)
    return value


def slide_texts(slide: Slide, *, title: str, part_title: str, number: int, count: int) -> dict[str, str]:
    """What each text box of a slide says, wrapped to fit 1280 pixels."""
    bullets = [textwrap.fill(bullet, 60, initial_indent="•  ", subsequent_indent="    ") for bullet in slide.bullets]
    footer = " · ".join(filter(None, [part_title, f"{number}/{count}"]))
    return {
        "title": textwrap.fill(title, 60),
        "heading": textwrap.fill(slide.heading, 40),
        "bullets": "\n".join(bullets),
        "footer": f"Cổng tập huấn ngành Kiểm sát · Bản trình diễn · {footer}",
    }


def slides_graph(count: int, *, seconds: float, font: str | None, speech: list[bool]) -> str:
    """The filtergraph of a slide show of `count` slides, each `seconds` long.

    Slide i's texts are read from the files title-i.txt, heading-i.txt, bullets-i.txt and footer-i.txt.
    Its sound is the next WAV input when `speech[i]` is true (inputs are given only for those slides, in
    order), otherwise a quiet tone.
    """
    chains = []
    spoken_input = 0
    boxes = [
        ("title", 36, "white", 40),
        ("heading", 48, ACCENT, 190),
        ("bullets", 34, "white", 320),
        ("footer", 20, "0xdddddd", HEIGHT - 48),
    ]
    for index in range(count):
        video = [
            f"color=c={BACKGROUNDS[index % len(BACKGROUNDS)]}:s={WIDTH}x{HEIGHT}:r={FPS}:d={seconds:.3f}",
            "drawbox=x=0:y=0:w=iw:h=150:color=black@0.3:t=fill",
            f"drawbox=x=60:y=170:w=8:h=70:color={ACCENT}:t=fill",
        ]
        if font:
            for name, size, colour, top in boxes:
                video.append(
                    f"drawtext=fontfile={filter_value(font)}:textfile={name}-{index}.txt:expansion=none:"
                    f"fontsize={size}:fontcolor={colour}:line_spacing={size // 2}:x={88 if name == 'heading' else 60}:"
                    f"y={top}"
                )
        video.append("format=yuv420p")
        chains.append(",".join(video) + f"[v{index}]")
        if speech[index]:
            audio = (
                f"[{spoken_input}:a]aresample=44100,adelay=400:all=1,apad,atrim=0:{seconds:.3f},"
                f"afade=t=out:st={max(0.0, seconds - 0.3):.3f}:d=0.3"
            )
            spoken_input += 1
        else:
            audio = f"sine=frequency={330 + 110 * index}:sample_rate=44100:duration={seconds:.3f},volume=0.25"
        chains.append(
            f"{audio},aformat=sample_fmts=fltp:sample_rates=44100:channel_layouts=mono,asetpts=N/SR/TB[a{index}]"
        )
    pairs = "".join(f"[v{index}][a{index}]" for index in range(count))
    chains.append(f"{pairs}concat=n={count}:v=1:a=1[v][a]")
    return ";\n".join(chains)


def render(part: DemoPart, *, title: str, target: Path, seconds: float) -> Path:
    """Make the slide show of one part as an MP4 at `target` (its folder holds the scratch files)."""
    work = target.parent
    font = find_font()
    speech = []
    for index, slide in enumerate(part.slides):
        texts = slide_texts(slide, title=title, part_title=part.title, number=index + 1, count=len(part.slides))
        for name, text in texts.items():
            (work / f"{name}-{index}.txt").write_text(text, encoding="utf-8")
        speech.append(speak(". ".join(slide.bullets) + ".", work / f"speech-{index}.wav"))
    (work / "graph.txt").write_text(
        slides_graph(len(part.slides), seconds=seconds, font=font, speech=speech), encoding="utf-8"
    )
    inputs = [arg for index, spoken in enumerate(speech) if spoken for arg in ("-i", f"speech-{index}.wav")]
    args = [
        settings.FFMPEG_BINARY,
        "-nostdin",
        "-v",
        "error",
        "-y",
        *inputs,
        "-filter_complex_script",
        "graph.txt",
        "-map",
        "[v]",
        "-map",
        "[a]",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-tune",
        "stillimage",
        "-g",
        str(FPS * 2),
        "-c:a",
        "aac",
        "-b:a",
        "96k",
        "-movflags",
        "+faststart",
        str(target.name),
    ]
    children.run(args, cwd=work, check=True, capture_output=True, timeout=TOOL_TIMEOUT_SECONDS)
    return target


def _recording_for(page: TrainingPage, part: DemoPart, number: int, seconds: float, folder: Path) -> Video | None:
    """A ready Video of this part: one left by an interrupted earlier run, or a new one made now."""
    name = f"demo-{page.slug}-{number}.mp4"
    existing = Video.objects.filter(original_name=name, state=State.READY).first()
    if existing is not None:
        return existing
    job = folder / f"{page.slug}-{number}"
    job.mkdir(parents=True)
    try:
        source = render(part, title=page.title, target=job / name, seconds=seconds)
    except (OSError, subprocess.SubprocessError) as error:
        logger.warning("demo recording for %s could not be made: %s", page.slug, error)
        return None
    video = processing.create_video(
        source, title=" — ".join(filter(None, [page.title, part.title])), original_name=name
    )
    if video.state == State.QUEUED:
        video = wait_for(video)
    if video.state != State.READY:
        logger.warning("demo recording %s did not become ready: %s", name, video.error)
        return None
    return video


def spoken_segments(part: DemoPart, seconds_per_slide: float) -> list[Window]:
    """What the voice says on each slide, when (it starts 0.4 s into the slide, see slides_graph)."""
    return [
        Window(
            start=index * seconds_per_slide + 0.4,
            end=(index + 1) * seconds_per_slide,
            text=". ".join(slide.bullets) + ".",
        )
        for index, slide in enumerate(part.slides)
    ]


def slides_pdf(spec: DemoRecording, title: str, font: str) -> bytes:
    """The demo training's slides as a landscape PDF, one page per slide of every part, in order."""
    from fpdf import FPDF

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    pdf = FPDF(orientation="landscape")
    pdf.add_font(FONT_NAME, fname=font)
    for part in spec.parts:
        for slide in part.slides:
            pdf.add_page()
            pdf.set_font(FONT_NAME, size=14)
            pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(8)
            pdf.set_font(FONT_NAME, size=30)
            pdf.multi_cell(0, 14, slide.heading, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(6)
            pdf.set_font(FONT_NAME, size=20)
            for bullet in slide.bullets:
                pdf.multi_cell(0, 11, f"• {bullet}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _attach_slides(page: TrainingPage, spec: DemoRecording) -> Document | None:
    font = find_font()
    if font is None:
        return None
    from django.core.files.base import ContentFile

    from portal.trainings.collection import trainings_collection

    document = Document.objects.create(
        title=f"Slide bài giảng — {page.title}",
        file=ContentFile(slides_pdf(spec, page.title, font), name=f"slide-{page.slug}.pdf"),
        collection=trainings_collection(),
    )
    page.attachments = [Attachment(document=document, title="Slide bài giảng", sort_order=0)]
    return document


def _tie_slides(page: TrainingPage, spec: DemoRecording, document: Document, seconds_per_slide: float) -> None:
    number = 0
    for part_number, part in enumerate(spec.parts, start=1):
        for index in range(len(part.slides)):
            number += 1
            SlideTiming.objects.update_or_create(
                page=page,
                document=document,
                number=number,
                defaults={"part_number": part_number, "start": round(index * seconds_per_slide)},
            )


def seed_recordings(*, seconds_per_slide: float = SECONDS_PER_SLIDE) -> list[TrainingPage]:
    """Give the demo trainings their recordings; returns the pages that got some this time."""
    if shutil.which(settings.FFMPEG_BINARY) is None:
        logger.warning("ffmpeg is not installed: the demo trainings get no recordings")
        return []
    done = []
    root = Path(settings.MEDIA_WORK_DIR) / "demo"
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=root))
    try:
        for spec in DEMO_RECORDINGS:
            page = TrainingPage.objects.filter(slug=spec.slug).first()
            # A page with parts already, or with someone's unpublished draft, is not ours to change.
            if page is None or page.has_unpublished_changes or page.parts.exists():
                continue
            videos = [
                _recording_for(page, part, number, seconds_per_slide, folder)
                for number, part in enumerate(spec.parts, start=1)
            ]
            if None in videos:
                continue
            page.parts = [
                RecordingPart(video=video, title=part.title, sort_order=index)
                for index, (video, part) in enumerate(zip(videos, spec.parts, strict=True))
            ]
            page.chapters = [
                Chapter(
                    part_number=number, start=round(index * seconds_per_slide), title=slide.heading, sort_order=order
                )
                for order, (number, index, slide) in enumerate(
                    (number, index, slide)
                    for number, part in enumerate(spec.parts, start=1)
                    for index, slide in enumerate(part.slides)
                )
            ]
            document = _attach_slides(page, spec)
            page.save_revision().publish()
            if document is not None:
                _tie_slides(page, spec, document, seconds_per_slide)
            if shutil.which("espeak-ng") is not None:  # the slides were read aloud: their text is the transcript
                for video, part in zip(videos, spec.parts, strict=True):
                    if video is not None:
                        save_transcript(video, spoken_segments(part, seconds_per_slide), source="human", reviewed=True)
            done.append(page)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return done
