#!/usr/bin/env bash
# Restarts a cluster started by scripts/pg-start.sh on the same port (used by the tests).
set -euo pipefail
dir=${1:?usage: pg-restart.sh DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w restart >/dev/null
