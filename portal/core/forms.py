from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from wagtail.admin.forms.auth import LoginForm


class PortalAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The user name or password is not correct. Note that passwords are case-sensitive."),
        "inactive": _("This account has been disabled. Please contact your unit's administrator."),
    }

    username = forms.CharField(
        label=_("User name"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class AdminLoginForm(LoginForm):
    """Wagtail's admin login form with a translatable label for the password (Wagtail gives none, so
    Django shows the field's English name)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].label = _("Password")
