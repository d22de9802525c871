#!/usr/bin/env bash
# Builds ui/dist when its sources changed (the desktop crate embeds it at compile time, so even
# `cargo clippy` of src-tauri needs it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
newest_src=$(find "$root/ui/src" "$root/ui/index.html" "$root/ui/package-lock.json" "$root/ui/vite.config.ts" -type f -printf '%T@\n' | sort -n | tail -n 1)
built=$(stat -c %Y "$root/ui/dist/index.html" 2>/dev/null || echo 0)
if [ "${newest_src%.*}" -ge "$built" ]; then
  (cd "$root/ui" && npm run build --silent)
fi
