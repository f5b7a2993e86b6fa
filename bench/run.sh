#!/usr/bin/env bash
# motcua benchmarks: bench/run.sh [sqlite|postgres]
#
# Builds nothing: uses target/release/motcua (or $MOTCUA_BIN). Starts a server on loopback with
# a temporary data folder, loads the demo province, seeds $DOSSIERS synthetic dossiers, signs in
# with curl, then runs wrk against: catalog search, reading one dossier, the officer queue page
# of 50 (tiepnhan, chuyenvien) and dossier submission with two 200 KB documents. Records idle
# and peak memory, checks that every acknowledged submission is stored (also after kill -9),
# and writes everything to bench/results/<engine>-<date>/ (summary.md + raw wrk output).
#
# Environment (defaults in brackets):
#   MOTCUA_BIN [target/release/motcua]   PORT [18080]        DOSSIERS [100000]
#   DURATION [15s] (each run)            SUBMIT_DURATION [20s]
#   C_SEARCH [64]  C_READ [64]  C_QUEUE [16]  C_SUBMIT [16]   THREADS [2] (wrk threads)
#   PG_ADMIN_URL [postgres://postgres@127.0.0.1:5432/test]    PG_DB [motcua_bench]
#   RESULTS [bench/results]              KEEP=1 keeps the data folder (and the PG database)
#
# Needs: wrk, curl, jq (and psql for postgres). Every request goes to 127.0.0.1 only, and every
# load run is bounded by its duration.
set -euo pipefail

ENGINE=${1:-sqlite}
case "$ENGINE" in sqlite | postgres) ;; *)
    echo "usage: $0 [sqlite|postgres]" >&2
    exit 2
    ;;
esac

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BIN=${MOTCUA_BIN:-$ROOT/target/release/motcua}
PORT=${PORT:-18080}
DOSSIERS=${DOSSIERS:-100000}
DURATION=${DURATION:-15s}
SUBMIT_DURATION=${SUBMIT_DURATION:-20s}
C_SEARCH=${C_SEARCH:-64}
C_READ=${C_READ:-64}
C_QUEUE=${C_QUEUE:-16}
C_SUBMIT=${C_SUBMIT:-16}
THREADS=${THREADS:-2}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}
PG_DB=${PG_DB:-motcua_bench}
BASE="http://127.0.0.1:$PORT"
STAMP=$(date -u +%Y%m%d-%H%M%S)
OUT=${RESULTS:-$HERE/results}/$ENGINE-$STAMP
LUA=$HERE/wrk.lua

# Shared helpers: log, memory and CPU of the server, start/stop, sign-in, the run's set-up.
source "$(dirname "$0")/lib.sh"
prepare_run motcua-bench wrk curl jq

# Runs wrk; $1 = name, $2 = connections, $3 = duration, then wrk arguments. Appends a row to
# the summary.
ROWS=()
bench() {
    local name=$1 conns=$2 dur=$3
    shift 3
    log "$name: $conns connections, $dur"
    wrk_run "$name" "$conns" "$dur" "$@"
    ROWS+=("$WRK_ROW | $(mib VmRSS) |")
    LAST_REQUESTS=${WRK[requests]}
    LAST_NON2XX=${WRK[non2xx]}
}

total() { # $1 = token, $2 = query string; lists count up to 10,000 ("more than 10000")
    curl -fsS -m 30 "$BASE/api/v1/dossiers?$2" -H "Authorization: Bearer $1" |
        jq -er 'if .total_capped then "more than \(.total)" else .total end'
}

# Every dossier in the database, counted exactly (the API's lists stop counting at 10,000).
stored() {
    if [ "$ENGINE" = postgres ]; then
        psql -tA "${DBARGS[1]}" -c "SELECT COUNT(*) FROM dossiers"
    else
        python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM dossiers").fetchone()[0])' "$DATA/motcua.db"
    fi
}

log "engine $ENGINE, binary $BIN, data $DATA, results $OUT"
{
    echo "# motcua benchmark, $ENGINE, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
    echo "- binary: $BIN ($(stat -c %y "$BIN" | cut -d. -f1)); work tree at run time: git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' + uncommitted changes')"
    echo "- wrk $THREADS threads on the same 2 cores as the server; data folder $DATA ($(df -T "$DATA" | awk 'NR==2 {print $2}'))"
    echo "- load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine disturbs the figures)"
} >"$OUT/summary.md"

# 1. The demo province.
log "loading the demo province"
start_server --demo
stop_server

# 2. Synthetic dossiers.
log "seeding $DOSSIERS dossiers"
t0=$(date +%s.%N)
"$BIN" seed --dossiers "$DOSSIERS" --data "$DATA" "${DBARGS[@]}" >"$OUT/seed.log" 2>&1
t1=$(date +%s.%N)
SEED_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
log "seeded in $SEED_S s"

# 3. The server, idle.
start_server
sleep 2
IDLE_RSS=$(mib VmRSS)
log "idle RSS $IDLE_RSS MiB"

CITIZEN=$(login congdan)
RECEPTION=$(login tiepnhan)
SPECIALIST=$(login chuyenvien)
ALL=$(total "$RECEPTION" "scope=agency&per_page=1")
Q_RECEPTION=$(total "$RECEPTION" "per_page=1")
Q_SPECIALIST=$(total "$SPECIALIST" "per_page=1")
log "dossiers: $ALL; tiepnhan's queue: $Q_RECEPTION; chuyenvien's queue: $Q_SPECIALIST"

