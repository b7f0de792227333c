"""Background tasks of media/: they run on the "video" queue so light work never waits behind them."""

from __future__ import annotations

from django.conf import settings

from django_tasks import task

from media import processing


@task(queue_name="video", backend=settings.MEDIA_TASK_BACKEND)
def transcode_video(video_id: int) -> str:
    return str(processing.process(video_id))
