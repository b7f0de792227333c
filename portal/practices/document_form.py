"""The admin's document form (WAGTAILDOCS_DOCUMENT_FORM_BASE): a write-up's file passes the portal's checks.

A file uploaded to the "Cách làm hay" collection, or put in place of a file a write-up shows, goes through the
same checks as the submission form (portal.practices.extraction: the type read from the content, macros,
archive bombs, size...) and gets a safe name; the write-up's preview text follows the new file. Other
documents (a training's slides, say) keep Wagtail's own checks. Only reviewers and administrators reach a
write-up's files in the admin at all (portal.practices.document_policy).
"""

from __future__ import annotations

from typing import Any

from wagtail.documents.forms import BaseDocumentForm

from portal.practices.document_policy import is_write_up_file, practices_collection_paths
from portal.practices.extraction import DocumentRejected, Extracted, check_and_extract, max_attachment_bytes


class DocumentForm(BaseDocumentForm):
    extracted: Extracted | None = None

    def is_for_write_up(self, collection: Any) -> bool:
        if collection is not None and any(collection.path.startswith(path) for path in practices_collection_paths()):
            return True
        return bool(self.instance.pk) and is_write_up_file(self.instance)

    def clean(self) -> dict[str, Any]:
        from portal.practices.submission import safe_file_name

        cleaned = super().clean() or {}
        upload = cleaned.get("file")
        if "file" in self.changed_data and upload and self.is_for_write_up(cleaned.get("collection")):
            try:
                self.extracted = check_and_extract(upload, upload.name or "", max_bytes=max_attachment_bytes())
            except DocumentRejected as rejected:
                self.add_error("file", rejected.message)
            else:
                upload.seek(0)
                upload.name = safe_file_name(upload.name or "")
        return cleaned

    def save(self, commit: bool = True) -> Any:
        from portal.practices.models import PracticeAttachment

        document = super().save(commit=commit)
        if commit and self.extracted is not None:
            PracticeAttachment.objects.filter(document=document).update(text=self.extracted.text)
        return document
