"""The production settings refuse to start with unsafe values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k8#2LmQ9zX!pR4vT7wY1uE6iO3aS5dF0gH-jK_lZ^xC&vB*nM-w3Rt"
GOOD_HLS_KEY = "Zr3n5Qw8-Tx1_Lp0Vb7Km2Hs9Jd4Fg6Ye"


def load_production(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "BASE_URL"}}
    environment["BASE_URL"] = "https://daotao.vks.gov.vn"
    environment["HLS_SIGNING_KEY"] = GOOD_HLS_KEY
    environment.pop("HLS_SIGNING_KEY_FILE", None)
    environment.update(env)
    environment["DJANGO_SETTINGS_MODULE"] = "portal.settings.production"
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.CSRF_COOKIE_SECURE, s.SECURE_CONTENT_TYPE_NOSNIFF)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )


def test_it_starts_with_safe_values_and_secure_cookies_and_hsts():
    result = load_production(SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="daotao.vks.gov.vn")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "31536000", "True", "True"]


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"ALLOWED_HOSTS": "daotao.vks.gov.vn"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short", "ALLOWED_HOSTS": "daotao.vks.gov.vn"}, "SECRET_KEY"),
        ({"SECRET_KEY": "insecure-local-development-key-never-use-in-production", "ALLOWED_HOSTS": "x"}, "SECRET_KEY"),
        ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": GOOD_KEY}, "ALLOWED_HOSTS"),  # unset: no localhost default on a server
        ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        (
            {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "daotao.vks.gov.vn", "BASE_URL": "http://127.0.0.1:8000"},
            "BASE_URL",
        ),
        ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "daotao.vks.gov.vn", "DEBUG": "true"}, "DEBUG"),
    ],
)
def test_it_refuses_unsafe_values(env, complaint):
    result = load_production(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert complaint in result.stderr


def test_it_reads_the_secret_key_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text(GOOD_KEY + "\n")
    result = load_production(SECRET_KEY_FILE=str(secret), ALLOWED_HOSTS="daotao.vks.gov.vn")
    assert result.returncode == 0, result.stderr


def test_a_malformed_boolean_stops_the_start():
    result = load_production(SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="x", DEBUG="perhaps")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


@pytest.mark.parametrize("key", ["", "too-short", "has a $variable nginx would read in it, long enough to pass"])
def test_it_refuses_a_missing_or_unusable_hls_signing_key_behind_nginx(key):
    result = load_production(SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="daotao.vks.gov.vn", HLS_SIGNING_KEY=key)
    assert result.returncode != 0
    assert "HLS_SIGNING_KEY" in result.stderr


def test_without_nginx_the_hls_signing_key_may_be_derived():
    result = load_production(
        SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="daotao.vks.gov.vn", HLS_SIGNING_KEY="", SERVE_MEDIA_WITH="django"
    )
    assert result.returncode == 0, result.stderr
