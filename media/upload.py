"""Resumable upload of recordings of many gigabytes: sessions, checked chunks, the early check, completion.

The protocol (tus-like, JSON; URLs in media/upload_urls.py, mounted under /media/):

``POST tai-len/`` with ``{"filename", "size", "title"?, "fingerprint"?, "sha256"?}``
    Opens a session: 201 and the session's description (``key``, ``offset``, ``size``, ``url``,
    ``complete_url``...). When the same user already has an unfinished session for the same
    ``fingerprint`` and size, that one is answered (200) instead, so a file chosen again in another
    browser continues where it stopped. A declared size over MEDIA_MAX_UPLOAD_BYTES is refused with
    413, a size the work folder has no room for with 507, an empty file with 422.
``GET tai-len/<key>/``
    The session's description; its ``offset`` is where the next chunk must start. Every answer
    about a session also carries the offset in an ``Upload-Offset`` header.
``PATCH tai-len/<key>/`` with headers ``Upload-Offset: <n>`` and ``Upload-Checksum: crc32 <8 hex>``
(or ``sha256 <64 hex>``) and the chunk's bytes as the body
    Appends the chunk when ``n`` is the stored offset (otherwise 409 and the current offset, and the
    client resends from there) and its checksum matches (otherwise 460, "checksum mismatch" as in
    tus, and the offset does not move). 200 and the new offset.
``POST tai-len/<key>/xong/`` with ``{"title"?}``
    Once every byte is there, turns the file into a Video and answers the video's id, state and error at
    once. The whole file is checked with ffprobe here. On the local disk it is renamed into storage and
    queued for conversion (media.processing.create_video); on remote storage (S3) the Video is "being
    stored" (state uploaded, no original yet) and a task on the "store" queue, served by a worker on this
    machine, copies the file into storage and queues the conversion (`store_original`): a request never
    copies gigabytes, and conversion workers elsewhere need only the database, Redis and the object store.
    Completing again answers the same video.
``DELETE tai-len/<key>/``
    Cancels: the session and its partial file are deleted (204).

A refused session answers 422 and its message to every later chunk; another user's session is 404.

Decisions a newcomer would question:

- CRC32 rather than SHA-256 per chunk: browsers only offer SHA-256 (``crypto.subtle``) to pages
  served over HTTPS or from localhost, and the portal is often reached over plain HTTP on internal
  networks. CRC32 in plain JS catches what it must catch here: a chunk damaged or cut on the way.
- Durability before progress: a chunk is written at its offset, flushed and fsync'ed, and only then
  is the offset advanced in the database (``UPDATE ... WHERE offset = <old>``). After a crash the
  file may hold bytes past the offset, never fewer; the next chunk overwrites them and truncates.
- One writer per session: appends and completion hold an exclusive ``flock`` on ``<key>.lock`` in
  MEDIA_WORK_DIR/uploads (a second browser tab, a retry racing its own lost request). The chunk is
  read from the network before the lock is taken, so the lock is held for a disk write only; no
  database transaction is held open meanwhile, which SQLite would turn into a site-wide write lock.
- The early check runs once MEDIA_UPLOAD_CHECK_BYTES have arrived (or the whole file, if smaller):
  ffprobe on the partial file, or else a known container signature in its first bytes. An MP4 or
  MOV whose index (moov) is written at the end (the default of most cameras and of ffmpeg) cannot
  be read by ffprobe before its last bytes arrive, yet it is a perfectly good recording; its
  ``ftyp`` box says so. The final decision is create_video's full validation.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import logging
import os
import re
import shutil
import unicodedata
import zlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from media import files
from media.models import UploadSession, Video
from media.probe import MediaRejected, probe_file, validate
from media.processing import create_video, probe_fields, queue
from media.states import State
from media.titles import title_from_filename

logger = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_BYTES = 30 * 1024**3
DEFAULT_CHECK_BYTES = 8 * 1024**2
DEFAULT_CHUNK_BYTES = 8 * 1024**2
# The server refuses larger chunks whatever the client was told: a chunk is held in memory.
MAX_CHUNK_BYTES = 64 * 1024**2
# ffprobe "reads" pictures and text through these demuxers; none of them is a recording.
NOT_RECORDING_FORMATS = re.compile(r"(^|,)(image2|\w+_pipe|tty|gif|apng|webp)(,|$)")
HASH_BLOCK = 1024 * 1024
CHECKSUM_STATUS = 460  # tus's "Checksum Mismatch"


class UploadRefused(Exception):
    """A request the upload cannot honour: ``status`` for HTTP, ``code`` for code and tests,
    ``message`` for the editor, ``offset`` when the client should continue from there."""

    def __init__(self, status: int, code: str, message: str, *, offset: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.offset = offset


def max_upload_bytes() -> int:
    return int(getattr(settings, "MEDIA_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def check_bytes() -> int:
    return int(getattr(settings, "MEDIA_UPLOAD_CHECK_BYTES", DEFAULT_CHECK_BYTES))


def chunk_bytes() -> int:
    """The chunk size the upload page uses (the server accepts any chunk up to MAX_CHUNK_BYTES)."""
    return min(int(getattr(settings, "MEDIA_UPLOAD_CHUNK_BYTES", DEFAULT_CHUNK_BYTES)), MAX_CHUNK_BYTES)


def uploads_dir() -> Path:
    folder = Path(settings.MEDIA_WORK_DIR) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def part_path(session: UploadSession) -> Path:
    return uploads_dir() / f"{session.key}.part"


def _lock_path(session: UploadSession) -> Path:
    return uploads_dir() / f"{session.key}.lock"


@contextlib.contextmanager
def _locked(session: UploadSession, *, wait: bool = True) -> Iterator[None]:
    """Hold the session's lock: one writer at a time, across threads and processes of this machine. Without
    `wait`, BlockingIOError when another holds it."""
    with _lock_path(session).open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def clean_filename(name: str) -> str:
    """The file's own name, without folders or control characters, at most 255 characters."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/")).rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if len(name) > 255:
        suffix = PurePosixPath(name).suffix[:20]
        name = name[: 255 - len(suffix)] + suffix
    return name


