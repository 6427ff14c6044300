#!/usr/bin/env bash
# Whole-process comparison of `posylka id` / `posylka scan` against the npm
# package ts-tracking-number (the peer). See bench/README.md.
#
# Usage: bench/compare.sh [options]
#   --count N          inputs for the id test (default 100000)
#   --runs N           timed runs per id command (default 5)
#   --scan-mb N        MiB of e-mail text for `posylka scan` (default 64)
#   --slice-mb N       MiB both tools scan for the same-input ratio (default 8;
#                      the peer is ~0.4 MB/s, so more only costs time)
#   --scan-runs N      timed runs per scan command (default 3)
#   --big              also scan 1 GiB with posylka (memory flatness; ~1 GiB disk,
#                      removed afterwards)
#   --skip-build       do not run cargo build
#   --profile NAME     cargo profile to build and measure (default dist: what a
#                      packaged binary is built with; release builds faster)
#   --peer-only        measure the peer only
#   --install-peer     install the peer and exit
# Environment: POSYLKA_BIN overrides the binary (default target/PROFILE/posylka);
# BENCH_NO_HYPERFINE=1 forces the /usr/bin/time fallback.
# Markdown goes to stdout and bench/out/report.md; progress goes to stderr.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
OUT="$BENCH_DIR/out"
INPUTS="$OUT/inputs"
PEER_DIR="$BENCH_DIR/.peer"
PEER_PKG=ts-tracking-number

COUNT=100000
RUNS=5
SCAN_MB=64
SLICE_MB=8
SCAN_RUNS=3
BIG=0
PROFILE=dist
BUILD=1
OURS=1
INSTALL_ONLY=0

die() { printf 'compare.sh: %s\n' "$*" >&2; exit 1; }
log() { printf '>> %s\n' "$*" >&2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --count) COUNT=${2:?}; shift 2 ;;
    --runs) RUNS=${2:?}; shift 2 ;;
    --scan-mb) SCAN_MB=${2:?}; shift 2 ;;
    --slice-mb) SLICE_MB=${2:?}; shift 2 ;;
    --scan-runs) SCAN_RUNS=${2:?}; shift 2 ;;
    --big) BIG=1; shift ;;
    --skip-build) BUILD=0; shift ;;
    --profile) PROFILE=${2:?}; shift 2 ;;
    --peer-only) OURS=0; BUILD=0; shift ;;
    --install-peer) INSTALL_ONLY=1; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done

BIN="${POSYLKA_BIN:-$ROOT/target/$PROFILE/posylka}"

