#!/usr/bin/env bash
# Installs what Wasel needs and is missing; a second run changes nothing and takes seconds.
#   scripts/setup.sh console   packages to build and run the desktop console
#   scripts/setup.sh test      plus PostgreSQL, a Secret Service, Xvfb, WebDriver and tauri-driver
# Prerequisites brought by the user: the Rust toolchain (>= 1.95) and Node.js >= 20 with npm.
set -euo pipefail
mode=${1:-console}
root=$(cd "$(dirname "$0")/.." && pwd)
say() { printf '\033[1;36m==>\033[0m %s\n' "$*" >&2; }

command -v cargo >/dev/null || { echo "cargo not found: install Rust (https://rustup.rs), >= 1.95" >&2; exit 1; }
command -v npm >/dev/null || { echo "npm not found: install Node.js >= 20 with npm" >&2; exit 1; }
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || { echo "Node.js >= 20 needed, found $(node --version)" >&2; exit 1; }

packages=(libwebkit2gtk-4.1-dev build-essential pkg-config libssl-dev librsvg2-dev fonts-noto-core)
if [ "$mode" = test ]; then
  packages+=(xvfb xauth webkit2gtk-driver postgresql gnome-keyring dbus imagemagick)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  sudo_cmd=(); [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # The postgresql package starts a system cluster by default; the tests start their own.
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages, reinstalled only when the lock file changed.
stamp="$root/ui/node_modules/.wasel-lock.sha256"
want=$(sha256sum "$root/ui/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "npm ci (ui)"
  (cd "$root/ui" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi

if [ "$mode" = test ]; then
  command -v cargo-nextest >/dev/null || { say "installing cargo-nextest"; cargo install cargo-nextest --locked; }
  if ! tauri-driver --version 2>/dev/null | grep -q '2.1.0'; then
    say "installing tauri-driver 2.1.0"
    cargo install tauri-driver@2.1.0 --locked
  fi
fi
