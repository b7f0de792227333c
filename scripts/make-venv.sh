#!/usr/bin/env bash
# Create .venv with pip in it. Debian/Ubuntu's Python needs the python3-venv package for that: install
# it when root, otherwise say how.
set -euo pipefail
python=${1:-python3}
venv=${2:-.venv}
[ -x "$venv/bin/pip" ] && exit 0
rm -rf "$venv"
if ! "$python" -m venv "$venv" >/dev/null 2>&1 || [ ! -x "$venv/bin/pip" ]; then
    rm -rf "$venv"
    version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    scripts/system-deps.sh --force "python$version-venv"
    "$python" -m venv "$venv"
fi