# --- Checksums ------------------------------------------------------------------------------


def parse_checksum(header: str) -> tuple[str, str]:
    """``"crc32 1a2b3c4d"`` → ("crc32", "1a2b3c4d"); raises UploadRefused on anything else."""
    algorithm, _sep, digest = header.strip().partition(" ")
    algorithm, digest = algorithm.lower(), digest.strip().lower()
    lengths = {"crc32": 8, "sha256": 64}
    if algorithm not in lengths or not re.fullmatch(rf"[0-9a-f]{{{lengths[algorithm]}}}", digest):
        raise UploadRefused(400, "bad_checksum_header", _("The upload request is not valid."))
    return algorithm, digest


def checksum(algorithm: str, data: bytes) -> str:
    if algorithm == "crc32":
        return f"{zlib.crc32(data) & 0xFFFFFFFF:08x}"
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


# --- The early check ------------------------------------------------------------------------

ASF_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")
ISO_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"}
MPEG_VERSIONS = {0b00, 0b10, 0b11}  # 2.5, 2, 1 (0b01 is reserved)


def _iso_box(head: bytes) -> bool:
    """An ISO BMFF box first (MP4, MOV, 3GP, M4A): its type, and a size that can be one (0: to the end,
    1: a 64-bit size follows, otherwise at least the 8 bytes of the header)."""
    return len(head) >= 8 and head[4:8] in ISO_BOXES and int.from_bytes(head[:4], "big") not in range(2, 8)


def _mpeg_ts(head: bytes, packet: int, first: int) -> bool:
    """Sync bytes 0x47 every `packet` bytes (188: TS; 192 with a 4-byte timecode: M2TS/AVCHD)."""
    positions = range(first, min(len(head), first + packet * 8), packet)
    return len(positions) >= 2 and all(head[p] == 0x47 for p in positions)


def _mp3_frame(head: bytes) -> bool:
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 0b11, (head[1] >> 1) & 0b11
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 0b11
    return version in MPEG_VERSIONS and layer != 0 and bitrate not in (0, 0b1111) and rate != 0b11


def _adts(head: bytes) -> bool:
    return len(head) >= 7 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0 and (head[2] >> 2) & 0b1111 < 13


