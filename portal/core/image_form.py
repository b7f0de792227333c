"""The admin's image form (WAGTAILIMAGES_IMAGE_FORM_BASE): an image that cannot be decoded is a form error.

Wagtail checks an upload's header and its size in pixels, which makes Pillow decode the whole picture: a PNG
whose data is damaged past a valid header then raised OSError out of the form, and the editor got a server
error (500) from the add form, the multiple upload and the chooser's upload tab alike. Here any failure to
decode is the field's own error, in Vietnamese, and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm


class DecodedImageField(WagtailImageField):
    """Wagtail's image field, refusing a file whose picture cannot be decoded."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_messages["damaged_image"] = _(
            "This image is damaged or incomplete and cannot be read. Open it on your computer, save it again "
            "and upload it once more."
        )

    def check_image_pixel_size(self, f: Any) -> None:
        try:
            super().check_image_pixel_size(f)
        except ValidationError:
            raise
        except Exception as exc:  # Pillow's decoders raise OSError, SyntaxError, ValueError...
            raise ValidationError(self.error_messages["damaged_image"], code="damaged_image") from exc


class ImageForm(BaseImageForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("file")
        # Built by Wagtail's formfield callback (a declared field could not be left out of the multiple
        # upload's edit form, which excludes the file): same label, requirement and widget, checked further.
        if isinstance(field, WagtailImageField) and not isinstance(field, DecodedImageField):
            self.fields["file"] = DecodedImageField(label=field.label, required=field.required, widget=field.widget)
