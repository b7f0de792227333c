#!/usr/bin/env bash
# Make sure Debian/Ubuntu packages are installed: install them when running as root, otherwise print
# the exact command and stop. With --optional, a missing package is reported but does not stop us
# (the tests that need it skip with a reason).
set -euo pipefail
# With --force, the packages are installed without probing (the caller knows they are missing).
optional=0
force=0
if [ "${1:-}" = "--optional" ]; then optional=1; shift; fi
if [ "${1:-}" = "--force" ]; then force=1; shift; fi

# The command that proves each package is there.
probe() {
    case "$1" in
        ffmpeg) command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null ;;
        gettext) command -v msgfmt >/dev/null ;;
        chromium) test -x /usr/bin/chromium ;;
        nginx) test -x /usr/sbin/nginx ;;
        *) dpkg -s "$1" >/dev/null 2>&1 ;;
    esac
}

missing=()
for pkg in "$@"; do
    if [ "$force" = "1" ] || ! probe "$pkg"; then missing+=("$pkg"); fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing ${missing[*]} (Debian packages)…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    exit 0
fi

echo "Missing system packages: ${missing[*]}. Install them with:" >&2
echo "    sudo apt-get install -y ${missing[*]}" >&2
if [ "$optional" = "1" ]; then
    echo "(Continuing without them: what needs them is skipped, with the reason.)" >&2
    exit 0
fi
exit 1
