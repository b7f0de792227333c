"""The README a newcomer reads after cloning: its links lead to files the clone has, and its table of demo
accounts names each user's unit exactly as the portal's header shows it once that user is logged in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from portal.home.demo import DEMO_USERS, seed_units, seed_users
from portal.units.models import User

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
LINK = re.compile(r"\]\(([^)#\s]+)[^)]*\)")


def test_every_link_of_the_readme_to_a_file_leads_to_one_in_the_repository():
    assert "../shared" not in README
    targets = [target for target in LINK.findall(README) if "://" not in target]
    assert "docs/architecture.md" in targets
    missing = [target for target in targets if not (ROOT / target).resolve().is_relative_to(ROOT)]
    missing += [target for target in targets if not (ROOT / target).exists()]
    assert missing == []


def demo_table() -> dict[str, str]:
    """user name -> unit, from the README's table of demo accounts (the first table after "Demo accounts")."""
    section = README.split("Demo accounts", 1)[1].split("\n\n", 2)[1]
    rows = re.findall(r"^\| `(\w+)` +\|[^|]+\|([^|]+)\|$", section, flags=re.MULTILINE)
    return {username: unit.strip() for username, unit in rows}


@pytest.mark.django_db
def test_the_demo_table_names_the_units_as_the_header_shows_them(client):
    seed_units()
    seed_users()
    table = demo_table()
    assert set(table) == {user.username for user in DEMO_USERS}
    shown = {}
    for username in table:
        client.force_login(User.objects.get(username=username))
        header = BeautifulSoup(client.get("/").content, "html.parser").select_one(".user-menu__unit")
        assert header is not None
        shown[username] = header.get_text(strip=True).removeprefix("·").strip()
    assert shown == table
