"""Recordings and what processing makes of them.

A Video keeps its original untouched for ever. Processing writes its outputs (HLS ladder, poster,
storyboard) under a fresh folder and publishes them by pointing ``output_dir`` at it in one database
update, so a viewer sees either the previous complete set or the new complete set, never a half.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from media.states import State, check_transition


def original_upload_to(video: Video, filename: str) -> str:
    return f"videos/{video.key}/original/{PurePosixPath(filename).name}"


class Video(models.Model):
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=255)
    original = models.FileField(_("original file"), upload_to=original_upload_to, max_length=500)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    size_bytes = models.BigIntegerField(_("size"), default=0)

    probe = models.JSONField(_("probe data"), null=True, blank=True)
    duration = models.FloatField(_("duration (seconds)"), null=True, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    audio_only = models.BooleanField(_("audio only"), default=False)

    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.UPLOADED, db_index=True)
    progress = models.FloatField(_("progress (%)"), default=0)
    eta_seconds = models.PositiveIntegerField(_("time left (seconds)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    processing_heartbeat = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    processing_worker = models.CharField(max_length=64, blank=True, help_text="the worker that claimed it")
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    output_dir = models.CharField(max_length=255, blank=True, help_text="published outputs, relative to storage")
    poster = models.CharField(max_length=255, blank=True)
    storyboard = models.CharField(max_length=255, blank=True, help_text="WebVTT of the storyboard thumbnails")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("recording")
        verbose_name_plural = _("recordings")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_ready(self) -> bool:
        return self.state == State.READY

    @property
    def has_outputs(self) -> bool:
        """Whether a complete set of outputs is published. A ready video has one; so has a video being
        converted again or whose new conversion failed: the previous set keeps playing meanwhile."""
        return bool(self.output_dir)

    def move_to(self, target: str, **fields: object) -> None:
        """Change state in the database, refusing moves the state machine does not allow."""
        check_transition(self.state, target)
        self.state = target
        for name, value in fields.items():
            setattr(self, name, value)
        self.save(update_fields=["state", *fields])

    @property
    def master_playlist(self) -> str:
        return f"{self.output_dir}/master.m3u8" if self.output_dir else ""

    def file_url(self, relative: str) -> str:
        """Address of one of the published files, e.g. file_url("master.m3u8")."""
        from django.urls import reverse

        return reverse("media:file", kwargs={"key": self.key, "path": relative})

    def output_url(self, stored_name: str) -> str:
        """Address of a stored output (poster, storyboard...) given its storage name."""
        prefix = f"{self.output_dir}/"
        return self.file_url(stored_name.removeprefix(prefix)) if stored_name.startswith(prefix) else ""

    @property
    def master_url(self) -> str:
        return self.file_url("master.m3u8") if self.has_outputs else ""


class Rendition(models.Model):
    """One rung of a ready video's ladder (or its audio-only rendition)."""

    video = models.ForeignKey(Video, related_name="renditions", on_delete=models.CASCADE)
    name = models.CharField(max_length=20)  # "720p", "audio"
    height = models.PositiveIntegerField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    bandwidth = models.PositiveIntegerField(help_text="bits per second, as announced in the master playlist")
    playlist = models.CharField(max_length=255, help_text="media playlist, relative to storage")

    class Meta:
        # Tallest first, the audio-only rendition (no height) last on every database (PostgreSQL puts NULLs
        # first in a descending order, SQLite last).
        ordering = ["video", models.F("height").desc(nulls_last=True)]
        constraints = [models.UniqueConstraint(fields=["video", "name"], name="unique_rendition_name")]

    def __str__(self) -> str:
        return f"{self.video} {self.name}"


