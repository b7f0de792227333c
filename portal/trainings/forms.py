"""The training's admin form: a document is attached only by someone who may choose it.

Wagtail's document chooser lists what the editor may choose, but the form field behind it accepts any
document id. Without this check a training editor could post the id of a unit's draft write-up file into
"Slides and documents" and so see (and, once published, show everybody) a file the chooser never offered.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.documents import get_document_model
from wagtail.permissions import policy_registry


class TrainingPageForm(WagtailAdminPageForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.for_user
        policy = policy_registry.get_by_type(get_document_model())
        attachments = self.formsets.get("attachments")
        for form in attachments.forms if attachments is not None else []:
            # The parent form is cleaned before its formsets: clean the row now (Django keeps the result).
            if not form.is_valid():
                continue
            document = form.cleaned_data.get("document")
            if document is None or "document" not in form.changed_data:
                continue  # a row kept as it was stays, whoever attached it
            if not policy.user_has_permission_for_instance(user, "choose", document):
                form.add_error("document", _("Choose a document from the list: this one cannot be attached here."))
        return cleaned
