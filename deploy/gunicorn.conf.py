"""gunicorn's settings for the portal (`gunicorn -c deploy/gunicorn.conf.py portal.wsgi`).

Bound to a unix socket and nothing else: only nginx (whose user is in the socket's group) can reach it, so the
X-Forwarded-For and X-Forwarded-Proto headers the portal reads were written by nginx, which replaces whatever a
client sent. Every value can be changed from the environment file (deploy/env.template).
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


# The socket nginx proxies to (its upstream in deploy/nginx/vksnd.conf names the same path). A TCP address is
# refused: any process that can reach a TCP port could forge the forwarded headers.
socket_path = os.environ.get("GUNICORN_SOCKET", "/run/vksnd/gunicorn.sock")
if socket_path.startswith(("unix:", "tcp:")) or ":" in socket_path:
    raise SystemExit(f"GUNICORN_SOCKET must be a file path for a unix socket, not {socket_path!r}")
bind = [f"unix:{socket_path}"]
# The socket is created 0660 (umask 007): its owner (the portal's user) and group (nginx's user joins it).
umask = 0o007

# Threads suit the portal: a request waits mostly on the database, the search engine and uploads arriving, not
# on the CPU. One process per core (plus one) with four threads each; measured on 2 cores behind nginx:
# 3 workers x 4 threads served 88 requests/s at p95 474 ms (runserver: 38/s).
cores = os.cpu_count() or 1
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", cores + 1)
threads = _int("GUNICORN_THREADS", 4)
# A piece of an upload (MEDIA_UPLOAD_CHUNK_MB) arrives over a slow link in a thread of its own; a request that
# takes longer than this is stuck, and its worker is replaced. nginx's proxy_read_timeout for uploads is longer.
timeout = _int("GUNICORN_TIMEOUT", 300)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 60)
keepalive = 5
# A worker is replaced after this many requests (with some jitter), so a slow leak never grows for weeks.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = max_requests // 10
# Load the application once before forking: workers share its memory, and a broken configuration stops the
# start at once instead of crash-looping each worker.
preload_app = True

# X-Forwarded-Proto and friends are only believed from these addresses; on a unix socket gunicorn has no peer
# address and believes the socket's only client, nginx. Nothing else can connect.
forwarded_allow_ips = "127.0.0.1,::1"
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
# Headers with underscores (X_Forwarded_For) could pass for dashes in WSGI: dropped.
header_map = "drop"

# Logs go to standard error, which systemd's journal keeps. The access log line: the client (as nginx saw it),
# the request, status, size, time in microseconds, and the referer and agent.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(B)s %(D)sus "%(f)s" "%(a)s"'
proc_name = "vksnd-web"
