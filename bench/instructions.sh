#!/usr/bin/env bash
# motcua benchmarks: instructions per request, counted by callgrind.
#
#   MOTCUA_BIN=/path/to/motcua bash bench/instructions.sh
#
# wrk's requests per second move with everything else the machine does (the same binary has
# varied by 40 % between runs here); the instructions a request costs do not. This starts the
# server under `valgrind --tool=callgrind` with collection off, and for each kind of request
# turns collection on, sends N requests over one keep-alive connection with curl, turns it off
# and dumps: every instruction the server ran while they were answered (its runtime's threads,
# SQLite's connection threads, the job worker woken by a submission), divided by N. Compare
# two builds with this before trusting a few per cent either way from bench/run.sh.
#
# Environment (defaults in brackets): MOTCUA_BIN [target/release/motcua]  PORT [18090]
#   DOSSIERS [2000] (seeded, so that the queue and reading have rows to read)
#   N [400] requests per kind (submissions: N / 10)   RESULTS [bench/results]  KEEP=1
#
# Needs valgrind (callgrind_control), curl and jq. Prints one table and writes it, with the
# dumps, to bench/results/instructions-<date>/.
set -euo pipefail

ENGINE=sqlite
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BIN=${MOTCUA_BIN:-$ROOT/target/release/motcua}
PORT=${PORT:-18090}
DOSSIERS=${DOSSIERS:-2000}
N=${N:-400}
BASE="http://127.0.0.1:$PORT"
OUT=${RESULTS:-$HERE/results}/instructions-$(date -u +%Y%m%d-%H%M%S)

source "$HERE/lib.sh"
prepare_run motcua-instr valgrind callgrind_control curl jq

log "binary $BIN, data $DATA, results $OUT"
start_server --demo
stop_server
"$BIN" seed --dossiers "$DOSSIERS" --data "$DATA" >"$OUT/seed.log" 2>&1

# The server under callgrind, counting nothing until told.
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT/callgrind.out" \
    "$BIN" serve --data "$DATA" --addr "127.0.0.1:$PORT" >>"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 1200); do
    curl -fsS -m 2 "$BASE/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || {
        echo "the server died; see $OUT/server.log" >&2
        exit 1
    }
    sleep 0.5
done

CITIZEN=$(login congdan)
RECEPTION=$(login tiepnhan)
SPECIALIST=$(login chuyenvien)
QUEUE=$(curl -fsS "$BASE/api/v1/dossiers?per_page=1" -H "Authorization: Bearer $SPECIALIST" | jq -er .total)
READ_CODE=$(curl -fsS "$BASE/api/v1/dossiers?scope=agency&per_page=1" -H "Authorization: Bearer $RECEPTION" | jq -er '.items[0].code')

# The submission body of bench/run.sh: procedure 2.001680 with two 200 KB PDFs.
BOUNDARY=motcuainstr$RANDOM$RANDOM
submission_body "$BOUNDARY" >"$DATA/submit.body"

# $1 = name, $2 = count, $3 = path, then curl options. The requests go over one connection,
# after a tenth as many uncounted ones to warm the caches and the connection pool.
ROWS=()
count() {
    local name=$1 n=$2 path=$3
    shift 3
    local urls=$OUT/$name.urls
    : >"$urls"
    for _ in $(seq 1 "$n"); do printf 'url = "%s%s"\noutput = /dev/null\n' "$BASE" "$path" >>"$urls"; done
    head -n $((2 * (n / 10 + 1))) "$urls" >"$urls.warm"
    curl -sS -f -K "$urls.warm" "$@" >/dev/null
    callgrind_control -z "$SERVER_PID" >/dev/null
    callgrind_control -i on "$SERVER_PID" >/dev/null
    curl -sS -f -K "$urls" "$@" >/dev/null
    callgrind_control -i off "$SERVER_PID" >/dev/null
    callgrind_control -d "$name" "$SERVER_PID" >/dev/null
    local dump total
    dump=$(ls -t "$OUT"/callgrind.out.* | head -1)
    mv "$dump" "$OUT/$name.callgrind"
    total=$(awk '/^totals:/ {print $2; exit}' "$OUT/$name.callgrind")
    # Under valgrind the CPU's SHA extensions are hidden, so SHA-256 runs in software and costs
    # ten times what it does on the machine: shown apart, the rest is what compares.
    local sha
    sha=$(callgrind_annotate --inclusive=yes "$OUT/$name.callgrind" 2>/dev/null |
        awk '/sha2::sha256::soft::compress/ {gsub(",", "", $1); print $1; exit}')
    sha=${sha:-0}
    ROWS+=("| $name | $n | $total | $((total / n)) | $((sha / n)) | $(((total - sha) / n)) |")
    log "$name: $((total / n)) instructions per request"
}

count search "$N" "/api/v1/procedures?q=dang%20ky%20ket%20hon"
count read-dossier "$N" "/api/v1/dossiers/$READ_CODE" -H "Authorization: Bearer $RECEPTION"
count queue-chuyenvien "$((N / 4))" "/api/v1/dossiers?per_page=50" -H "Authorization: Bearer $SPECIALIST"
count submit "$((N / 10))" "/api/v1/dossiers" -H "Authorization: Bearer $CITIZEN" \
    -H "Content-Type: multipart/form-data; boundary=$BOUNDARY" --data-binary "@$DATA/submit.body"

{
    echo "# instructions per request, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "binary: $BIN; $DOSSIERS seeded dossiers (chuyenvien's queue: $QUEUE); SQLite"
    echo
    echo "| request | count | instructions | per request | of which software SHA-256 | the rest |"
    echo "|---|---:|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
} | tee "$OUT/summary.md"
