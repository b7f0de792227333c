"""The working folder (MEDIA_WORK_DIR), and the sweep of what no running job owns there any more.

Jobs write there before they publish, and clean up after themselves; a worker killed outright (SIGKILL,
out of memory, power loss) cannot, and its files stayed for ever. What lives there:

- ``<key>-<attempt>-<claimed>/``: a conversion's outputs (media/processing.py), owned while that video is
  processing that attempt as claimed at that moment;
- ``transcribe/<key>-<attempt>-<claimed>.wav`` (``.part.wav`` while written): a transcription's sound
  (media/transcription.py), owned while that recording's transcription is processing that attempt as claimed;
- ``originals/<key>-<random>.<ext>``: a copy of an original kept on remote storage (processing.local_original),
  owned while a job of that recording is processing, and by a check at upload time (in the web process) for
  the minutes it lasts: only copies older than ORIGINAL_COPY_MIN_AGE are swept;
- ``uploads/<session key>.part`` and ``.lock``: an upload's partial file (media/upload.py), owned while its
  session exists; one whose session is gone (deleted by another machine) is removed once older than
  MEDIA_UPLOAD_EXPIRE_HOURS (never one whose session is being created);
- anything else (``uploads/`` otherwise, ``demo/``) belongs to others and is left alone.

`sweep_work_dir` is a duty of `manage.py housekeeping` (declared in media.apps), run on each machine after the
jobs of dead workers have been requeued. It lists the folder first and reads the jobs after: a folder or file
is only made once its job is claimed, so one that exists when listed is owned by a job the database already
shows processing.

``<claimed>`` is the moment the job was claimed, in microseconds since 1970 (`claim_stamp`): the attempt number
alone does not tell two claims apart (a retry by hand counts attempts from zero again), and two workers on one
machine holding the same attempt number in turn would share a folder, each removing the other's live work.
"""

from __future__ import annotations

import logging
import re
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings

from media.models import TranscriptionJob, UploadSession, Video
from media.states import State

logger = logging.getLogger(__name__)

ORIGINAL_COPY_MIN_AGE = timedelta(hours=6)

_KEY = r"(?P<key>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
_CLAIM = r"-(?P<attempt>\d+)(-(?P<claimed>\d+))?"  # no moment: named before the moment was added
CONVERSION = re.compile(rf"^{_KEY}{_CLAIM}$")
SOUND = re.compile(rf"^{_KEY}{_CLAIM}(\.part)?\.wav$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def claim_stamp(claimed: datetime | None) -> str:
    """The moment a job was claimed, as it appears in its work files' names (microseconds since 1970)."""
    return str((claimed - _EPOCH) // timedelta(microseconds=1)) if claimed is not None else ""


def _name(key: object, attempt: int, claimed: datetime | None) -> str:
    return f"{key}-{attempt}-{claim_stamp(claimed)}" if claimed is not None else f"{key}-{attempt}"


def conversion_folder(key: object, attempt: int, claimed: datetime | None) -> Path:
    """Where the conversion of video `key`, attempt `attempt` claimed at `claimed`, writes its outputs."""
    return Path(settings.MEDIA_WORK_DIR) / _name(key, attempt, claimed)


def sound_file(key: object, attempt: int, claimed: datetime | None) -> Path:
    """Where the transcription of video `key`, attempt `attempt` claimed at `claimed`, extracts its sound."""
    return Path(settings.MEDIA_WORK_DIR) / "transcribe" / f"{_name(key, attempt, claimed)}.wav"


def _owned(match: re.Match[str], running: set[tuple[str, int, str]]) -> bool:
    claimed = match["claimed"]
    if claimed is None:  # an older name: owned by that attempt whenever claimed
        return any((key, attempt) == (match["key"], int(match["attempt"])) for key, attempt, _ in running)
    return (match["key"], int(match["attempt"]), claimed) in running


ORIGINAL_COPY = re.compile(rf"^{_KEY}-[0-9a-f]+(\.[^/]*)?$")
UPLOAD_FILE = re.compile(rf"^{_KEY}\.(part|lock)$")


def _entries(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except FileNotFoundError:
        return []


def _remove(path: Path) -> bool:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:  # its job finished (and cleaned up) meanwhile
        return False
    except OSError:
        logger.exception("could not remove %s from the work folder", path)
        return False
    logger.info("removed %s: no running job owns it", path)
    return True


def _sweep_uploads(files: list[tuple[Path, re.Match[str]]]) -> list[Path]:
    """The partial files (and locks) of uploads whose session is gone, older than MEDIA_UPLOAD_EXPIRE_HOURS."""
    old = time.time() - settings.MEDIA_UPLOAD_EXPIRE_HOURS * 3600
    aged = []
    for path, match in files:
        try:
            if path.stat().st_mtime < old:
                aged.append((path, match["key"]))
        except FileNotFoundError:
            continue
    if not aged:
        return []
    alive = {
        str(key)
        for key in UploadSession.objects.filter(key__in={key for _path, key in aged}).values_list("key", flat=True)
    }
    return [path for path, key in aged if key not in alive and _remove(path)]


def sweep_work_dir() -> list[Path]:
    """Remove the work folders and files no running job owns; return what was removed."""
    root = Path(settings.MEDIA_WORK_DIR)
    conversions = [(path, match) for path in _entries(root) if (match := CONVERSION.match(path.name))]
    sounds = [(path, match) for path in _entries(root / "transcribe") if (match := SOUND.match(path.name))]
    copies = [(path, match) for path in _entries(root / "originals") if (match := ORIGINAL_COPY.match(path.name))]
    uploads = [(path, match) for path in _entries(root / "uploads") if (match := UPLOAD_FILE.match(path.name))]
    removed = _sweep_uploads(uploads)
    if not (conversions or sounds or copies):
        return removed
    # Read after listing (see the module's note).
    converting = {
        (str(key), attempts, claim_stamp(claimed))
        for key, attempts, claimed in Video.objects.filter(state=State.PROCESSING).values_list(
            "key", "attempts", "processing_started_at"
        )
    }
    transcribing = {
        (str(key), attempts, claim_stamp(claimed))
        for key, attempts, claimed in TranscriptionJob.objects.filter(state=State.PROCESSING).values_list(
            "video__key", "attempts", "started_at"
        )
    }
    busy = {key for key, _attempt, _claimed in converting | transcribing}
    for path, match in conversions:
        if not _owned(match, converting) and _remove(path):
            removed.append(path)
    for path, match in sounds:
        if not _owned(match, transcribing) and _remove(path):
            removed.append(path)
    old = time.time() - ORIGINAL_COPY_MIN_AGE.total_seconds()
    for path, match in copies:
        try:
            young = path.stat().st_mtime > old
        except FileNotFoundError:
            continue
        if match["key"] not in busy and not young and _remove(path):
            removed.append(path)
    return removed
