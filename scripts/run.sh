#!/usr/bin/env bash
# Serve the portal with its background workers; Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
host=${HOST:-127.0.0.1}
port=${PORT:-8000}
# The portal as people trying it see it: DEBUG off, so errors show the portal's own Vietnamese pages, not
# Django's debug page (portal/settings/demo.py; `make run DEBUG=1` for the debug pages).
export DJANGO_SETTINGS_MODULE=portal.settings.demo
# With DEBUG off Django answers only to the host names it knows: the address served, and on all interfaces
# (HOST=0.0.0.0) this machine's addresses and name, so colleagues can open it from theirs.
if [ -z "${ALLOWED_HOSTS:-}" ]; then
    hosts="127.0.0.1,localhost,[::1]"
    case "$host" in
        0.0.0.0|::) hosts="$hosts,$(hostname),$(hostname -I 2>/dev/null | xargs | tr ' ' ',')" ;;
        127.0.0.1|localhost) ;;
        *) hosts="$hosts,$host" ;;
    esac
    export ALLOWED_HOSTS="${hosts%,}"
fi

if "$bin/python" - "$host" "$port" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as runserver does: ignore TIME_WAIT leftovers
try:
    s.bind((sys.argv[1], int(sys.argv[2])))
except OSError:
    sys.exit(0)
sys.exit(1)
PY
then
    echo "Port $port on $host is already in use (is the portal already running?). Stop that program or run: make run PORT=8001" >&2
    exit 1
fi

"$bin/python" manage.py migrate --noinput -v 0
# --force: seed_demo refuses to run with DEBUG off unless told that this is a demo machine, which it is.
"$bin/python" manage.py seed_demo --force
# Build the search index from what is in the database (quick for the demo; the worker keeps it in step).
"$bin/python" manage.py search_index --rebuild >/dev/null || echo "Search index not rebuilt; search answers from what is already indexed." >&2

pids=()
stop() {
    trap - INT TERM EXIT
    echo "Stopping the portal and its workers…"
    [ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# One worker for light work, one for long transcodes, so neither waits for the other; with a speech
# recognition model (WHISPER_MODEL_DIR), one more for transcriptions. Without a model nothing is ever queued
# there, so no worker is started for it (and /healthz does not expect one: settings.WORKER_QUEUES).
"$bin/python" manage.py run_worker --queue default & pids+=($!)
"$bin/python" manage.py run_worker --queue video & pids+=($!)
if [ -n "${WHISPER_MODEL_DIR:-}" ]; then
    "$bin/python" manage.py run_worker --queue transcribe & pids+=($!)
fi
# The periodic duties (a killed worker's job queued again, the search outbox retried, stale work folders and
# uploads removed) run in a process of their own, as in production: `manage.py housekeeping --loop`.
"$bin/python" manage.py housekeeping --loop "${WORKER_HOUSEKEEPING_SECONDS:-30}" & pids+=($!)
"$bin/python" manage.py runserver "$host:$port" --noreload & pids+=($!)

# Wait until the portal answers, so that these lines come last, below the start-up messages.
probe=$host
case "$host" in 0.0.0.0) probe=127.0.0.1 ;; ::) probe=::1 ;; esac
for _ in $(seq 240); do
    (: <>"/dev/tcp/$probe/$port") 2>/dev/null && break
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.5
done
cat <<EOF

Portal: http://$host:$port/   (administration: http://$host:$port/admin/)
Demo accounts, password demo12345: admin, editor, reviewer, submitter, viewer (their roles: README.md)
Ctrl-C stops the portal and its workers.

EOF
# Whichever stops first (Ctrl-C, or a process that dies), stop the others with it.
wait -n || true
