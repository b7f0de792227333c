"""Wagtail's user screens, with each user's unit and position, and guarded against escalation.

The Administrator role manages users but is not a superuser: it must neither grant superuser status
nor edit, re-password or delete a superuser. Wagtail's own screens would let it do both.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils.text import capfirst

from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views import users as wagtail_user_views
from wagtail.users.views.users import UserViewSet

from portal.units.models import Unit

PORTAL_USER_FIELDS = ["unit", "position"]


class SuperuserFieldMixin:
    """Only a superuser sees, and can set, the superuser box."""

    def __init__(self, *args: Any, may_grant_superuser: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_grant_superuser:
            self.fields.pop("is_superuser", None)  # type: ignore[attr-defined]


class PortalUserCreationForm(SuperuserFieldMixin, UserCreationForm):
    unit = forms.ModelChoiceField(queryset=Unit.objects.active(), required=True)

    class Meta(UserCreationForm.Meta):
        fields = UserCreationForm.Meta.fields | set(PORTAL_USER_FIELDS)


class PortalUserEditForm(SuperuserFieldMixin, UserEditForm):
    unit = forms.ModelChoiceField(queryset=Unit.objects.all(), required=True)

    class Meta(UserEditForm.Meta):
        fields = UserEditForm.Meta.fields | set(PORTAL_USER_FIELDS)


for form_class in (PortalUserCreationForm, PortalUserEditForm):
    form_class.base_fields["unit"].label = capfirst(Unit._meta.verbose_name)


def _refuse_superuser_target(request: Any, target: Any) -> None:
    if target.is_superuser and not request.user.is_superuser:
        raise PermissionDenied


class CreateView(wagtail_user_views.CreateView):
    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "may_grant_superuser": self.request.user.is_superuser}


class EditView(wagtail_user_views.EditView):
    def setup(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        _refuse_superuser_target(request, self.object)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "may_grant_superuser": self.request.user.is_superuser}


class DeleteView(wagtail_user_views.DeleteView):
    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        _refuse_superuser_target(request, self.get_object())
        return super().dispatch(request, *args, **kwargs)


class PortalUserViewSet(UserViewSet):
    add_view_class = CreateView
    edit_view_class = EditView
    delete_view_class = DeleteView

    def get_form_class(self, for_update: bool = False) -> type[forms.ModelForm]:
        return PortalUserEditForm if for_update else PortalUserCreationForm
