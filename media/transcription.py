"""Automatic transcription of recordings: faster-whisper on the "transcribe" queue, a chunk at a time.

A TranscriptionJob per recording part carries what editors see (state, progress, time left, error), like
the conversion in media/processing.py, and is claimed, kept alive, retried and requeued by the same code
(media/jobs.py): every write is fenced on the job as its attempt claimed it. Decisions a
newcomer would question:

- Nothing is downloaded at run time: the model is a folder set in WHISPER_MODEL_DIR (a CTranslate2
  conversion, tokenizer included), and voice-activity detection is the Silero ONNX file that faster-whisper
  ships inside its package. With no model configured, nothing is queued at all.
- ffmpeg extracts the sound once per attempt to a 16 kHz mono WAV under MEDIA_WORK_DIR, which is read a
  chunk at a time: four hours of audio as floats would be close to a gigabyte of memory.
- Chunks of about TRANSCRIBE_CHUNK_SECONDS end in the middle of a silence found by the VAD, so no word is
  cut in two. The speech regions found are what Whisper is given (silence removed, timestamps restored
  afterwards, as faster-whisper's own ``vad_filter`` does), so the VAD runs once per chunk, not twice.
- Each chunk's segments and the new ``done_seconds`` are written in one transaction. A job killed at any
  moment resumes at the first chunk not saved: nothing is duplicated and at most one chunk is redone.
- Long audio makes Whisper repeat itself. Guards: ``condition_on_previous_text`` is off (a loop cannot
  feed on the previous window), each chunk starts afresh, Whisper's compression-ratio fallback stays on, and
  `drop_repetitions` removes the phrases and segments that still come out looping.
- The model is loaded for each job and let go after it: a large one holds gigabytes an idle worker should not.
- Only a finished job becomes the part's machine Transcript (through save_transcript, not reviewed): a run
  never leaves half a transcript in place of a whole one, and a human transcript is never touched.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import unicodedata
import wave
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

import numpy as np
from django_tasks import task

from media import children, jobs, workdir
from media.jobs import JobLost, eta_seconds  # noqa: F401 (their names here before media/jobs.py)
from media.models import DraftSegment, Transcript, TranscriptionJob, TranscriptSource, Video
from media.probe import read_probe
from media.processing import local_original
from media.states import State
from media.transcode import TranscodeError, TranscodeKilled, TranscodeStalled, run_ffmpeg
from media.transcripts import save_transcript

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
# How far past the target length a chunk may run to find a silence, as a share of the chunk length.
LOOKAHEAD_SHARE = 0.1
# Pauses of half a second (people breathing between phrases) end a speech region, so a chunk finds a place
# to end every few seconds; each region keeps 0.4 s of silence on both sides (the default), enough for
# Whisper to still hear sentences end (with less, it runs them together into one long segment).
VAD_PARAMETERS: dict[str, Any] = {"min_silence_duration_ms": 500, "speech_pad_ms": 400}
# A run of the same phrase said more than this many times in a row is a loop, not emphasis.
MAX_REPEATS = 3
MAX_PHRASE_WORDS = 12
# Files a usable model folder holds (the tokenizer too: without it faster-whisper would fetch one).
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")


class ModelMissing(Exception):
    """WHISPER_MODEL_DIR is empty or does not hold a usable model; ``message`` is for the editor."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.message = _("No speech recognition model is installed on the server. Ask an administrator.")


@dataclass(frozen=True)
class Cue:
    """A piece of recognised speech, seconds from the start of the recording."""

    start: float
    end: float
    text: str


# --- Decisions (pure functions) --------------------------------------------------------------------