def container_signature(head: bytes) -> str:
    """The audio/video container the first bytes announce ("" when none): a pure decision.

    Only a plausibility check: full validation after the upload decides.
    """
    checks: list[tuple[str, bool]] = [
        ("iso-bmff", _iso_box(head)),
        ("matroska", head.startswith(b"\x1a\x45\xdf\xa3")),
        ("riff", head[:4] in (b"RIFF", b"RF64") and head[8:12] in (b"AVI ", b"WAVE", b"AVIX")),
        ("aiff", head.startswith(b"FORM") and head[8:12] in (b"AIFF", b"AIFC")),
        ("mpeg-ts", _mpeg_ts(head, 188, 0)),
        ("m2ts", _mpeg_ts(head, 192, 4)),
        ("mpeg-ps", head.startswith(b"\x00\x00\x01\xba")),
        ("mpeg-video", head.startswith(b"\x00\x00\x01\xb3")),
        ("asf", head.startswith(ASF_GUID)),
        ("flv", head.startswith(b"FLV\x01")),
        ("ogg", head.startswith(b"OggS")),
        ("flac", head.startswith(b"fLaC")),
        ("mxf", head.startswith(b"\x06\x0e\x2b\x34\x02\x05\x01\x01")),
        ("amr", head.startswith(b"#!AMR")),
        ("caf", head.startswith(b"caff")),
        ("mp3", head.startswith(b"ID3") or _mp3_frame(head)),
        ("aac-adts", _adts(head)),
    ]
    return next((name for name, matches in checks if matches), "")


def early_check(path: Path) -> str:
    """Whether a partly uploaded file can be a recording: how it was recognised, or MediaRejected."""
    try:
        probe = probe_file(path)
    except MediaRejected:
        pass
    else:
        if not NOT_RECORDING_FORMATS.search(probe.format_name):
            return f"ffprobe:{probe.format_name}"
    with path.open("rb") as handle:
        head = handle.read(4096)
    signature = container_signature(head)
    if signature:
        return signature
    raise MediaRejected(
        "not_media",
        _(
            "This file does not look like an audio or video recording, so it was refused before the rest "
            "was uploaded. Please check that you chose the right file."
        ),
    )


# --- Sessions -------------------------------------------------------------------------------


def open_sessions(user: Any) -> QuerySet[UploadSession]:
    """The user's uploads that can still continue."""
    return UploadSession.objects.filter(user=user, video__isnull=True, error="")


