#!/usr/bin/env bash
# Builds the UI (ui/dist) when its sources changed, then the desktop binary that embeds it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/wasel/target}
"$root/scripts/build-ui.sh"
cargo build -p wasel-desktop --manifest-path "$root/Cargo.toml"
echo "$CARGO_TARGET_DIR/debug/wasel-console"
