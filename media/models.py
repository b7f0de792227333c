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
        ordering = ["video", "-height"]
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
