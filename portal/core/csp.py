"""The Content-Security-Policy header (django-csp), and the nonce for the few inline scripts Wagtail writes.

The policy itself is CONTENT_SECURITY_POLICY in portal/settings/base.py. The portal's own pages have no inline
script; Wagtail's admin still writes a handful to set up its widgets: the inline panels' and the date pickers'
come from templates, overridden in portal/core/templates/wagtailadmin/ to carry the request's nonce (read with
``{% csp_nonce %}``, portal_csp tag library); the choosers' come from BaseChooser.render, which
`nonce_for_wagtail_choosers` wraps. Form widgets are rendered without the request in their context, so the
middleware keeps the current request in a context variable for both. Only scripts Wagtail itself writes get the
nonce; anything else inline, such as a script smuggled into a page's content, stays blocked.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.safestring import SafeString, mark_safe

from csp.middleware import CSPMiddleware, PolicyParts

_current_request: ContextVar[HttpRequest | None] = ContextVar("portal_csp_request", default=None)


class PortalCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, which also remembers the request being answered for ``{% csp_nonce %}``."""

    async_capable = False  # the context variable is set and reset around a synchronous call

    def __call__(self, request: HttpRequest) -> Any:
        token = _current_request.set(request)
        try:
            return super().__call__(request)
        finally:
            _current_request.reset(token)

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        """The policy, with CSP_ADMIN_REPLACE's directives instead in Wagtail's admin (CSP_ADMIN_PREFIX)."""
        parts = super().get_policy_parts(request, response, report_only)
        if parts.replace is None and request.path_info.startswith(settings.CSP_ADMIN_PREFIX):
            parts.replace = settings.CSP_ADMIN_REPLACE
        return parts


def current_nonce() -> str:
    """The nonce of the request being answered ('' outside a request). Asking for it puts it in the header."""
    request = _current_request.get()
    if request is None:
        return ""
    nonce = getattr(request, "csp_nonce", None)
    return str(nonce) if nonce is not None else ""


def nonce_for_wagtail_choosers() -> None:
    """Give the set-up script every Wagtail chooser widget writes after its HTML the request's nonce.

    Wagtail 8.0's BaseChooser.render ends its output with ``<script>{js}</script>`` (``new PageChooser(...)``
    and the like, built from JSON); without a nonce a policy without 'unsafe-inline' blocks it and the chooser
    is dead. Checked by tests/browser/test_content_security_policy.py (a page chooser opened in the editor)."""
    from wagtail.admin.widgets.chooser import BaseChooser

    if getattr(BaseChooser.render, "portal_csp_nonce", False):
        return
    render = BaseChooser.render

    def render_with_nonce(self: Any, *args: Any, **kwargs: Any) -> SafeString:
        html = str(render(self, *args, **kwargs))
        head, script, tail = html.rpartition("<script>")
        if not script:
            return mark_safe(html)  # noqa: S308 - Wagtail's own output, unchanged
        nonce = current_nonce()
        return mark_safe(f'{head}<script nonce="{nonce}">{tail}' if nonce else html)  # noqa: S308 - as above

    render_with_nonce.portal_csp_nonce = True  # type: ignore[attr-defined]
    BaseChooser.render = render_with_nonce