# Search queries, with and without diacritics.
: >"$OUT/search.paths"
for q in "khai sinh" "đăng ký kết hôn" "dang ky ket hon" "giấy phép xây dựng" "giay phep xay dung" \
    "lý lịch tư pháp" "ly lich tu phap" "hộ kinh doanh" "ho kinh doanh" "công chứng" "cong chung" \
    "thanh lap doanh nghiep" "trợ cấp" "lai xe" "an toan thuc pham" "chứng thực bản sao"; do
    echo "/api/v1/procedures?q=$(jq -rn --arg q "$q" '$q|@uri')" >>"$OUT/search.paths"
done
# Fifty dossiers of every status, newest first, to read.
curl -fsS "$BASE/api/v1/dossiers?scope=agency&per_page=50" -H "Authorization: Bearer $RECEPTION" |
    jq -r '.items[].code | "/api/v1/dossiers/" + .' >"$OUT/read.paths"
echo "/api/v1/dossiers?per_page=50" >"$OUT/queue.paths"

# The submission body (procedure 2.001680 with two 200 KB PDFs), accepted once by curl first.
prepare_submission

# 4. The runs. Submission comes last so that it does not change what the others read.
export BENCH_METHOD=GET BENCH_BODY='' BENCH_CONTENT_TYPE=''
BENCH_PATHS=$OUT/search.paths wrk -t1 -c8 -d3s -s "$LUA" "$BASE/" >/dev/null 2>&1 # warm-up
BENCH_PATHS=$OUT/search.paths bench search "$C_SEARCH" "$DURATION" "$BASE/"
BENCH_PATHS=$OUT/search.paths bench search-c8 8 "$DURATION" "$BASE/"
BENCH_PATHS=$OUT/read.paths bench read-dossier "$C_READ" "$DURATION" -H "Authorization: Bearer $RECEPTION" "$BASE/"
BENCH_PATHS=$OUT/queue.paths bench queue-tiepnhan "$C_QUEUE" "$DURATION" -H "Authorization: Bearer $RECEPTION" "$BASE/"
BENCH_PATHS=$OUT/queue.paths bench queue-chuyenvien "$C_QUEUE" "$DURATION" -H "Authorization: Bearer $SPECIALIST" "$BASE/"
BENCH_PATHS=$OUT/queue.paths bench queue-tiepnhan-c1 1 "$DURATION" -H "Authorization: Bearer $RECEPTION" "$BASE/"
BENCH_PATHS=$OUT/queue.paths bench queue-chuyenvien-c1 1 "$DURATION" -H "Authorization: Bearer $SPECIALIST" "$BASE/"

BEFORE=$(stored)
FILES_BEFORE=$(find "$DATA/attachments" -type f | wc -l)
BENCH_PATHS='' BENCH_METHOD=POST BENCH_BODY=$DATA/submit.body BENCH_CONTENT_TYPE=$SUBMIT_CT \
    bench submit-2x200KB "$C_SUBMIT" "$SUBMIT_DURATION" -H "Authorization: Bearer $CITIZEN" "$BASE/api/v1/dossiers"
ACKED=$((LAST_REQUESTS - LAST_NON2XX))
sleep 1
AFTER=$(stored)
STORED=$((AFTER - BEFORE))
PEAK_RSS=$(mib VmHWM)
sleep 3
IDLE_AFTER=$(mib VmRSS)

# 5. Durability: kill -9, restart, count again (a process crash; the fsyncs cover power loss).
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=
start_server
AFTER_CRASH=$(($(stored) - BEFORE))
FILES=$(($(find "$DATA/attachments" -type f | wc -l) - FILES_BEFORE))
stop_server
log "submissions: $ACKED acknowledged (201), $STORED stored, $AFTER_CRASH after kill -9, $FILES files"

{
    echo "- dossiers in the database: $ALL (seeded $DOSSIERS in $SEED_S s, see seed.log); queue of tiepnhan: $Q_RECEPTION, of chuyenvien: $Q_SPECIALIST"
    echo
    echo "| run | conns | requests | req/s | p50 ms | p99 ms | max ms | non-2xx | socket errors | server CPU ms/req | RSS after, MiB |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "- load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- memory: idle right after start $IDLE_RSS MiB; peak (VmHWM) $PEAK_RSS MiB; idle after the runs $IDLE_AFTER MiB"
    echo "- submissions: $ACKED acknowledged with 201; $STORED new dossiers stored; $AFTER_CRASH still there after kill -9 and restart; $FILES new attachment files for $((2 * STORED)) documents ($((FILES - 2 * STORED)) orphans: uploads of requests cut off when wrk stopped)"
    if [ "$ACKED" -le "$STORED" ] && [ "$STORED" -le "$((ACKED + C_SUBMIT))" ] && [ "$AFTER_CRASH" = "$STORED" ] && [ "$FILES" -ge $((2 * STORED)) ]; then
        echo "- durability check: OK (stored - acknowledged = $((STORED - ACKED)), requests still in flight when wrk stopped)"
    else
        echo "- durability check: FAILED"
    fi
} >>"$OUT/summary.md"
cat "$OUT/summary.md"
# Against the last recorded figures (bench/baseline-<engine>.tsv): a fall of a third fails the run.
if [ "${NO_CHECK:-0}" != 1 ]; then
    bash "$HERE/check.sh" "$OUT/summary.md" "$ENGINE" | tee -a "$OUT/summary.md"
fi
