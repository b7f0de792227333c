from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingsConfig(AppConfig):
    name = "portal.trainings"
    label = "trainings"
    verbose_name = _("Trainings")

    def ready(self) -> None:
        from media.permissions import register_viewer_check
        from portal.trainings.visibility import training_viewer_check

        register_viewer_check(training_viewer_check)

        from portal.trainings import slides

        slides.connect()
