"""Forms of the recordings admin: a small direct upload (the resumable uploader handles large files)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.utils.translation import gettext_lazy as _

from wagtail.admin.forms import WagtailAdminModelForm

from media import processing
from media.models import Video
from media.upload import receive_file
from media.upload import uploads_dir as receiving_dir


class VideoUploadForm(WagtailAdminModelForm):
    """Title and file; saving keeps the file as the original, checks it and queues processing."""

    file = forms.FileField(
        label=_("Recording file"),
        help_text=_("For files over a few hundred MB, use “Upload recordings”, which resumes after interruptions."),
    )

    class Meta:
        model = Video
        fields = ["title"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        self.user = user or kwargs.get("for_user")
        super().__init__(*args, **kwargs)

    def save(self, commit: bool = True) -> Video:
        upload = self.cleaned_data["file"]
        title = self.cleaned_data["title"]
        if isinstance(upload, TemporaryUploadedFile) and processing.stored_locally():
            return processing.create_video(
                Path(upload.temporary_file_path()), title=title, original_name=upload.name or "", user=self.user
            )
        # On remote storage the copy into the bucket is a task, as for the resumable upload (media/upload.py).
        with tempfile.TemporaryDirectory(dir=receiving_dir()) as folder:
            path = Path(folder) / "upload"
            with path.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            return receive_file(path, user=self.user, filename=upload.name or "recording", title=title)


class VideoEditForm(WagtailAdminModelForm):
    class Meta:
        model = Video
        fields = ["title"]