def start_session(
    user: Any,
    *,
    filename: str,
    size: int,
    title: str = "",
    fingerprint: str = "",
    sha256: str = "",
) -> tuple[UploadSession, bool]:
    """Open an upload (or find the user's unfinished one for the same file). Returns (session, created)."""
    filename = clean_filename(filename)
    fingerprint = fingerprint.strip()[:128]
    sha256 = sha256.strip().lower()
    if not filename or size < 0 or (sha256 and not re.fullmatch(r"[0-9a-f]{64}", sha256)):
        raise UploadRefused(400, "invalid", _("The upload request is not valid."))
    if size == 0:
        raise UploadRefused(422, "empty", _("The file is empty (0 bytes)."))
    limit = max_upload_bytes()
    if size > limit:
        raise UploadRefused(
            413,
            "too_large",
            _("This file (%(size)s) is larger than the limit of %(limit)s for one recording.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
        )
    if fingerprint:
        existing = open_sessions(user).filter(fingerprint=fingerprint, size_bytes=size).first()
        if existing is not None:
            return existing, False
    margin = int(getattr(settings, "MIN_FREE_DISK_BYTES", 0))
    if shutil.disk_usage(uploads_dir()).free < size + margin:
        raise UploadRefused(
            507,
            "no_space",
            _("The server does not have enough free space for this file (%(size)s). Please tell an administrator.")
            % {"size": filesizeformat(size)},
        )
    session = UploadSession.objects.create(
        user=user,
        filename=filename,
        title=title.strip()[:255] or title_from_filename(filename),
        size_bytes=size,
        fingerprint=fingerprint,
        sha256=sha256,
    )
    logger.info("upload %s started by %s: %s, %d bytes", session.key, user, filename, size)
    return session, True


def _fail(session: UploadSession, code: str, message: str) -> UploadRefused:
    """Mark the session refused for good, delete what arrived, and say why."""
    UploadSession.objects.filter(pk=session.pk).update(error=message, updated_at=timezone.now())
    session.error = message
    part_path(session).unlink(missing_ok=True)
    _lock_path(session).unlink(missing_ok=True)
    logger.info("upload %s refused (%s): %s", session.key, code, message)
    return UploadRefused(422, code, message, offset=session.offset)


def _refuse_if_closed(session: UploadSession) -> None:
    if session.error:
        raise UploadRefused(422, "refused", session.error, offset=session.offset)


def _lost(session: UploadSession) -> UploadRefused:
    return _fail(
        session, "lost", _("The part of the file already uploaded was lost on the server. Please upload it again.")
    )


def append_chunk(session: UploadSession, *, offset: int, data: bytes, checksum_header: str) -> UploadSession:
    """Append one chunk at `offset`, checked against its checksum; run the early check when due."""
    algorithm, expected = parse_checksum(checksum_header)
    if len(data) > MAX_CHUNK_BYTES:
        raise UploadRefused(413, "chunk_too_large", _("The upload request is not valid."))
    with _locked(session):
        session.refresh_from_db()
        _refuse_if_closed(session)
        if offset != session.offset or session.video_id is not None:
            raise UploadRefused(
                409,
                "offset_mismatch",
                _("The upload continues from byte %(offset)s.") % {"offset": session.offset},
                offset=session.offset,
            )
        if not data or offset + len(data) > session.size_bytes:
            raise UploadRefused(400, "past_end", _("The upload request is not valid."), offset=session.offset)
        if checksum(algorithm, data) != expected:
            raise UploadRefused(
                CHECKSUM_STATUS,
                "checksum_mismatch",
                _("A part of the file arrived damaged; it is sent again."),
                offset=session.offset,
            )
        try:
            _write_at(session, offset, data)
        except OSError as error:
            if error.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            # The disk filled up meanwhile: the offset stays, so the upload continues once there is room.
            logger.error("upload %s: no space left to write %d bytes at %d", session.key, len(data), offset)
            raise UploadRefused(
                507,
                "no_space",
                _("The server does not have enough free space for this file (%(size)s). Please tell an administrator.")
                % {"size": filesizeformat(session.size_bytes)},
                offset=session.offset,
            ) from None
        moved = UploadSession.objects.filter(pk=session.pk, offset=offset, error="", video__isnull=True).update(
            offset=offset + len(data), updated_at=timezone.now()
        )
        session.refresh_from_db()
        if not moved:  # another writer without our lock (a second machine on a shared folder)
            raise UploadRefused(409, "offset_mismatch", "", offset=session.offset)
        if not session.checked and session.offset >= min(check_bytes(), session.size_bytes):
            _check_early(session)
    return session


def _write_at(session: UploadSession, offset: int, data: bytes) -> None:
    path = part_path(session)
    handle: BinaryIO
    if offset == 0:
        handle = path.open("wb")
        os.chmod(path, getattr(settings, "FILE_UPLOAD_PERMISSIONS", None) or 0o640)
        _fsync_dir(path.parent)
    else:
        try:
            handle = path.open("r+b")
        except FileNotFoundError:
            raise _lost(session) from None
    with handle:
        if os.fstat(handle.fileno()).st_size < offset:
            raise _lost(session)
        handle.seek(offset)
        handle.write(data)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())


def _check_early(session: UploadSession) -> None:
    try:
        how = early_check(part_path(session))
    except MediaRejected as rejected:
        raise _fail(session, rejected.code, str(rejected.message)) from None
    UploadSession.objects.filter(pk=session.pk).update(checked=True)
    session.checked = True
    logger.info("upload %s passed the early check (%s)", session.key, how)


def _orphan_video(session: UploadSession) -> Video | None:
    """The video a completion made before it could note it on the session (a crash in between)."""
    linked = UploadSession.objects.filter(video__isnull=False).values("video")
    return (
        Video.objects.filter(
            uploaded_by=session.user,
            original_name=session.filename,
            size_bytes=session.size_bytes,
            created_at__gte=session.created_at,
        )
        .exclude(pk__in=linked)
        .order_by("created_at")
        .first()
    )


