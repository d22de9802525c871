#!/usr/bin/env bash
# Builds the UI (ui/dist) when its sources changed, then the desktop binary that embeds it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/wasel/target}
newest_src=$(find "$root/ui/src" "$root/ui/index.html" "$root/ui/package-lock.json" "$root/ui/vite.config.ts" -type f -printf '%T@\n' | sort -n | tail -n 1)
built=$(stat -c %Y "$root/ui/dist/index.html" 2>/dev/null || echo 0)
if [ "${newest_src%.*}" -ge "$built" ]; then
  (cd "$root/ui" && npm run build --silent)
fi
cargo build -p wasel-desktop --manifest-path "$root/Cargo.toml"
echo "$CARGO_TARGET_DIR/debug/wasel-console"
