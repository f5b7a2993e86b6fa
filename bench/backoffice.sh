#!/usr/bin/env bash
# motcua back-office benchmarks: bench/backoffice.sh [sqlite|postgres]
#
# Builds nothing: uses target/release/motcua (or $MOTCUA_BIN) and the release examples next to
# it (target/release/examples/overdue_scan and receipts_per_second, or $EXAMPLES). Loads the
# demo province on a fresh database, seeds $DOSSIERS open dossiers (`motcua seed --open-only`:
# all received or processing, about a third overdue), then measures:
#   - the daily overdue scan over every open dossier, and its count per unit (the overdue_scan
#     example: through sqlx like the application, best and median of $SCAN_RUNS);
#   - the "overdue in my unit" queue page of 50 (GET /api/v1/dossiers?scope=agency&deadline=overdue
#     &per_page=50) for two unit leaders, with wrk at 1 and $C_QUEUE connections;
#   - PDF receipts: the render example on one core, and GET /ho-so/{code}/bieu-mau/tiep-nhan
#     (a page route, signed in with a session cookie through the /dang-nhap form) with wrk at 1
#     and $C_PDF connections.
# Records the load average around every run and writes everything to
# bench/results/backoffice-<engine>-<date>/ (summary.md and the raw outputs).
#
# Environment (defaults in brackets):
#   MOTCUA_BIN [target/release/motcua]   EXAMPLES [directory of MOTCUA_BIN/examples]
#   PORT [18080]  DOSSIERS [1000000]  DURATION [15s]  C_QUEUE [16]  C_PDF [4]  THREADS [2]
#   SCAN_RUNS [5]  RECEIPTS [2000]
#   PG_ADMIN_URL [postgres://postgres@127.0.0.1:5432/test]    PG_DB [motcua_backoffice]
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
EXAMPLES=${EXAMPLES:-$(dirname "$BIN")/examples}
PORT=${PORT:-18080}
DOSSIERS=${DOSSIERS:-1000000}
DURATION=${DURATION:-15s}
C_QUEUE=${C_QUEUE:-16}
C_PDF=${C_PDF:-4}
THREADS=${THREADS:-2}
SCAN_RUNS=${SCAN_RUNS:-5}
RECEIPTS=${RECEIPTS:-2000}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}
PG_DB=${PG_DB:-motcua_backoffice}
BASE="http://127.0.0.1:$PORT"
STAMP=$(date -u +%Y%m%d-%H%M%S)
OUT=${RESULTS:-$HERE/results}/backoffice-$ENGINE-$STAMP
LUA=$HERE/wrk.lua

for tool in wrk curl jq; do
    command -v "$tool" >/dev/null || {
        echo "missing tool: $tool (apt-get install -y $tool)" >&2
        exit 1
    }
done
[ -x "$BIN" ] || {
    echo "no binary at $BIN: run 'cargo build --release -p motcua' first" >&2
    exit 1
}
for ex in overdue_scan receipts_per_second; do
    [ -x "$EXAMPLES/$ex" ] || {
        echo "no $EXAMPLES/$ex: run 'cargo build --release -p motcua-store --example overdue_scan' and" \
            "'cargo build --release -p motcua-render --example receipts_per_second' first (or set EXAMPLES)" >&2
        exit 1
    }
done
if curl -fsS -m 1 "$BASE/healthz" >/dev/null 2>&1; then
    echo "something already answers on port $PORT: set PORT" >&2
    exit 1
fi

mkdir -p "$OUT"
DATA=$(mktemp -d /tmp/motcua-backoffice.XXXXXX)
DBARGS=()
DB_URL="sqlite://$DATA/motcua.db?mode=rw"
if [ "$ENGINE" = postgres ]; then
    command -v psql >/dev/null || {
        echo "missing tool: psql" >&2
        exit 1
    }
    psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DB" -c "CREATE DATABASE $PG_DB"
    DB_URL="${PG_ADMIN_URL%/*}/$PG_DB"
    DBARGS=(--database-url "$DB_URL")
fi
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -INT "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "${KEEP:-0}" != 1 ]; then
        rm -rf "$DATA"
        if [ "$ENGINE" = postgres ]; then
            psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DB" || true
        fi
    else
        echo "kept data folder $DATA${DBARGS[*]:+ and database $PG_DB}"
    fi
}
trap cleanup EXIT

# Shared helpers: log, memory and CPU of the server, start/stop, sign-in.
source "$(dirname "$0")/lib.sh"