def complete(session: UploadSession, *, title: str = "") -> Video:
    """Turn a fully uploaded file into a Video, once: completing again returns the same video."""
    with _locked(session):
        session.refresh_from_db()
        if session.video is not None:
            return session.video
        _refuse_if_closed(session)
        if not session.complete:
            raise UploadRefused(
                409,
                "incomplete",
                _("The upload is not finished: %(done)s of %(size)s have arrived.")
                % {"done": filesizeformat(session.offset), "size": filesizeformat(session.size_bytes)},
                offset=session.offset,
            )
        path = part_path(session)
        if not path.exists() or path.stat().st_size != session.size_bytes:
            orphan = _orphan_video(session)
            if orphan is None:
                raise _lost(session)
            video = orphan
        else:
            if not session.checked:
                _check_early(session)
            if session.sha256 and file_sha256(path) != session.sha256:
                raise _fail(
                    session,
                    "sha256_mismatch",
                    _(
                        "The uploaded file differs from the original (the checksums do not match). "
                        "Please upload it again."
                    ),
                )
            if title.strip():
                session.title = title.strip()[:255]
            if stored_here():
                video = create_video(
                    path,
                    title=session.title or title_from_filename(session.filename),
                    original_name=session.filename,
                    user=session.user,
                    move=True,
                )
            else:
                video = _receive_for_storage(session, path, enqueue=False)
        session.video = video
        session.save(update_fields=["video", "title", "updated_at"])
    if video.original:  # stored: nothing of this upload is left to do (see _receive_for_storage otherwise)
        _lock_path(session).unlink(missing_ok=True)
    else:
        # Stored by a task (a refused file too, kept for the editor to download), queued only now that the
        # session's lock is released: the task takes that lock without waiting (a copy already running keeps it),
        # so a worker quick enough to start under it found it taken and left the copy undone.
        transaction.on_commit(lambda: enqueue_store(video.pk))
    logger.info("upload %s complete: video %s, %s", session.key, video.pk, video.state)
    return video


# --- Storing the original on remote storage ---------------------------------------------------------


def stored_here() -> bool:
    """Whether storage is this machine's disk (the original is renamed into it) rather than remote (S3)."""
    return isinstance(default_storage, FileSystemStorage)


def _receive_for_storage(session: UploadSession, path: Path, *, enqueue: bool = True) -> Video:
    """On remote storage: check the whole file here with ffprobe and answer at once with a Video that is "being
    stored" (state uploaded, no original yet); the copy into storage is a task on the "store" queue, served by a
    worker on this machine, where the file is (`store_original`). A file ffprobe refuses is failed at once, with
    its reason, and stored all the same (the editor may download it), as on the local disk."""
    try:
        probe = validate(path)
    except MediaRejected as rejected:
        probe, refusal = None, rejected
    with transaction.atomic():
        video = Video.objects.create(
            title=session.title or title_from_filename(session.filename),
            original_name=session.filename,
            uploaded_by=session.user,
            size_bytes=path.stat().st_size,
            **(probe_fields(probe) if probe is not None else {}),
        )
        if probe is None:
            video.move_to(State.FAILED, error=str(refusal.message))
            logger.info("video %s rejected: %s", video.pk, refusal)
        # Noted on the session here (complete notes it again), so the task finds the file whenever it runs.
        UploadSession.objects.filter(pk=session.pk).update(video=video)
        if enqueue:  # complete() queues it itself, once the session's lock is released
            transaction.on_commit(lambda: enqueue_store(video.pk))
    return video


def receive_file(path: Path, *, user: Any, filename: str, title: str) -> Video:
    """A recording that arrived in one piece (the admin's small direct upload) becomes a Video as a finished
    resumable upload does: renamed into local storage and queued, or, on remote storage, checked here and
    stored by the "store" task (from the upload folder, where `path` is moved as a finished session's file)."""
    if stored_here():
        return create_video(path, title=title, original_name=filename, user=user, move=True)
    size = path.stat().st_size
    session = UploadSession.objects.create(
        user=user, filename=clean_filename(filename) or "recording", title=title, size_bytes=size, offset=size
    )
    target = part_path(session)
    shutil.move(str(path), str(target))
    os.chmod(target, files.file_mode())
    UploadSession.objects.filter(pk=session.pk).update(checked=True)
    return _receive_for_storage(session, target)


def enqueue_store(video_id: int) -> None:
    from media.tasks import store_upload

    store_upload.enqueue(video_id)


def store_original(video_id: int) -> str:
    """Copy an uploaded recording from this machine's upload folder into storage, then queue its conversion
    (a refused file stays failed). Runs on the "store" queue, on the machine that received the upload. Done once
    however often it is asked: the session's lock keeps two copies from running together, and an object already
    in storage with the file's size (a copy that ended just before its worker did) is kept rather than sent
    again; asked again while a copy runs (a long one, seen as quiet by `requeue_unstored`), it leaves at once.
    Returns what it did."""
    session = UploadSession.objects.filter(video_id=video_id).select_related("video").first()
    if session is None or session.video is None or session.video.original:
        return "skipped"
    try:
        with _locked(session, wait=False):
            done = _store(session, video_id)
    except BlockingIOError:
        return "busy"
    if done == "stored":
        _lock_path(session).unlink(missing_ok=True)
    return done