class PlaybackPosition(models.Model):
    """Where a user stopped watching a video, so the player can resume there on any device."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playback_positions")
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="positions")
    seconds = models.FloatField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "video"], name="one_position_per_user_and_video")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.video}: {self.seconds:.0f}s"


class UploadSession(models.Model):
    """A resumable upload in progress: chunks arrive in order and are appended to a file in the work
    folder; the offset survives a dropped connection or a browser restart."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="upload_sessions")
    filename = models.CharField(max_length=255)
    title = models.CharField(max_length=255, blank=True)
    size_bytes = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    fingerprint = models.CharField(max_length=128, blank=True, help_text="identifies the same file on resume")
    sha256 = models.CharField(max_length=64, blank=True, help_text="of the whole file, when the client sent it")
    checked = models.BooleanField(default=False, help_text="the first megabytes passed ffprobe")
    error = models.TextField(blank=True)
    video = models.ForeignKey(Video, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.offset}/{self.size_bytes})"

    @property
    def complete(self) -> bool:
        return self.offset >= self.size_bytes


class TranscriptSource(models.TextChoices):
    HUMAN = "human", _("Written by a person")
    MACHINE = "machine", _("Speech recognition")


class Transcript(models.Model):
    """What is said in one recording part, in one language, from one source.

    A human transcript and a machine one of the same part and language are both kept: a machine run never
    overwrites people's work, and readers pick the best one (reviewed human, then human, then machine).
    """

    video = models.ForeignKey(Video, verbose_name=_("recording"), on_delete=models.CASCADE, related_name="transcripts")
    language = models.CharField(_("language"), max_length=16, default="vi")
    source = models.CharField(_("source"), max_length=10, choices=TranscriptSource.choices)
    reviewed = models.BooleanField(_("reviewed"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("transcript")
        verbose_name_plural = _("transcripts")
        ordering = ["video", "language", "source"]
        constraints = [
            models.UniqueConstraint(fields=["video", "language", "source"], name="one_transcript_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.video} [{self.language}, {self.get_source_display()}]"


class Segment(models.Model):
    """One cue of a transcript: text (NFC) said between two moments of the part, in seconds."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="segments")
    start = models.FloatField(_("start (seconds)"))
    end = models.FloatField(_("end (seconds)"))
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["transcript", "start"], name="media_segment_start_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__gte=0) & models.Q(end__gte=models.F("start")),
                name="segment_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start:.1f}-{self.end:.1f}: {self.text[:40]}"


class TranscriptionJob(models.Model):
    """Automatic transcription of one recording part: its state and progress (shown like the conversion's)
    and how far it got. The segments recognised so far are kept as DraftSegment rows covering the audio up to
    ``done_seconds``; a job killed mid-way resumes from there, and only a finished job becomes the part's
    machine Transcript (so a re-run never leaves a half transcript in place of a whole one)."""

    video = models.OneToOneField(
        Video, verbose_name=_("recording"), on_delete=models.CASCADE, related_name="transcription"
    )
    language = models.CharField(_("language"), max_length=16, default="vi")
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED, db_index=True)
    progress = models.FloatField(_("progress (%)"), default=0)
    eta_seconds = models.PositiveIntegerField(_("time left (seconds)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    heartbeat = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=64, blank=True, help_text="the worker that claimed it")
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    audio_seconds = models.FloatField(null=True, blank=True, help_text="length of the extracted audio")
    done_seconds = models.FloatField(default=0, help_text="audio transcribed so far, from the start")
    model_name = models.CharField(max_length=255, blank=True, help_text="the model folder that made the transcript")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("transcription")
        verbose_name_plural = _("transcriptions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.video} [{self.state}]"

    def move_to(self, target: str, **fields: object) -> None:
        """Change state in the database, refusing moves the state machine does not allow."""
        check_transition(self.state, target)
        self.state = target
        for name, value in fields.items():
            setattr(self, name, value)
        self.save(update_fields=["state", *fields])


class DraftSegment(models.Model):
    """A segment of a transcription in progress, saved as soon as its chunk of audio is done."""

    job = models.ForeignKey(TranscriptionJob, on_delete=models.CASCADE, related_name="drafts")
    start = models.FloatField()
    end = models.FloatField()
    text = models.TextField()

    class Meta:
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["job", "start"], name="media_draft_start_idx")]

    def __str__(self) -> str:
        return f"{self.start:.1f}-{self.end:.1f}: {self.text[:40]}"
