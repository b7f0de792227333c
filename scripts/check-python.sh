#!/usr/bin/env bash
# Stop early, with a plain message, when the Python given is missing or older than 3.11.
set -euo pipefail
python=${1:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
    echo "Python 3.11 or newer is needed: install it (Debian/Ubuntu: apt-get install python3 python3-venv)." >&2
    exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "Python 3.11 or newer is needed; $python is $("$python" -V 2>&1)." >&2
    exit 1
fi
