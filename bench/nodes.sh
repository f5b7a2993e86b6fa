#!/usr/bin/env bash
# One server against two on one PostgreSQL database: bench/nodes.sh
#
# Starts server A on a new PostgreSQL database with the demo province, a shared attachment
# folder (--blob-url file://…) and a shared keys folder, then submits applications with two
# 200 KB documents to A alone (C_SUBMIT connections), then starts server B on the same database
# and folders and submits to A and B at once (C_SUBMIT connections each). Prints both rates, the
# ratio, and checks that every acknowledged submission is stored once; the summary goes to
# bench/results/nodes-<date>/summary.md.
#
# Environment (defaults in brackets): MOTCUA_BIN [target/release/motcua]  PORT [18080] (B: +1)
#   SUBMIT_DURATION [20s]  C_SUBMIT [16]  THREADS [2]
#   PG_ADMIN_URL [postgres://postgres@127.0.0.1:5432/test]  PG_DB [motcua_nodes]  KEEP=1
#
# On one machine the two servers share its cores with PostgreSQL and wrk: the ratio says what a
# second server adds when the first is bound by the database's locks, not by the processor.
set -euo pipefail

ENGINE=postgres
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BIN=${MOTCUA_BIN:-$ROOT/target/release/motcua}
PORT=${PORT:-18080}
PORT_B=$((PORT + 1))
SUBMIT_DURATION=${SUBMIT_DURATION:-20s}
C_SUBMIT=${C_SUBMIT:-16}
THREADS=${THREADS:-2}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}
PG_DB=${PG_DB:-motcua_nodes}
BASE="http://127.0.0.1:$PORT"
BASE_B="http://127.0.0.1:$PORT_B"
OUT=${RESULTS:-$HERE/results}/nodes-$(date -u +%Y%m%d-%H%M%S)
LUA=$HERE/wrk.lua

source "$HERE/lib.sh"
prepare_run motcua-nodes wrk curl jq psql
SHARED=(--blob-url "file://$DATA/blobs" --keys-dir "$DATA/keys")
mkdir -p "$DATA/blobs"
PID_B=
stop_b() {
    if [ -n "$PID_B" ]; then
        kill -INT "$PID_B" 2>/dev/null || true
        wait "$PID_B" 2>/dev/null || true
        PID_B=
    fi
}
trap 'stop_b; cleanup_run' EXIT

stored() { psql -tA "${DBARGS[1]}" -c "SELECT COUNT(*) FROM dossiers"; }
duplicates() { psql -tA "${DBARGS[1]}" -c "SELECT COUNT(*) - COUNT(DISTINCT code) FROM dossiers"; }

# Runs wrk with the submission against $1 (its name $2) in the background, output in OUT/$2.txt.
submit_to() {
    BENCH_PATHS='' BENCH_METHOD=POST BENCH_BODY=$DATA/submit.body BENCH_CONTENT_TYPE=$SUBMIT_CT \
        wrk -t"$THREADS" -c"$C_SUBMIT" -d"$SUBMIT_DURATION" --timeout 10s --latency -s "$LUA" \
        -H "Authorization: Bearer $CITIZEN" "$1/api/v1/dossiers" >"$OUT/$2.txt" 2>&1
}
# A figure of the BENCH line of OUT/$1.txt: $2 = requests, rps, p99_ms, non2xx, …
figure() { grep '^BENCH ' "$OUT/$1.txt" | tail -1 | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }

log "binary $BIN, database $PG_DB, results $OUT"
mkdir -p "$DATA/a" "$DATA/b"
DATA_A=$DATA
DATA=$DATA_A/a start_server --demo --demo-dossiers 0 "${SHARED[@]}"
DATA=$DATA_A
CITIZEN=$(login congdan)
prepare_submission

log "one server: $C_SUBMIT connections, $SUBMIT_DURATION"
BEFORE=$(stored)
submit_to "$BASE" one
ONE_ACKED=$(($(figure one requests) - $(figure one non2xx)))
ONE_STORED=$(($(stored) - BEFORE))
ONE_RPS=$(figure one rps)
log "  $(grep '^BENCH ' "$OUT/one.txt")"

"$BIN" serve --data "$DATA/b" "${DBARGS[@]}" "${SHARED[@]}" --addr "127.0.0.1:$PORT_B" >>"$OUT/server-b.log" 2>&1 &
PID_B=$!
for _ in $(seq 1 600); do
    curl -fsS -m 1 "$BASE_B/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS -m 1 "$BASE_B/healthz" >/dev/null

log "two servers: $C_SUBMIT connections each, $SUBMIT_DURATION"
BEFORE=$(stored)
submit_to "$BASE" two-a &
WRK_A=$!
submit_to "$BASE_B" two-b
wait "$WRK_A"
TWO_ACKED=$(($(figure two-a requests) - $(figure two-a non2xx) + $(figure two-b requests) - $(figure two-b non2xx)))
TWO_STORED=$(($(stored) - BEFORE))
TWO_RPS=$(awk -v a="$(figure two-a rps)" -v b="$(figure two-b rps)" 'BEGIN {printf "%.1f", a + b}')
log "  A: $(grep '^BENCH ' "$OUT/two-a.txt")"
log "  B: $(grep '^BENCH ' "$OUT/two-b.txt")"
RATIO=$(awk -v one="$ONE_RPS" -v two="$TWO_RPS" 'BEGIN {printf "%.2f", two / one}')
DUPLICATES=$(duplicates)

{
    echo "# One server against two on PostgreSQL, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "binary $BIN ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')), $(nproc) cores, load $(load)"
    echo
    echo "| servers | connections | submissions/s | p99 ms (A / B) | acknowledged | stored |"
    echo "|---|---:|---:|---:|---:|---:|"
    echo "| 1 | $C_SUBMIT | $ONE_RPS | $(figure one p99_ms) | $ONE_ACKED | $ONE_STORED |"
    echo "| 2 | $((2 * C_SUBMIT)) | $TWO_RPS | $(figure two-a p99_ms) / $(figure two-b p99_ms) | $TWO_ACKED | $TWO_STORED |"
    echo
    echo "two servers ÷ one: **$RATIO** (target ≥ 1.6); duplicate codes: $DUPLICATES"
} >"$OUT/summary.md"
cat "$OUT/summary.md"
if [ "$ONE_STORED" -lt "$ONE_ACKED" ] || [ "$TWO_STORED" -lt "$TWO_ACKED" ] || [ "$DUPLICATES" != 0 ]; then
    echo "an acknowledged submission is missing, or a code was given twice" >&2
    exit 1
fi