# Signs in through the page form (CSRF token from the form, cookie jar); prints a Cookie header.
page_login() {
    local jar=$OUT/cookies-$1.txt csrf
    rm -f "$jar"
    csrf=$(curl -fsS -m 30 -c "$jar" -b "$jar" "$BASE/dang-nhap" |
        sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
    [ -n "$csrf" ] || {
        echo "no CSRF token on /dang-nhap" >&2
        exit 1
    }
    curl -sS -m 30 -o /dev/null -c "$jar" -b "$jar" "$BASE/dang-nhap" \
        --data-urlencode "_csrf=$csrf" --data-urlencode "username=$1" --data-urlencode "password=demo"
    # Every cookie of the jar (session and CSRF), as one header.
    awk -F'\t' 'NF >= 7 && $1 !~ /^# / {printf "%s%s=%s", (n++ ? "; " : ""), $6, $7} END {print ""}' "$jar" |
        sed 's/^#HttpOnly_//'
}

# Runs wrk; $1 = name, $2 = connections, $3 = duration, then wrk arguments. Appends a row to
# the summary.
ROWS=()
bench() {
    local name=$1 conns=$2 dur=$3
    shift 3
    local before after line load_before
    before=$(cpu_ticks)
    load_before=$(load)
    log "$name: $conns connections, $dur (load $load_before)"
    wrk -t"$((conns < THREADS ? conns : THREADS))" -c"$conns" -d"$dur" --timeout 10s --latency -s "$LUA" "$@" \
        >"$OUT/$name.txt" 2>&1 || true
    after=$(cpu_ticks)
    line=$(grep '^BENCH ' "$OUT/$name.txt" | tail -1 || true)
    [ -n "$line" ] || {
        echo "wrk gave no result for $name:" >&2
        cat "$OUT/$name.txt" >&2
        exit 1
    }
    local -A v
    for kv in ${line#BENCH }; do v[${kv%%=*}]=${kv#*=}; done
    local cpu_ms
    cpu_ms=$(awk -v t=$((after - before)) -v n="${v[requests]}" -v hz="$(getconf CLK_TCK)" \
        'BEGIN {printf "%.2f", n ? t * 1000 / hz / n : 0}')
    ROWS+=("| $name | $conns | ${v[requests]} | ${v[rps]} | ${v[p50_ms]} | ${v[p99_ms]} | ${v[max_ms]} | ${v[non2xx]} | ${v[errors]} | $cpu_ms | $load_before → $(load) |")
    log "  $line"
}

total() { # $1 = token, $2 = query string
    curl -fsS -m 60 "$BASE/api/v1/dossiers?$2" -H "Authorization: Bearer $1" | jq -er .total
}

# The demo account leading an agency: lanhdao for Sở Tư pháp, ld<NN>h38 for the others.
leader_of() {
    case "$1" in
    000.00.12.H38) echo lanhdao ;;
    *) echo "ld$(echo "$1" | cut -d. -f3)$(echo "$1" | cut -d. -f4 | tr '[:upper:]' '[:lower:]')" ;;
    esac
}

log "engine $ENGINE, binary $BIN, data $DATA, results $OUT"
{
    echo "# motcua back-office benchmark, $ENGINE, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
    echo "- binary: $BIN ($(stat -c %y "$BIN" | cut -d. -f1)); work tree at run time: git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' + uncommitted changes')"
    echo "- wrk $THREADS threads on the same cores as the server; data folder $DATA ($(df -T "$DATA" | awk 'NR==2 {print $2}'))"
    echo "- load average before the run: $(load) (other work on the machine disturbs the figures)"
} >"$OUT/summary.md"

# 1. The demo province.
log "loading the demo province"
start_server --demo
stop_server

# 2. Open dossiers only.
log "seeding $DOSSIERS open dossiers (load $(load))"
t0=$(date +%s.%N)
"$BIN" seed --dossiers "$DOSSIERS" --open-only --data "$DATA" "${DBARGS[@]}" >"$OUT/seed.log" 2>&1
t1=$(date +%s.%N)
SEED_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
log "seeded in $SEED_S s"

# 3. The overdue scan, through sqlx.
log "overdue scan, $SCAN_RUNS runs per query (load $(load))"
SCAN_LOAD_BEFORE=$(load)
"$EXAMPLES/overdue_scan" "$DB_URL" "$SCAN_RUNS" >"$OUT/scan.txt" 2>&1
SCAN_LOAD_AFTER=$(load)
cat "$OUT/scan.txt" >&2
# The unit with most overdue dossiers, and Sở Tư pháp (lanhdao).
TOP_AGENCY=$(awk '/^per unit:/ {p = 1; next} p && /^  [0-9]/ {print $1; exit}' "$OUT/scan.txt")
UNITS=(lanhdao)
[ "$(leader_of "$TOP_AGENCY")" = lanhdao ] || UNITS=("$(leader_of "$TOP_AGENCY")" lanhdao)

