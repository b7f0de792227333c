"""The Content-Security-Policy header (portal/core/csp.py, CONTENT_SECURITY_POLICY in settings/base.py) is on
every HTML answer, portal and admin, errors included; every inline script of an admin screen carries the answer's
nonce; CSP_REPORT_ONLY switches the header to report-only. In Chromium: tests/browser/test_content_security_policy.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from django.test import Client
from django.urls import reverse

import pytest

from tests.practices.pages import add_practice, add_training

pytestmark = pytest.mark.django_db

HEADER = "Content-Security-Policy"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", re.S)


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def check(response, path: str) -> dict[str, list[str]]:
    assert response["Content-Type"].startswith("text/html"), path
    assert HEADER in response, f"no {HEADER} on {path} ({response.status_code})"
    policy = directives(response[HEADER])
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in response[HEADER]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    return policy


def test_every_html_answer_carries_the_policy(client: Client, minh_submitter, tuan_editor):
    training = add_training("Kỹ năng xét hỏi bị can")
    practice = add_practice("Kinh nghiệm tranh tụng")
    answers = {
        "login": client.get("/dang-nhap/"),
        "admin login": client.get("/admin/login/"),
    }
    client.force_login(minh_submitter)
    for name, path in {
        "home": "/",
        "a training": training.url,
        "a write-up": practice.url,
        "search": reverse("search") + "?q=k%E1%BB%B9",
        "submission form": reverse("practices:submit"),
        "not found": "/khong-co-trang-nay/",
    }.items():
        answers[name] = client.get(path)
    client.force_login(tuan_editor)
    for name, path in {
        "admin dashboard": "/admin/",
        "a training in the editor": f"/admin/pages/{training.pk}/edit/",
        "recordings": "/admin/media/videos/",
        "slides": reverse("training_slides", args=[training.pk]),
        "a write-up in the editor": f"/admin/pages/{practice.pk}/edit/",
    }.items():
        answers[name] = client.get(path)

    assert answers["not found"].status_code == 404
    for name, response in answers.items():
        check(response, name)


def test_every_inline_script_of_the_page_editor_carries_the_answers_nonce(client: Client, tuan_editor):
    """The inline panels', date pickers' and choosers' set-up scripts Wagtail writes (one of each at least)."""
    training = add_training("Kỹ năng xét hỏi bị can")
    client.force_login(tuan_editor)
    response = client.get(f"/admin/pages/{training.pk}/edit/")
    policy = check(response, "editor")
    nonces = [source for source in policy["script-src"] if source.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    html = response.content.decode()
    for setup in ("new InlinePanel(", "initDateChooser(", "new SnippetChooser(", "new PageChooser("):
        assert setup in html
    scripts = INLINE_SCRIPT.findall(html)
    assert len(scripts) >= 4
    assert [attrs for attrs in scripts if f'nonce="{nonce}"' not in attrs] == []


def test_the_portals_own_pages_allow_no_inline_style_and_the_admin_only_inline_style(client: Client, tuan_editor):
    client.force_login(tuan_editor)
    assert directives(client.get("/")[HEADER])["style-src"] == ["'self'"]
    assert directives(client.get("/admin/")[HEADER])["style-src"] == ["'self'", "'unsafe-inline'"]


def settings_policy(**environ: str) -> dict[str, object]:
    """CONTENT_SECURITY_POLICY(_REPORT_ONLY) as the settings make them with `environ`, in a fresh interpreter."""
    code = (
        "import json; from django.conf import settings; import django; django.setup();"
        "print(json.dumps([settings.CONTENT_SECURITY_POLICY, settings.CONTENT_SECURITY_POLICY_REPORT_ONLY],"
        " default=repr))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", **environ}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    enforced, report_only = json.loads(result.stdout)
    return {"enforced": enforced, "report_only": report_only}


def test_the_policy_can_be_report_only_and_given_more_sources():
    default = settings_policy()
    assert default["enforced"] and default["report_only"] is None

    relaxed = settings_policy(
        CSP_REPORT_ONLY="yes", CSP_EXTRA_SOURCES="https://media.vks.example", CSP_REPORT_URI="/r/"
    )
    assert relaxed["enforced"] is None
    directives_ = relaxed["report_only"]["DIRECTIVES"]  # type: ignore[index]
    for name in ("media-src", "img-src", "connect-src"):
        assert "https://media.vks.example" in directives_[name]
    assert "https://media.vks.example" not in directives_["script-src"]
    assert directives_["report-uri"] == ["/r/"]
