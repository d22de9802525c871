#!/usr/bin/env bash
# README command 1: set up what is missing, build, and start the console on embedded SQLite with
# the built-in sandbox providers (no accounts needed). Extra arguments are ignored.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" console
app=$("$root/scripts/build-console.sh" | tail -n 1)
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  # No screen (a server or CI): show the window on a virtual one, so the console still runs.
  command -v Xvfb >/dev/null || { echo "no display and no Xvfb: run this from a desktop session" >&2; exit 1; }
  export DISPLAY=:${WASEL_XVFB_DISPLAY:-97}
  Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  trap 'kill $! 2>/dev/null || true' EXIT
  echo "no display found: the console runs on virtual display $DISPLAY" >&2
  sleep 1
fi
"$app"