command -v python3 >/dev/null || die "python3 is required"
command -v node >/dev/null || die "node is required"
command -v npm >/dev/null || die "npm is required"
[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is required for peak RSS"

mkdir -p "$OUT" "$INPUTS"

# --- (b) the peer, pinned by bench/peer/package.json + package-lock.json ----------
peer_version() {
  node -e 'try { process.stdout.write(require(process.argv[1]).version) } catch (e) {}' \
    "$PEER_DIR/node_modules/$PEER_PKG/package.json"
}
pinned=$(node -e 'process.stdout.write(require(process.argv[1]).dependencies[process.argv[2]])' \
  "$BENCH_DIR/peer/package.json" "$PEER_PKG")
if [ "$(peer_version)" != "$pinned" ]; then
  log "installing $PEER_PKG@$pinned into $PEER_DIR"
  mkdir -p "$PEER_DIR"
  cp "$BENCH_DIR/peer/package.json" "$BENCH_DIR/peer/package-lock.json" "$PEER_DIR/"
  (cd "$PEER_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
  [ "$(peer_version)" = "$pinned" ] || die "peer install failed"
fi
[ "$INSTALL_ONLY" -eq 1 ] && { log "peer $PEER_PKG@$pinned ready"; exit 0; }

# hyperfine when present (installed via apt when running as root), else /usr/bin/time.
if [ -z "${BENCH_NO_HYPERFINE:-}" ] && ! command -v hyperfine >/dev/null && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  log "installing hyperfine"
  apt-get install -y hyperfine >/dev/null 2>&1 \
    || { apt-get update >/dev/null 2>&1 && apt-get install -y hyperfine >/dev/null 2>&1; } \
    || log "hyperfine install failed; falling back to /usr/bin/time"
fi
HAVE_HYPERFINE=0
command -v hyperfine >/dev/null && [ -z "${BENCH_NO_HYPERFINE:-}" ] && HAVE_HYPERFINE=1

# --- (a) our binary ----------------------------------------------------------------
OURS_NOTE=""
BUILD_NOTE=""
if [ "$BUILD" -eq 1 ]; then
  log "cargo build --profile $PROFILE -p posylka"
  if ! (cd "$ROOT" && cargo build --profile "$PROFILE" -p posylka >&2); then
    # The tree is shared and may be mid-edit: fall back to the last good binary.
    BUILD_NOTE="cargo build failed; measured the existing binary"
    log "$BUILD_NOTE"
  fi
fi
if [ "$OURS" -eq 1 ] && [ -z "$OURS_NOTE" ]; then
  if [ ! -x "$BIN" ]; then
    OURS_NOTE="$BIN does not exist"
  elif ! probe=$(printf 'RB123456785GB\n' | "$BIN" id --json 2>/dev/null) \
      || [ "$(printf '%s\n' "$probe" | grep -c '"RB123456785GB"')" -lt 1 ]; then
    OURS_NOTE="\`posylka id --json\` does not work yet"
  fi
fi
[ -n "$OURS_NOTE" ] && [ -n "$BUILD_NOTE" ] && OURS_NOTE="cargo build failed and $OURS_NOTE"
[ "$OURS" -eq 1 ] && [ -n "$OURS_NOTE" ] && { log "posylka skipped: $OURS_NOTE"; OURS=0; }
[ "$OURS" -eq 0 ] && [ -z "$OURS_NOTE" ] && OURS_NOTE="skipped (--peer-only)"

# --- (c) inputs (deterministic; regenerated only when missing) ---------------------
IDS="$INPUTS/ids-$COUNT.txt"
LABELS="$INPUTS/ids-$COUNT.labels"
if [ ! -s "$IDS" ] || [ ! -s "$LABELS" ] || [ "$BENCH_DIR/gen_inputs.py" -nt "$IDS" ]; then
  log "generating $COUNT id inputs"
  python3 "$BENCH_DIR/gen_inputs.py" ids --count "$COUNT" --out "$IDS" --labels "$LABELS"
fi
gen_text() { # MiB path; same seed, so a smaller file is a prefix of a larger one
  if [ ! -s "$2" ] || [ "$BENCH_DIR/gen_inputs.py" -nt "$2" ]; then
    log "generating $1 MiB of e-mail-like text"
    python3 "$BENCH_DIR/gen_inputs.py" text --mb "$1" --out "$2"
  fi
}
TEXT="$INPUTS/text-${SCAN_MB}m.txt"
SLICE="$INPUTS/text-${SLICE_MB}m.txt"
[ "$OURS" -eq 1 ] && gen_text "$SCAN_MB" "$TEXT"
gen_text "$SLICE_MB" "$SLICE"

# --- measurement helpers -------------------------------------------------------------
RESULTS="$OUT/results.tsv"
: >"$RESULTS"

# measure SECTION TOOL DESC WORK UNIT RUNS INPUT CMD...
# Times CMD (stdin from INPUT, stdout to /dev/null) RUNS times after one warm-up,
# then once more under /usr/bin/time -v for peak RSS; appends a row to RESULTS.
measure() {
  local section=$1 tool=$2 desc=$3 work=$4 unit=$5 runs=$6 input=$7
  shift 7
  local cmd stats rss tag
  tag=$(printf '%s-%s' "$section" "$tool" | tr -c 'A-Za-z0-9-' '_')
  cmd=$(printf '%q ' "$@")
  cmd="$cmd< $(printf '%q' "$input") > /dev/null"
  log "$section / $tool: $cmd"
  if [ "$HAVE_HYPERFINE" -eq 1 ]; then
    hyperfine --style basic --warmup 1 --runs "$runs" --export-json "$OUT/$tag.json" \
      --command-name "$tool" "$cmd" >&2
    stats=$(python3 "$BENCH_DIR/report.py" timing "$OUT/$tag.json")
  else
    local samples=() i
    "$@" <"$input" >/dev/null
    for ((i = 0; i < runs; i++)); do
      /usr/bin/time -f '%e' -o "$OUT/$tag.time" "$@" <"$input" >/dev/null
      samples+=("$(tail -n 1 "$OUT/$tag.time")")
    done
    stats=$(python3 "$BENCH_DIR/report.py" times "${samples[@]}")
  fi
  /usr/bin/time -v -o "$OUT/$tag.rss" "$@" <"$input" >/dev/null
  rss=$(python3 "$BENCH_DIR/report.py" rss "$OUT/$tag.rss")
  # shellcheck disable=SC2086 # stats is four space-separated numbers
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$section" "$tool" "$desc" "$work" "$unit" \
    $stats "$rss" >>"$RESULTS"
}

# measure_once SECTION TOOL DESC WORK UNIT INPUT CMD...
# One run under /usr/bin/time: wall time and peak RSS from the same pass
# (for inputs too big to repeat).
measure_once() {
  local section=$1 tool=$2 desc=$3 work=$4 unit=$5 input=$6
  shift 6
  local tag wall rss
  tag=$(printf '%s-%s' "$section" "$tool" | tr -c 'A-Za-z0-9-' '_')
  log "$section / $tool: $* < $input (one run)"
  /usr/bin/time -f '%e %M' -o "$OUT/$tag.time" "$@" <"$input" >/dev/null
  read -r wall rss <"$OUT/$tag.time"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t0\t%s\t1\t%s\n' "$section" "$tool" "$desc" "$work" "$unit" \
    "$wall" "$wall" "$rss" >>"$RESULTS"
}

bytes_of() { wc -c <"$1" | tr -d ' '; }

# --- (d) identification ----------------------------------------------------------------
ID_SECTION="id: $COUNT mixed inputs, one JSON line out per input"
if [ "$OURS" -eq 1 ]; then
  measure "$ID_SECTION" posylka "ids-$COUNT.txt" "$COUNT" "numbers/s" "$RUNS" "$IDS" \
    "$BIN" id --json
fi
measure "$ID_SECTION" peer "ids-$COUNT.txt" "$COUNT" "numbers/s" "$RUNS" "$IDS" \
  node "$BENCH_DIR/peer/id.js"

# Outputs once more, kept for the per-category score.
node "$BENCH_DIR/peer/id.js" <"$IDS" >"$OUT/peer-id.jsonl"
OURS_ID_JSONL=-
if [ "$OURS" -eq 1 ]; then
  "$BIN" id --json <"$IDS" >"$OUT/posylka-id.jsonl"
  OURS_ID_JSONL="$OUT/posylka-id.jsonl"
fi

# --- (e) scanning --------------------------------------------------------------------------
SLICE_BYTES=$(bytes_of "$SLICE")
SCAN_SECTION="scan: same ${SLICE_MB} MiB of e-mail-like text, both tools"
if [ "$OURS" -eq 1 ]; then
  measure "$SCAN_SECTION" posylka "text-${SLICE_MB}m.txt" "$SLICE_BYTES" "B/s" "$SCAN_RUNS" "$SLICE" \
    "$BIN" scan --json
fi
measure "$SCAN_SECTION" peer "text-${SLICE_MB}m.txt" "$SLICE_BYTES" "B/s" "$SCAN_RUNS" "$SLICE" \
  node "$BENCH_DIR/peer/scan.js"
node "$BENCH_DIR/peer/scan.js" <"$SLICE" >"$OUT/peer-scan.jsonl"
PEER_HITS=$(python3 "$BENCH_DIR/report.py" hits "$OUT/peer-scan.jsonl")
OURS_HITS=n/a
if [ "$OURS" -eq 1 ]; then
  "$BIN" scan --json <"$SLICE" >"$OUT/posylka-scan.jsonl"
  OURS_HITS=$(python3 "$BENCH_DIR/report.py" hits "$OUT/posylka-scan.jsonl")
  TEXT_BYTES=$(bytes_of "$TEXT")
  measure "scan: posylka alone on ${SCAN_MB} MiB" posylka "text-${SCAN_MB}m.txt" "$TEXT_BYTES" "B/s" \
    "$SCAN_RUNS" "$TEXT" "$BIN" scan --json
fi

# --- (f) 1 GiB memory-flatness run -------------------------------------------------------
if [ "$BIG" -eq 1 ] && [ "$OURS" -eq 1 ]; then
  BIGFILE="$INPUTS/text-1g.txt"
  log "building 1 GiB input from repeated ${SCAN_MB} MiB text"
  : >"$BIGFILE"
  while [ "$(bytes_of "$BIGFILE")" -lt 1073741824 ]; do cat "$TEXT" >>"$BIGFILE"; done
  measure_once "scan: posylka on ~1 GiB (memory flatness)" posylka "text-1g.txt" \
    "$(bytes_of "$BIGFILE")" "B/s" "$BIGFILE" "$BIN" scan --json
  rm -f "$BIGFILE"
fi

# --- report ----------------------------------------------------------------------------------
REPORT="$OUT/report.md"
{
  printf '## posylka vs %s %s — %s\n\n' "$PEER_PKG" "$pinned" "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf 'Machine: %s, %s CPUs, load average at end: %s. Node %s. Timing: %s.\n' \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" "$(nproc)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" "$(node --version)" \
    "$([ "$HAVE_HYPERFINE" -eq 1 ] && hyperfine --version || echo '/usr/bin/time')"
  printf 'Shared, noisy machine: compare only ratios measured in the same run.\n'
  [ "$OURS" -eq 0 ] && printf '\n**posylka not measured: %s.**\n' "$OURS_NOTE"
  [ "$OURS" -eq 1 ] && printf 'posylka: %s (%s), built %s%s.\n' "$("$BIN" --version 2>/dev/null || echo "$BIN")" \
    "${BIN#"$ROOT"/}" "$(date -u -r "$BIN" '+%Y-%m-%d %H:%M UTC')" "${BUILD_NOTE:+ ($BUILD_NOTE)}"
  printf '\n'
  python3 "$BENCH_DIR/report.py" table "$RESULTS"
  printf 'Scan hits on the %s MiB slice: posylka %s, peer %s (the peer is called once per message, see README).\n\n' \
    "$SLICE_MB" "$OURS_HITS" "$PEER_HITS"
  printf '### id: answers per input category\n\n'
  python3 "$BENCH_DIR/report.py" score "$LABELS" "$IDS" "$OURS_ID_JSONL" "$OUT/peer-id.jsonl"
} | tee "$REPORT"
cp "$REPORT" "$OUT/report-$(date -u '+%Y%m%dT%H%M%SZ').md"
log "report written to $REPORT"
