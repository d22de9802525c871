#!/usr/bin/env bash
# README command 2: set up what is missing and run every test.
#   formatting and lints (cargo fmt, clippy -D warnings), the Rust tests (nextest) with the store
#   tests on SQLite and on a PostgreSQL started here, the keychain tests against a real Secret
#   Service (gnome-keyring unlocked in a private D-Bus session), the UI's lint, type check and unit
#   tests, and the end-to-end tests that drive the real desktop window through WebDriver under Xvfb
#   (screenshots in target/screenshots/).
# Stages can be picked for a quicker loop: scripts/test.sh rust e2e  (default: all of them)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/wasel/target}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
stages=${*:-lint ui rust e2e}
want() { [[ " $stages " == *" $1 "* ]]; }
say() { printf '\n\033[1;36m==> %s\033[0m\n' "$*" >&2; }

if [ -z "${WASEL_IN_DBUS:-}" ]; then
  start=$(date +%s)
  "$root/scripts/setup.sh" test

  # The desktop crate embeds ui/dist at compile time: build it before anything compiles src-tauri.
  "$root/scripts/build-ui.sh"

  if want lint; then
    say "cargo fmt --check"
    cargo fmt --all --check
    say "cargo clippy"
    cargo clippy --workspace --all-targets --locked -- -D warnings
    say "cargo clippy: the head-office CLI without the sandbox"
    cargo clippy -p wasel-cli --no-default-features --all-targets --locked -- -D warnings
  fi

  if want ui; then
    say "ui: lint, type check, unit tests"
    (cd ui && npm run --silent lint && npm run --silent typecheck && npm test --silent)
  fi

  if want e2e; then
    say "building the console for the end-to-end tests"
    "$root/scripts/build-console.sh" >/dev/null
    # The virtual screen starts first, so that the D-Bus session below and every service it
    # activates (portals, accessibility) see DISPLAY.
    display_file=$(mktemp)
    Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$display_file" >/dev/null 2>&1 &
    export WASEL_XVFB_PID=$!
    for _ in $(seq 50); do [ -s "$display_file" ] && break; sleep 0.1; done
    DISPLAY=":$(head -n 1 "$display_file")"
    export DISPLAY
    rm -f "$display_file"
  fi

  # The rest runs inside a private D-Bus session with an unlocked gnome-keyring.
  export WASEL_IN_DBUS=1 WASEL_TEST_START=$start WASEL_STAGES=$stages
  exec dbus-run-session -- "$0" "$@"
fi

stages=$WASEL_STAGES
work=$(mktemp -d /tmp/wasel-test.XXXXXX)
chmod 755 "$work"
cleanup() {
  [ -n "${driver_pid:-}" ] && kill "$driver_pid" 2>/dev/null || true
  [ -n "${WASEL_XVFB_PID:-}" ] && kill "$WASEL_XVFB_PID" 2>/dev/null || true
  "$root/scripts/pg-stop.sh" "$work/pg" || true
  rm -rf "$work"
}
trap cleanup EXIT

say "keychain: gnome-keyring unlocked in this D-Bus session"
# A keyring of its own (XDG_DATA_HOME), so an existing login keyring with another password never
# turns into an unanswerable unlock prompt.
mkdir -p "$work/xdg"
echo -n "wasel-test" | XDG_DATA_HOME="$work/xdg" gnome-keyring-daemon --unlock --components=secrets >/dev/null
export WASEL_REQUIRE_KEYCHAIN=1

if want rust; then
  say "PostgreSQL on loopback"
  WASEL_TEST_PG_URL=$("$root/scripts/pg-start.sh" "$work/pg")
  export WASEL_TEST_PG_URL WASEL_REQUIRE_PG=1
  say "Rust tests (nextest)"
  cargo nextest run --workspace --locked --no-fail-fast
fi

if want e2e; then
  say "end-to-end: the desktop window through WebDriver (DISPLAY=$DISPLAY)"
  export WASEL_APP_BIN="$CARGO_TARGET_DIR/debug/wasel-console"
  export WASEL_DATA_DIR="$work/console-data"
  export WASEL_SCREENSHOTS="$root/target/screenshots"
  export NO_AT_BRIDGE=1 GTK_USE_PORTAL=0
  mkdir -p "$WASEL_SCREENSHOTS"
  driver_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  export TAURI_DRIVER_PORT=$driver_port
  tauri-driver --port "$driver_port" --native-driver /usr/bin/WebKitWebDriver >"$work/tauri-driver.log" 2>&1 &
  driver_pid=$!
  for _ in $(seq 100); do (exec 4<>"/dev/tcp/127.0.0.1/$driver_port") 2>/dev/null && break; sleep 0.1; done
  (cd ui && npm run --silent e2e) || { echo "--- tauri-driver log"; tail -n 50 "$work/tauri-driver.log"; exit 1; }
  echo "screenshots: $WASEL_SCREENSHOTS"
fi

echo "test command wall time: $(( $(date +%s) - WASEL_TEST_START )) s"
