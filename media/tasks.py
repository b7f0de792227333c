"""Background tasks of media/: conversions run on the "video" queue so light work never waits behind them; the copy
of an uploaded original into remote storage runs on the "store" queue, served by a worker on the web
machine that received the file (media.upload.store_original)."""

from __future__ import annotations

from django.conf import settings

from django_tasks import task

from media import processing, upload


@task(queue_name="video", backend=settings.MEDIA_TASK_BACKEND)
def transcode_video(video_id: int) -> str:
    return str(processing.process(video_id))


@task(queue_name="store", backend=settings.MEDIA_TASK_BACKEND)
def store_upload(video_id: int) -> str:
    return upload.store_original(video_id)
