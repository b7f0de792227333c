"""The address a request really came from, for login throttling.

Behind nginx every request arrives from nginx's own address. With TRUSTED_PROXY_COUNT proxies in
front of the portal, each appending the address it saw to X-Forwarded-For (nginx:
`proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`), the client is the entry that many
places from the right. Entries further left were written by the client and can be forged, so they
are never used.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    return hops[-count] if len(hops) >= count else hops[0]
