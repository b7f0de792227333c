"""The portal runs on internal networks: every file a page needs comes from the portal itself."""

from __future__ import annotations

from urllib.parse import urlsplit


def test_pages_and_the_admin_load_nothing_from_other_hosts(page, live_server, login, quang_admin):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    login(page, live_server, "quang", "demo12345")
    for path in [
        "/",
        "/tap-huan/",
        "/chu-de/",
        "/tim-kiem/?q=kiem+sat",
        "/admin/",
        "/admin/pages/",
        "/admin/users/",
        "/admin/snippets/units/unit/",
    ]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    own = urlsplit(live_server.url).netloc
    elsewhere = sorted(
        {url for url in requested if urlsplit(url).scheme in {"http", "https"} and urlsplit(url).netloc != own}
    )
    assert requested, "the browser should have made requests"
    assert elsewhere == []
