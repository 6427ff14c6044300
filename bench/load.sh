#!/usr/bin/env bash
# Load test of GET /api/v1/shipments/{id} with SHIPMENTS shipments stored, on SQLite and/or
# PostgreSQL, from loopback only. Reports requests/s and p50/p99 latency:
#   1. at a fixed rate (RATE req/s, the goal: p99 < 10 ms at 2,000 req/s on SQLite), and
#   2. flat out (the most requests/s the server answers on this machine).
#
# usage: bench/load.sh [sqlite|postgres|both]      (default: both)
# env:   SHIPMENTS=1000000  EVENTS=5 (per shipment)  RATE=2000  DURATION=30
#        CONNECTIONS=32  PORT=18080  WORKDIR=bench/.load
#        POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres (an admin URL; the database
#        posylka_bench is dropped and created anew)
#        BUILD=0: use the release binaries already built.
#        KEEP=1: reuse the store of a previous run with the same SHIPMENTS (filling 1M takes
#        minutes).
# Load tool: oha (`cargo install oha`) when on PATH: fixed rate with latency correction (no
# coordinated omission); otherwise wrk (`apt-get install wrk`), closed loop only.
# The machine is shared (2 cores: server, database and load generator compete); compare
# figures from one run only.
set -euo pipefail
cd "$(dirname "$0")/.."

ENGINES=${1:-both}
SHIPMENTS=${SHIPMENTS:-1000000}
EVENTS=${EVENTS:-5}
RATE=${RATE:-2000}
DURATION=${DURATION:-30}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-18080}
WORKDIR=${WORKDIR:-bench/.load}
POSTGRES_URL=${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
mkdir -p "$WORKDIR"

if [[ ${BUILD:-1} == 1 ]]; then
    cargo build --release -q -p posylka
    cargo build --release -q -p posylka-server --example fill_store
fi
BIN=target/release/posylka
FILL=target/release/examples/fill_store

server_pid=
stop_server() {
    if [[ -n $server_pid ]]; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=
    fi
}
trap stop_server EXIT

# fill ENGINE URL: fills the store unless KEEP=1 and a token for it exists; prints the token.
fill() {
    local engine=$1 url=$2 tokenfile="$WORKDIR/$1-$SHIPMENTS.token"
    if [[ ${KEEP:-0} == 1 && -s $tokenfile ]]; then
        cat "$tokenfile"
        return
    fi
    if [[ $engine == sqlite ]]; then
        rm -f "$WORKDIR/sqlite.db" "$WORKDIR/sqlite.db-wal" "$WORKDIR/sqlite.db-shm"
    else
        psql -q "$POSTGRES_URL" -c "DROP DATABASE IF EXISTS posylka_bench" \
            -c "CREATE DATABASE posylka_bench" >&2
    fi
    local t0=$SECONDS
    "$FILL" "$url" "$SHIPMENTS" "$EVENTS" > "$tokenfile"
    echo "filled $SHIPMENTS shipments x $EVENTS events in $((SECONDS - t0)) s" >&2
    cat "$tokenfile"
}

# measure LABEL TOKEN [RATE]: prints "LABEL: N req/s, p50 X ms, p99 Y ms".
measure() {
    local label=$1 token=$2 rate=${3:-} url="http://127.0.0.1:$PORT/api/v1/shipments"
    if command -v oha >/dev/null; then
        local out="$WORKDIR/oha.json" args=(--no-tui --output-format json -z "${DURATION}s"
            -c "$CONNECTIONS" -H "Authorization: Bearer $token")
        [[ -n $rate ]] && args+=(-q "$rate" --latency-correction)
        # Uniformly random ids with one digit fewer than SHIPMENTS (100000-999999 of 1M: 90%
        # of the store, so the page cache is not just a few hot rows).
        oha "${args[@]}" --rand-regex-url "$url/[1-9][0-9]{$(( ${#SHIPMENTS} - 2 ))}" > "$out"
        python3 - "$label" "$out" <<'PY'
import json, sys
label, path = sys.argv[1], sys.argv[2]
r = json.load(open(path))
s = r["summary"]; p = r["latencyPercentiles"]
codes = r.get("statusCodeDistribution", {})
print(f"{label}: {s['requestsPerSec']:.0f} req/s, p50 {p['p50']*1000:.2f} ms, "
      f"p99 {p['p99']*1000:.2f} ms, statuses {codes}")
PY
    else
        [[ -n $rate ]] && { echo "$label: skipped (fixed rate needs oha)"; return; }
        cat > "$WORKDIR/get.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
request = function()
  return wrk.format(nil, "/api/v1/shipments/" .. math.random(1, $SHIPMENTS))
end
LUA
        wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORKDIR/get.lua" \
            "http://127.0.0.1:$PORT" > "$WORKDIR/wrk.txt"
        local rps p50 p99
        rps=$(awk '/Requests\/sec/ {print $2}' "$WORKDIR/wrk.txt")
        p50=$(awk '$1 == "50%" {print $2}' "$WORKDIR/wrk.txt")
        p99=$(awk '$1 == "99%" {print $2}' "$WORKDIR/wrk.txt")
        echo "$label: $rps req/s, p50 $p50, p99 $p99 (wrk, closed loop)"
        # Not the function's status: `set -e` would end the script when all were 2xx.
        if grep -q "Non-2xx" "$WORKDIR/wrk.txt"; then grep "Non-2xx" "$WORKDIR/wrk.txt"; fi
    fi
}

run() {
    local engine=$1 url
    if [[ $engine == sqlite ]]; then
        url="$WORKDIR/sqlite.db"
    else
        url="${POSTGRES_URL%/*}/posylka_bench"
    fi
    local token
    token=$(fill "$engine" "$url")
    POSYLKA_LISTEN="127.0.0.1:$PORT" POSYLKA_DATABASE_URL="$url" POSYLKA_LOG_LEVEL=warn \
        "$BIN" serve > "$WORKDIR/server-$engine.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 50); do
        curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break
        sleep 0.2
    done
    # Sanity: one shipment answers 200 with its timeline.
    curl -fs -H "Authorization: Bearer $token" \
        "http://127.0.0.1:$PORT/api/v1/shipments/$SHIPMENTS" | head -c 200 >/dev/null
    DURATION=5 measure "$engine warm-up" "$token" >/dev/null
    measure "$engine, $SHIPMENTS shipments, fixed $RATE req/s" "$token" "$RATE"
    measure "$engine, $SHIPMENTS shipments, flat out ($CONNECTIONS connections)" "$token"
    stop_server
}

case $ENGINES in
    sqlite | postgres) run "$ENGINES" ;;
    both) run sqlite; run postgres ;;
    *) echo "usage: $0 [sqlite|postgres|both]" >&2; exit 2 ;;
esac
