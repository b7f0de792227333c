"""deploy/ without the stack running: every nginx file renders from the environment template, and gunicorn's
settings bind a unix socket and nothing else. (The stack itself, nginx included, is tested by tests/stack/.)"""

from __future__ import annotations

import importlib.util
import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def load_stack_script():
    spec = importlib.util.spec_from_file_location("stack_script", ROOT / "scripts" / "stack.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("behind_proxy", [False, True], ids=["tls-in-nginx", "behind-a-tls-terminator"])
@pytest.mark.parametrize("bucket", ["", "vksnd-media"], ids=["local-media", "s3-media"])
def test_the_environment_template_fills_every_nginx_placeholder(tmp_path, behind_proxy, bucket):
    stack = load_stack_script()
    config = stack.read_env_file(DEPLOY / "env.template")
    config.update(
        HLS_SIGNING_KEY_FILE="",
        HLS_SIGNING_KEY="k" * 43,
        S3_BUCKET=bucket,
        S3_ENDPOINT_URL="http://10.0.0.9:9000" if bucket else "",
    )
    site = stack.write_nginx_files(config, tmp_path, behind_proxy=behind_proxy)
    files = [site, *sorted((tmp_path / "vksnd").iterdir())]
    assert {path.name for path in files} >= {
        "vksnd.conf", "portal.conf", "proxy-headers.conf", "media-source.conf", "hls.conf", "hls-secret.conf",
        "hls-cache-zone.conf", "hls-cache.conf",
    }  # fmt: skip
    for path in files:
        assert not re.search(r"\$\{VKSND_[A-Z0-9_]+\}", path.read_text()), path.name
    source = (tmp_path / "vksnd" / "media-source.conf").read_text()
    zone = (tmp_path / "vksnd" / "hls-cache-zone.conf").read_text()
    cache = (tmp_path / "vksnd" / "hls-cache.conf").read_text()
    if bucket:
        assert "proxy_pass http://10.0.0.9:9000/vksnd-media/;" in source
        # Segments from the bucket are kept by nginx, in production's cache folder, bounded by the setting.
        assert "proxy_cache_path /var/cache/nginx/vksnd levels=1:2 keys_zone=vksnd_hls:10m max_size=2g" in zone
        assert "proxy_cache vksnd_hls;" in cache
        assert "proxy_cache_valid 200 1h;" in cache
    else:
        assert "alias /srv/vksnd/var/media/;" in source
        assert "proxy_cache" not in zone + cache
    assert "include vksnd/hls-cache-zone.conf;" in site.read_text()
    assert "include vksnd/hls-cache.conf;" in (tmp_path / "vksnd" / "hls.conf").read_text()
    assert "unix:/run/vksnd/gunicorn.sock" in site.read_text()
    headers = (tmp_path / "vksnd" / "proxy-headers.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in headers
    # The port stays in the Host the portal sees (the admin toolbar on the site and e-mail links are built from it).
    assert "proxy_set_header Host $http_host;" in headers and "Host $host;" not in headers
    assert "$proxy_add_x_forwarded_for" not in headers
    assert oct((tmp_path / "vksnd" / "hls-secret.conf").stat().st_mode & 0o777) == "0o600"


def test_gunicorn_binds_a_unix_socket_only(monkeypatch):
    monkeypatch.setenv("GUNICORN_SOCKET", "/run/vksnd/gunicorn.sock")
    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert settings["bind"] == ["unix:/run/vksnd/gunicorn.sock"]
    assert settings["worker_class"] == "gthread"
    assert settings["workers"] >= 2

    for address in ("127.0.0.1:8000", "0.0.0.0:8000", "tcp:8000", "unix:/tmp/x.sock"):
        monkeypatch.setenv("GUNICORN_SOCKET", address)
        with pytest.raises(SystemExit):
            runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_every_queue_a_worker_serves_has_a_systemd_unit_template():
    unit = (DEPLOY / "systemd" / "vksnd-worker@.service").read_text()
    assert "run_worker --queue %i" in unit
    timer = (DEPLOY / "systemd" / "vksnd-housekeeping.timer").read_text()
    assert "OnUnitActiveSec=1min" in timer
    assert "manage.py housekeeping" in (DEPLOY / "systemd" / "vksnd-housekeeping.service").read_text()
