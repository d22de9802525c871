#!/usr/bin/env bash
# Schema-driven fuzzing of the HTTP API: Schemathesis (PyPI, in a venv under ~/.cache/wasel)
# generates requests from /api/openapi.json and checks every answer against the document (status
# codes, content types, schemas) and for server errors. Run by hand; the short property-based
# fuzzer (tests/api_fuzz.rs) runs in CI.
#
#   bash scripts/api-fuzz.sh                 # 100 examples per operation
#   WASEL_FUZZ_EXAMPLES=1000 bash scripts/api-fuzz.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
examples=${WASEL_FUZZ_EXAMPLES:-100}
venv=${WASEL_FUZZ_VENV:-$HOME/.cache/wasel/schemathesis}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/wasel/target}

if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'schemathesis>=4,<5'
fi
cargo build --quiet -p wasel-cli
wasel="$CARGO_TARGET_DIR/debug/wasel"

work=$(mktemp -d)
trap 'kill "${server:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -m 700 "$work/credentials"
export WASEL_DATA_DIR="$work/data" WASEL_CREDENTIALS_DIR="$work/credentials" WASEL_LOG=error
export WASEL_API_RATE_PER_SEC=100000 WASEL_API_BURST=100000
password="Fuzz-Harbour-2026"
echo "$password" | "$wasel" users first-admin fuzz.admin >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$wasel" serve --bind "127.0.0.1:$port" --public-url "http://127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do (exec 4<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
token=$(curl -sf "http://127.0.0.1:$port/api/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"fuzz.admin\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

# Left out: `positive_data_acceptance` (a body the schema allows may still be refused with a coded
# 422: the schema cannot say what a Saudi mobile number or an approved template is), and the
# operations tagged "not built yet", whose 501 answers Schemathesis counts as server errors
# (tests/api_fuzz.rs covers them). The access token lasts 15 minutes.
"$venv/bin/st" run "http://127.0.0.1:$port/api/openapi.json" \
  -H "Authorization: Bearer $token" \
  --checks all --exclude-checks positive_data_acceptance --exclude-tag "not built yet" \
  --max-examples "$examples" \
  --report junit --report-dir "$root/target/api-fuzz" \
  "$@"
