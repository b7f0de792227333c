"""``{% csp_nonce %}``: the current request's Content-Security-Policy nonce, for an inline script (portal.core.csp)."""

from __future__ import annotations

from django import template

from portal.core.csp import current_nonce

register = template.Library()


@register.simple_tag
def csp_nonce() -> str:
    return current_nonce()