def choose_cut(speech: list[tuple[float, float]], *, target: float, earliest: float, length: float) -> float:
    """Where a chunk of audio `length` seconds long should end, given its speech regions (seconds, in order):
    in the middle of the silence nearest to `target`, no sooner than `earliest`; at `target` (or `length`)
    when nobody pauses in that stretch."""
    silences: list[tuple[float, float]] = []
    previous_end: float | None = None
    for start, end in speech:
        # Regions that touch were split by the VAD inside a short pause: the point where they meet is silent.
        if (previous_end is None and start > 0) or (previous_end is not None and start >= previous_end):
            silences.append((previous_end or 0.0, start))
        previous_end = end if previous_end is None else max(previous_end, end)
    if previous_end is None or length > previous_end:
        silences.append((previous_end or 0.0, length))
    middles = [(a + b) / 2 for a, b in silences if earliest <= (a + b) / 2 <= length]
    if not middles:
        return min(target, length)
    return min(middles, key=lambda middle: abs(middle - target))


def clip_regions(speech: list[tuple[float, float]], cut: float) -> list[tuple[float, float]]:
    """The speech regions before `cut`, the one running across it shortened."""
    return [(start, min(end, cut)) for start, end in speech if start < cut and min(end, cut) > start]


def _word_key(word: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFC", word).casefold() if ch.isalnum())


def collapse_repeats(text: str, max_repeats: int = MAX_REPEATS) -> str:
    """A phrase (1 to MAX_PHRASE_WORDS words) said more than `max_repeats` times in a row is said once:
    "cảm ơn cảm ơn cảm ơn cảm ơn" → "cảm ơn". Case and punctuation do not make a phrase different."""
    words = text.split()
    keys = [_word_key(word) for word in words]
    for size in range(1, MAX_PHRASE_WORDS + 1):
        i = 0
        while i + size * (max_repeats + 1) <= len(words):
            phrase = keys[i : i + size]
            if not any(phrase):
                i += 1
                continue
            count = 1
            while keys[i + count * size : i + (count + 1) * size] == phrase:
                count += 1
            if count > max_repeats:
                del words[i + size : i + count * size]
                del keys[i + size : i + count * size]
            i += 1
    return " ".join(words)


def drop_repetitions(cues: Iterable[Cue], max_repeats: int = MAX_REPEATS) -> list[Cue]:
    """The loop guard: looping phrases inside a cue are said once, and a run of more than `max_repeats`
    consecutive cues saying the same thing becomes its first cue, stretched to the end of the run."""
    cleaned = []
    for cue in cues:
        text = collapse_repeats(cue.text, max_repeats).strip()
        key = " ".join(filter(None, (_word_key(word) for word in text.split())))
        if key:
            cleaned.append((key, Cue(start=cue.start, end=cue.end, text=text)))
    kept: list[Cue] = []
    for _key, group in itertools.groupby(cleaned, key=lambda pair: pair[0]):
        run = [cue for _k, cue in group]
        if len(run) > max_repeats:
            first = run[0]
            kept.append(Cue(start=first.start, end=max(cue.end for cue in run), text=first.text))
        else:
            kept.extend(run)
    return kept


def model_problem(folder: str | os.PathLike[str]) -> str | None:
    """Why `folder` is not a usable model folder, or None when it is."""
    if not str(folder).strip():
        return "WHISPER_MODEL_DIR is not set"
    path = Path(folder)
    if not path.is_dir():
        return f"{path} is not a folder"
    missing = [name for name in MODEL_FILES if not (path / name).is_file()]
    return f"{path} lacks {', '.join(missing)}" if missing else None


def model_configured() -> bool:
    """Whether automatic transcription is set up (WHISPER_MODEL_DIR names a folder)."""
    return bool(str(settings.WHISPER_MODEL_DIR or "").strip())


def decode_options() -> dict[str, Any]:
    """How Whisper decodes each chunk; bench/asr.py gives a bare call the same ones."""
    return {
        "language": settings.WHISPER_LANGUAGE,
        "beam_size": settings.WHISPER_BEAM_SIZE,
        "condition_on_previous_text": False,
    }


# --- The outside world: ffmpeg, the WAV file, the model --------------------------------------------


def extraction_args(source: Path, target: Path) -> list[str]:
    """ffmpeg's arguments to write the first sound track of `source` to `target` as 16 kHz mono 16-bit WAV."""
    return [
        "-nostdin",
        "-hide_banner",
        "-v",
        "error",
        "-y",
        "-i",
        str(source),
        *f"-map 0:a:0 -vn -sn -dn -ac 1 -ar {SAMPLE_RATE} -c:a pcm_s16le -f wav -progress pipe:1 -nostats".split(),
        str(target),
    ]


def extract_audio(source: Path, target: Path, on_progress: Callable[[float], None] | None = None) -> float:
    """Write the first sound track of `source` as 16 kHz mono 16-bit WAV; return its length in seconds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part.wav")
    run_ffmpeg(extraction_args(source, partial), on_progress=on_progress)
    partial.replace(target)
    return audio_length(target)


def audio_length(path: Path) -> float:
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes() / audio.getframerate()


def read_audio(path: Path, start: float, end: float) -> np.ndarray:
    """Samples between `start` and `end` seconds of a 16-bit mono WAV, as float32 in [-1, 1]."""
    with wave.open(str(path), "rb") as audio:
        rate = audio.getframerate()
        first = min(audio.getnframes(), round(start * rate))
        audio.setpos(first)
        frames = audio.readframes(max(0, round(end * rate) - first))
    return np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0


def load_model(folder: str | os.PathLike[str] | None = None) -> Any:
    """The Whisper model of `folder` (WHISPER_MODEL_DIR by default), on the CPU, never downloading."""
    folder = settings.WHISPER_MODEL_DIR if folder is None else folder
    problem = model_problem(folder)
    if problem:
        raise ModelMissing(problem)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a second lock on the door: never reach for the hub
    from faster_whisper import WhisperModel

    threads = settings.WHISPER_THREADS or min(4, os.cpu_count() or 1)
    return WhisperModel(
        str(folder),
        device="cpu",
        compute_type=settings.WHISPER_COMPUTE_TYPE,
        cpu_threads=threads,
        local_files_only=True,
    )


def speech_regions(samples: np.ndarray) -> list[tuple[float, float]]:
    """Where people speak in `samples`, in seconds (Silero VAD, as shipped with faster-whisper)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if not len(samples):
        return []
    found = get_speech_timestamps(samples, VadOptions(**VAD_PARAMETERS))
    return [(region["start"] / SAMPLE_RATE, region["end"] / SAMPLE_RATE) for region in found]


def recognise(model: Any, samples: np.ndarray, regions: list[tuple[float, float]], offset: float) -> Iterator[Cue]:
    """Whisper on the speech `regions` of `samples` only; cues timed from the recording's start (`offset`
    being where `samples` begin), yielded as Whisper produces them."""
    from faster_whisper.transcribe import restore_speech_timestamps
    from faster_whisper.vad import collect_chunks

    chunks = [{"start": round(start * SAMPLE_RATE), "end": round(end * SAMPLE_RATE)} for start, end in regions]
    chunks = [chunk for chunk in chunks if chunk["end"] > chunk["start"]]
    if not chunks:
        return
    pieces, _metadata = collect_chunks(samples, chunks)
    speech = np.concatenate(pieces, axis=0)
    segments, _info = model.transcribe(speech, vad_filter=False, **decode_options())
    for segment in restore_speech_timestamps(segments, chunks, SAMPLE_RATE):
        start = offset + max(0.0, float(segment.start))
        yield Cue(start=start, end=max(start, offset + float(segment.end)), text=segment.text.strip())


# --- Jobs -------------------------------------------------------------------------------------------


def has_human_transcript(video: Video) -> bool:
    return Transcript.objects.filter(video=video, source=TranscriptSource.HUMAN, segments__isnull=False).exists()


def has_sound(video: Video) -> bool:
    """Whether `video` has a sound track (assumed so until ffprobe has looked at it)."""
    try:
        return video.probe is None or read_probe(video.probe).has_audio
    except (KeyError, TypeError, ValueError):
        return True


def request_transcription(video: Video, *, user: Any = None, force: bool = False) -> bool:
    """Queue automatic transcription of `video`. True when it is queued (or already on its way); False when
    no model is configured, the recording has no sound, or (unless `force`) a person's transcript exists.

    A finished transcription is done again from the start; a failed one resumes where it stopped."""
    if not model_configured() or not has_sound(video):
        return False
    if not force and has_human_transcript(video):
        return False
    with transaction.atomic():
        job, created = TranscriptionJob.objects.select_for_update().get_or_create(
            video=video,
            defaults={"language": settings.WHISPER_LANGUAGE, "requested_by": user if _is_user(user) else None},
        )
        if not created:
            if job.state in (State.QUEUED, State.PROCESSING) and not is_stale(job):
                return True
            _requeue(job, user=user, reset_attempts=True)
        transaction.on_commit(lambda: transcribe_recording.enqueue(job.pk))
    return True


def _is_user(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def _requeue(job: TranscriptionJob, *, user: Any = None, reset_attempts: bool) -> None:
    fields: dict[str, object] = {"progress": 0, "eta_seconds": None, "error": ""}
    if reset_attempts:
        fields["attempts"] = 0
    if _is_user(user):
        fields["requested_by"] = user
    if job.state == State.READY:  # asked again after it finished: start over
        job.drafts.all().delete()
        fields.update(done_seconds=0, audio_seconds=None, finished_at=None)
    job.move_to(State.QUEUED, **fields)


def is_stale(job: TranscriptionJob) -> bool:
    """Processing, but without a sign of life for VIDEO_STALE_AFTER_SECONDS, or for WORKER_DEAD_AFTER_SECONDS
    with the worker that claimed it known dead: its worker has died."""
    return jobs.is_stale(jobs.TRANSCRIPTION, job)


def can_retry(job: TranscriptionJob) -> bool:
    """Whether a person may start it again: failed, finished, queued (its task may have been lost), or
    processing without signs of life."""
    return job.state in (State.FAILED, State.READY, State.QUEUED) or is_stale(job)


def retry(job: TranscriptionJob, *, user: Any = None) -> None:
    """Start again by hand: a failed or stale job resumes, a finished one starts over, a queued one is
    queued anew."""
    with transaction.atomic():
        _requeue(job, user=user, reset_attempts=True)
        transaction.on_commit(lambda: transcribe_recording.enqueue(job.pk))


def claim(job_id: int) -> TranscriptionJob | None:
    """Take a queued job; None when it is not (or no longer) queued."""
    job = jobs.claim(jobs.TRANSCRIPTION, job_id, eta_seconds=None)
    return TranscriptionJob.objects.select_related("video").get(pk=job.pk) if job is not None else None


def lease(job: TranscriptionJob) -> jobs.Lease:
    """This worker's hold on `job` as claimed: every write goes through it (media.jobs)."""
    return jobs.Lease(jobs.TRANSCRIPTION, job)


def save_chunk(job: TranscriptionJob, cues: list[Cue], until: float, progress: jobs.Progress) -> None:
    """Keep a chunk's cues and move ``done_seconds`` to its end, together or not at all."""
    with transaction.atomic():
        progress.lease.write(done_seconds=until, **progress.fields(until))
        DraftSegment.objects.filter(job=job, start__gte=job.done_seconds).delete()  # belt and braces
        DraftSegment.objects.bulk_create(
            DraftSegment(job=job, start=cue.start, end=cue.end, text=cue.text) for cue in cues
        )
    job.done_seconds = until


def transcribe_chunks(
    job: TranscriptionJob,
    model: Any,
    audio: Path,
    total: float,
    *,
    chunk_seconds: float,
    after_chunk: Callable[[TranscriptionJob], None] | None = None,
) -> None:
    """From ``job.done_seconds`` to the end of `audio`, a chunk at a time, each saved as soon as it is done."""
    progress = jobs.Progress(lease(job), total, job.done_seconds)
    lookahead = chunk_seconds * LOOKAHEAD_SHARE
    while job.done_seconds < total - 0.01:
        start = job.done_seconds
        window_end = min(total, start + chunk_seconds + lookahead)
        samples = read_audio(audio, start, window_end)
        length = len(samples) / SAMPLE_RATE
        regions = speech_regions(samples)
        if window_end >= total:
            cut = length
        else:
            cut = choose_cut(regions, target=chunk_seconds, earliest=chunk_seconds / 2, length=length)
        regions = clip_regions(regions, cut)
        cues = []
        for cue in recognise(model, samples[: round(cut * SAMPLE_RATE)], regions, start):
            cues.append(cue)
            progress(min(cue.end, start + cut))
        until = total if window_end >= total else start + cut
        save_chunk(job, drop_repetitions(cues), until, progress)
        if after_chunk is not None:
            after_chunk(job)


def finish(job: TranscriptionJob) -> None:
    """Turn the drafts into the part's machine transcript (not reviewed) and mark the job ready."""
    with transaction.atomic():
        locked = lease(job).lock()
        drafts = list(job.drafts.order_by("start", "id"))
        cues = drop_repetitions(Cue(start=d.start, end=d.end, text=d.text) for d in drafts)
        save_transcript(job.video, cues, source=TranscriptSource.MACHINE, language=job.language, reviewed=False)
        job.drafts.all().delete()
        locked.move_to(
            State.READY, progress=100, eta_seconds=None, error="", finished_at=timezone.now(), heartbeat=timezone.now()
        )


def work_audio_path(job: TranscriptionJob) -> Path:
    """This attempt's own sound file: named after the claim too, so no other worker's (media.workdir). What a
    killed worker left is removed by the work folder's sweep, not here: another worker may be using it."""
    return workdir.sound_file(job.video.key, job.attempts, job.started_at)


def transcribe(
    job_id: int,
    *,
    chunk_seconds: float | None = None,
    after_chunk: Callable[[TranscriptionJob], None] | None = None,
) -> str:
    """Run a queued transcription job to its end (or the end of this attempt). Returns the state it ends in.

    `after_chunk` is called after each saved chunk (the benchmark counts them; tests stop a job there)."""
    job = claim(job_id)
    if job is None:
        return "skipped"
    with lease(job).running():
        return _transcribe(job, chunk_seconds=chunk_seconds, after_chunk=after_chunk)


def _transcribe(
    job: TranscriptionJob,
    *,
    chunk_seconds: float | None,
    after_chunk: Callable[[TranscriptionJob], None] | None,
) -> str:
    chunk_seconds = chunk_seconds or settings.TRANSCRIBE_CHUNK_SECONDS
    audio = work_audio_path(job)
    try:
        model = load_model()
        job.model_name = Path(settings.WHISPER_MODEL_DIR).name
        progress = jobs.Progress(lease(job), job.video.duration or 0, job.done_seconds)
        with local_original(job.video, on_alive=progress.alive) as source:
            total = extract_audio(source, audio, on_progress=progress.alive)
        progress.lease.write(audio_seconds=total, model_name=job.model_name, heartbeat=timezone.now())
        transcribe_chunks(job, model, audio, total, chunk_seconds=chunk_seconds, after_chunk=after_chunk)
        del model
        finish(job)
    except jobs.JobLost as lost:
        logger.warning("%s", lost)
        return "skipped"
    except ModelMissing as missing:
        logger.error("transcription of video %s impossible: %s", job.video_id, missing)
        return _fail(job, str(missing.message))
    except TranscodeError as failure:
        logger.warning("extracting the sound of video %s failed: %s", job.video_id, failure)
        return _fail(job, _("The sound of this recording could not be read, so it cannot be transcribed."))
    except TranscodeStalled as stalled:
        logger.warning("extracting the sound of video %s stalled: %s", job.video_id, stalled)
        return _recover(job, _("Reading the sound stopped making progress."))
    except TranscodeKilled as killed:
        logger.warning("extracting the sound of video %s interrupted: %s", job.video_id, killed)
        if children.stopping():  # its worker is stopping (SIGTERM): not an attempt
            return _put_back(job)
        return _recover(job, _("The transcription was stopped by the server (for example, out of memory)."))
    except Exception:
        logger.exception("transcription of video %s failed unexpectedly", job.video_id)
        return _recover(job, _("The transcription stopped because of an unexpected error."))
    finally:
        audio.unlink(missing_ok=True)
        audio.with_suffix(".part.wav").unlink(missing_ok=True)
    return State.READY


def _fail(job: TranscriptionJob, message: str) -> str:
    def fail(current: TranscriptionJob) -> str:
        current.move_to(State.FAILED, error=message, eta_seconds=None)
        return State.FAILED

    return lease(job).settle(fail)


def _put_back(job: TranscriptionJob) -> str:
    """Queue again without counting this attempt: it was stopped with its worker, it did not fail."""

    def put_back(current: TranscriptionJob) -> str:
        _requeue(current, reset_attempts=False)
        TranscriptionJob.objects.filter(pk=job.pk, attempts__gt=0).update(attempts=F("attempts") - 1)
        transaction.on_commit(lambda: transcribe_recording.enqueue(job.pk))
        return State.QUEUED

    return lease(job).settle(put_back)


def _recover(job: TranscriptionJob, reason: str) -> str:
    return lease(job).settle(lambda current: retry_or_fail(current, reason))


def retry_or_fail(job: TranscriptionJob, reason: str) -> str:
    """After a failure that may not happen again: queue once more (it resumes), up to VIDEO_MAX_ATTEMPTS."""

    def requeue(current: TranscriptionJob) -> None:
        _requeue(current, reset_attempts=False)
        transaction.on_commit(lambda: transcribe_recording.enqueue(current.pk))

    return jobs.retry_or_fail(
        job,
        requeue=requeue,
        given_up=lambda count: (
            _("%(reason)s It was tried %(count)d times; what was transcribed is kept and it can be resumed by hand.")
            % {"reason": reason, "count": count}
        ),
    )


def requeue_stalled() -> list[int]:
    """Retry the transcriptions whose worker died (workers.requeue_stalled_jobs says which): they resume at the
    first chunk not saved. Run by `manage.py housekeeping`."""
    return jobs.requeue_stalled(
        jobs.TRANSCRIPTION,
        retry=lambda job: retry_or_fail(
            job, _("The transcription was interrupted (the server or its worker stopped).")
        ),
    )


@task(queue_name="transcribe", backend=settings.MEDIA_TASK_BACKEND)
def transcribe_recording(job_id: int) -> str:
    return str(transcribe(job_id))


@receiver(post_save, sender=Video, dispatch_uid="media.transcription.transcribe_new_recording")
def transcribe_new_recording(sender: type[Video], instance: Video, created: bool, **kwargs: Any) -> None:
    """With TRANSCRIBE_BY_DEFAULT, every new recording is transcribed once the transaction that adds it commits."""
    if created and settings.TRANSCRIBE_BY_DEFAULT and not kwargs.get("raw"):
        transaction.on_commit(lambda: _request_quietly(instance))


def _request_quietly(video: Video) -> None:
    with contextlib.suppress(Video.DoesNotExist):
        video.refresh_from_db()
        if not video.original:  # on its way to storage: asked again once stored (media.upload.store_original)
            return
        request_transcription(video, user=video.uploaded_by)
