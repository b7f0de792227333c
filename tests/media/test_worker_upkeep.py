"""The video worker's periodic housekeeping: a transcode whose worker died is requeued while other
workers keep running, without waiting for one of them to restart."""

from __future__ import annotations

import shutil
from datetime import timedelta

from django.utils import timezone

import pytest

from media import processing
from media.models import Video
from media.states import State
from portal.core.management.commands.run_worker import Upkeep
from portal.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def abandoned(media_storage, tmp_path, clip_silent, settings) -> Video:
    """A video claimed by a worker that then died: processing, its heartbeat long stale."""
    copy = tmp_path / "bo-do.mp4"
    shutil.copy(clip_silent, copy)
    video = processing.create_video(copy, title="Bị bỏ dở", move=True)
    processing.claim(video.pk)
    stale = timezone.now() - timedelta(seconds=settings.VIDEO_STALE_AFTER_SECONDS + 5)
    Video.objects.filter(pk=video.pk).update(processing_heartbeat=stale)
    return video


def test_a_running_video_worker_requeues_a_dead_workers_transcode(abandoned):
    upkeep = Upkeep("worker-a", ["video"], housekeeping_seconds=0)
    upkeep.tick()
    assert Video.objects.get(pk=abandoned.pk).state == State.QUEUED
    assert WorkerHeartbeat.objects.filter(worker_id="worker-a").exists()


def test_the_housekeeping_runs_at_its_interval_not_at_every_beat(abandoned):
    upkeep = Upkeep("worker-a", ["video"], housekeeping_seconds=3600)
    upkeep.tick()
    assert Video.objects.get(pk=abandoned.pk).state == State.PROCESSING
    upkeep.next_housekeeping = 0  # an hour later
    upkeep.tick()
    assert Video.objects.get(pk=abandoned.pk).state == State.QUEUED


def test_workers_of_other_queues_leave_videos_alone(abandoned):
    Upkeep("worker-b", ["default"], housekeeping_seconds=0).tick()
    assert Video.objects.get(pk=abandoned.pk).state == State.PROCESSING