def _store(session: UploadSession, video_id: int) -> str:
    """store_original's work, under the session's lock."""
    video = Video.objects.get(pk=video_id)
    if video.original:
        return "skipped"
    path = part_path(session)
    if not path.is_file():
        logger.error("upload %s: the file of video %s is not on this machine (%s)", session.key, video_id, path)
        return "missing"
    size = path.stat().st_size
    name = Video._meta.get_field("original").generate_filename(video, session.filename)
    # The heartbeat says when the copy started (requeue_unstored); the storage's upload runs in threads of its own
    # (boto3's), which must not write to the database.
    Video.objects.filter(pk=video_id).update(processing_heartbeat=timezone.now())
    if not (default_storage.exists(name) and default_storage.size(name) == size):
        with path.open("rb") as handle:
            name = default_storage.save(name, File(handle, name=session.filename))
    with transaction.atomic():
        video = Video.objects.select_for_update().get(pk=video_id)
        video.original.name = name
        video.save(update_fields=["original"])
        if video.state == State.UPLOADED:
            queue(video)
        if settings.TRANSCRIBE_BY_DEFAULT:
            from media.transcription import _request_quietly

            transaction.on_commit(lambda: _request_quietly(video))
    path.unlink(missing_ok=True)
    logger.info("upload %s: original of video %s stored as %s", session.key, video_id, name)
    return "stored"


def unstored() -> QuerySet[Video]:
    """Recordings whose original is still only in an upload folder, waiting to be stored."""
    waiting = UploadSession.objects.filter(video__isnull=False, video__original="").values("video")
    return Video.objects.filter(pk__in=waiting, state__in=[State.UPLOADED, State.FAILED])


def is_being_stored(video: Video) -> bool:
    """Uploaded, and its original on its way to storage (the stage editors see until it is queued)."""
    return video.state == State.UPLOADED and not video.original


def requeue_unstored() -> list[int]:
    """Ask again for the originals whose copy into storage showed no sign of life for VIDEO_STALE_AFTER_SECONDS
    (its worker restarted, its task was lost with the queue): the file waits in the upload folder until stored,
    so nothing is lost. Part of the housekeeping (media.processing.requeue_stalled)."""
    quiet = timezone.now() - timedelta(seconds=settings.VIDEO_STALE_AFTER_SECONDS)
    again = []
    for video in unstored().filter(created_at__lt=quiet):
        if video.processing_heartbeat is not None and video.processing_heartbeat >= quiet:
            continue
        if Video.objects.filter(pk=video.pk, processing_heartbeat=video.processing_heartbeat).update(
            processing_heartbeat=timezone.now()
        ):
            enqueue_store(video.pk)
            again.append(video.pk)
    return again


def cancel(session: UploadSession) -> None:
    """Forget an upload: its partial file and its session. A finished upload whose original is still on its way
    to storage is kept (its file is the recording's only copy): UploadRefused (409) says so."""
    if session.video_id is not None and unstored().filter(pk=session.video_id).exists():
        raise UploadRefused(
            409,
            "being_stored",
            _(
                "This upload is finished and its recording is being saved to storage, so it cannot be cancelled. "
                "To remove it, delete the recording once it is saved."
            ),
        )
    with _locked(session):
        part_path(session).unlink(missing_ok=True)
        session.delete()
    _lock_path(session).unlink(missing_ok=True)


def remove_stale(older_than: timedelta = timedelta(days=7)) -> int:
    """Delete unfinished uploads nobody touched for `older_than`, and their partial files (for a cron job).

    Only those whose partial file (or lock) is on this machine, or that never received a byte: the partial file
    of another web machine's upload is not here, and deleting its session would leave it there for ever. Each
    machine runs this duty (media.apps); a partial file whose session is gone is removed by the work folder's
    sweep (media.workdir)."""
    stale = UploadSession.objects.filter(video__isnull=True, updated_at__lt=timezone.now() - older_than)
    count = 0
    for session in stale:
        if session.offset > 0 and not (part_path(session).exists() or _lock_path(session).exists()):
            continue  # another machine's
        cancel(session)
        count += 1
    return count