# 4. The server.
start_server
sleep 2
IDLE_RSS=$(mib VmRSS)
echo "/api/v1/dossiers?scope=agency&deadline=overdue&per_page=50" >"$OUT/overdue.paths"
declare -A TOKENS OVERDUE
for u in "${UNITS[@]}"; do
    TOKENS[$u]=$(login "$u")
    OVERDUE[$u]=$(total "${TOKENS[$u]}" "scope=agency&deadline=overdue&per_page=1")
    log "$u: ${OVERDUE[$u]} overdue in the unit"
done
export BENCH_METHOD=GET BENCH_BODY='' BENCH_CONTENT_TYPE=''
BENCH_PATHS=$OUT/overdue.paths wrk -t1 -c1 -d3s -s "$LUA" -H "Authorization: Bearer ${TOKENS[lanhdao]}" "$BASE/" \
    >/dev/null 2>&1 # warm-up
for u in "${UNITS[@]}"; do
    BENCH_PATHS=$OUT/overdue.paths bench "overdue-$u-c1" 1 "$DURATION" -H "Authorization: Bearer ${TOKENS[$u]}" "$BASE/"
    BENCH_PATHS=$OUT/overdue.paths bench "overdue-$u" "$C_QUEUE" "$DURATION" -H "Authorization: Bearer ${TOKENS[$u]}" "$BASE/"
done

# 5. PDF receipts: on one core without a server, then over HTTP (page route, session cookie).
log "receipts_per_second, $RECEIPTS receipts (load $(load))"
RECEIPT_LOAD_BEFORE=$(load)
"$EXAMPLES/receipts_per_second" "$RECEIPTS" >"$OUT/receipts.txt" 2>&1
RECEIPT_LOAD_AFTER=$(load)
cat "$OUT/receipts.txt" >&2
COOKIE=$(page_login lanhdao)
# Fifty of Sở Tư pháp's received dossiers (overdue ones: every one has a receipt to print).
curl -fsS "$BASE/api/v1/dossiers?scope=agency&deadline=overdue&per_page=50" -H "Authorization: Bearer ${TOKENS[lanhdao]}" |
    jq -r '.items[].code | "/ho-so/" + . + "/bieu-mau/tiep-nhan"' >"$OUT/receipt.paths"
first=$(head -1 "$OUT/receipt.paths")
ctype=$(curl -sS -m 30 -o "$OUT/receipt-sample.pdf" -w '%{http_code} %{content_type}' -H "Cookie: $COOKIE" "$BASE$first")
case "$ctype" in "200 application/pdf"*) ;; *)
    echo "GET $first answered $ctype (not a PDF): signing in through /dang-nhap failed?" >&2
    exit 1
    ;;
esac
log "receipt over HTTP: $(stat -c %s "$OUT/receipt-sample.pdf") bytes"
BENCH_PATHS=$OUT/receipt.paths bench receipt-pdf-c1 1 "$DURATION" -H "Cookie: $COOKIE" "$BASE/"
BENCH_PATHS=$OUT/receipt.paths bench receipt-pdf "$C_PDF" "$DURATION" -H "Cookie: $COOKIE" "$BASE/"
PEAK_RSS=$(mib VmHWM)
stop_server

{
    echo "- seeded $DOSSIERS open dossiers in $SEED_S s (see seed.log); the server's idle RSS $IDLE_RSS MiB, peak $PEAK_RSS MiB"
    echo
    echo "## Overdue scan (overdue_scan example, $SCAN_RUNS runs; load $SCAN_LOAD_BEFORE → $SCAN_LOAD_AFTER)"
    echo
    echo '```'
    cat "$OUT/scan.txt"
    echo '```'
    echo
    echo "## Queue \"overdue in my unit\" and receipts over HTTP"
    echo
    for u in "${UNITS[@]}"; do echo "- $u: ${OVERDUE[$u]} overdue dossiers in the unit"; done
    echo
    echo "| run | conns | requests | req/s | p50 ms | p99 ms | max ms | non-2xx | socket errors | server CPU ms/req | load before → after |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "## Receipts on one core (receipts_per_second example; load $RECEIPT_LOAD_BEFORE → $RECEIPT_LOAD_AFTER)"
    echo
    echo '```'
    cat "$OUT/receipts.txt"
    echo '```'
    echo
    echo "- load average after the runs: $(load)"
} >>"$OUT/summary.md"
cat "$OUT/summary.md"
