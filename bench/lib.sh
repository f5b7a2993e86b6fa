# Helpers shared by the benchmark scripts (sourced; they use the caller's BIN, DATA, DBARGS,
# PORT, OUT, BASE and SERVER_PID when called).
# shellcheck shell=bash

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$SERVER_PID/status"; }
mib() { awk -v k="$(kib "$1")" 'BEGIN {printf "%.1f", k / 1024}'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }

start_server() {
    "$BIN" serve "$@" --data "$DATA" "${DBARGS[@]}" --addr "127.0.0.1:$PORT" >>"$OUT/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 600); do
        if curl -fsS -m 1 "$BASE/healthz" >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || {
            echo "the server died; see $OUT/server.log" >&2
            exit 1
        }
        sleep 0.1
    done
    echo "the server did not become healthy in 60 s" >&2
    exit 1
}

stop_server() {
    kill -INT "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
}

login() {
    curl -fsS -m 30 "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"demo\"}" | jq -er .token
}

# Checks the tools and the binary and that the port is free; makes OUT, a fresh data folder DATA
# and, for PostgreSQL, a fresh database PG_DB (DBARGS); both go on exit unless KEEP=1.
# $1 = the data folder's prefix under /tmp, then the tools the run needs.
prepare_run() {
    local prefix=$1 tool
    shift
    for tool in "$@"; do
        command -v "$tool" >/dev/null || {
            echo "missing tool: $tool (apt-get install -y $tool)" >&2
            exit 1
        }
    done
    [ -x "$BIN" ] || {
        echo "no binary at $BIN: run 'cargo build --release -p motcua' first" >&2
        exit 1
    }
    if curl -fsS -m 1 "$BASE/healthz" >/dev/null 2>&1; then
        echo "something already answers on port $PORT: set PORT" >&2
        exit 1
    fi
    mkdir -p "$OUT"
    DATA=$(mktemp -d "/tmp/$prefix.XXXXXX")
    DBARGS=()
    if [ "$ENGINE" = postgres ]; then
        command -v psql >/dev/null || {
            echo "missing tool: psql" >&2
            exit 1
        }
        psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DB" -c "CREATE DATABASE $PG_DB"
        DBARGS=(--database-url "${PG_ADMIN_URL%/*}/$PG_DB")
    fi
    SERVER_PID=
    trap cleanup_run EXIT
}

# Stops the server and removes what prepare_run made (KEEP=1 keeps it).
cleanup_run() {
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

# Runs wrk with bench/wrk.lua ($LUA) against the server; $1 = name, $2 = connections,
# $3 = duration, then wrk's arguments. Leaves its figures in WRK (requests, rps, p50_ms, p90_ms,
# p99_ms, max_ms, non2xx, errors), the server's CPU per request in WRK_CPU_MS and the row of the
# summary's first ten columns in WRK_ROW; the raw output goes to $OUT/<name>.txt.
declare -A WRK
wrk_run() {
    local name=$1 conns=$2 dur=$3
    shift 3
    local before after line kv
    before=$(cpu_ticks)
    wrk -t"$((conns < THREADS ? conns : THREADS))" -c"$conns" -d"$dur" --timeout 10s --latency -s "$LUA" "$@" \
        >"$OUT/$name.txt" 2>&1 || true
    after=$(cpu_ticks)
    line=$(grep '^BENCH ' "$OUT/$name.txt" | tail -1 || true)
    [ -n "$line" ] || {
        echo "wrk gave no result for $name:" >&2
        cat "$OUT/$name.txt" >&2
        exit 1
    }
    WRK=()
    for kv in ${line#BENCH }; do WRK[${kv%%=*}]=${kv#*=}; done
    WRK_CPU_MS=$(awk -v t=$((after - before)) -v n="${WRK[requests]}" -v hz="$(getconf CLK_TCK)" \
        'BEGIN {printf "%.2f", n ? t * 1000 / hz / n : 0}')
    WRK_ROW="| $name | $conns | ${WRK[requests]} | ${WRK[rps]} | ${WRK[p50_ms]} | ${WRK[p99_ms]} | ${WRK[max_ms]} | ${WRK[non2xx]} | ${WRK[errors]} | $WRK_CPU_MS"
    log "  $line"
}

# Prints the body of the benchmarks' submission, multipart with boundary $1: procedure 2.001680
# (legal aid, Sở Tư pháp) with its two required documents, each a 200 KB PDF of incompressible
# filler.
submission_body() {
    local boundary=$1 key
    printf -- '--%s\r\nContent-Disposition: form-data; name="procedure_code"\r\n\r\n2.001680\r\n' "$boundary"
    printf -- '--%s\r\nContent-Disposition: form-data; name="data"\r\n\r\n' "$boundary"
    printf '{"dien_nguoi_duoc_tgpl":"ho_ngheo","linh_vuc_vu_viec":"dat_dai","hinh_thuc_tgpl":"tu_van","tom_tat_vu_viec":"Tranh chấp ranh giới thửa đất với hộ liền kề."}\r\n'
    for key in don_yeu_cau_tgpl giay_to_dien_tgpl; do
        printf -- '--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s.pdf"\r\nContent-Type: application/pdf\r\n\r\n' "$boundary" "$key" "$key"
        printf '%%PDF-1.4\n'
        head -c $((200 * 1024 - 16)) /dev/urandom
        printf '\n%%%%EOF\n\r\n'
    done
    printf -- '--%s--\r\n' "$boundary"
}

# Writes the submission body to $DATA/submit.body (SUBMIT_CT its Content-Type) and sends it once
# with curl as $CITIZEN to $BASE: the body must be accepted (201) before wrk repeats it.
prepare_submission() {
    local boundary code
    boundary=motcuabench$RANDOM$RANDOM$RANDOM
    submission_body "$boundary" >"$DATA/submit.body"
    SUBMIT_CT="multipart/form-data; boundary=$boundary"
    code=$(curl -sS -o "$OUT/submit.check.json" -w '%{http_code}' -m 30 "$BASE/api/v1/dossiers" \
        -H "Authorization: Bearer $CITIZEN" -H "Content-Type: $SUBMIT_CT" --data-binary "@$DATA/submit.body")
    [ "$code" = 201 ] || {
        echo "the test submission answered $code:" >&2
        cat "$OUT/submit.check.json" >&2
        exit 1
    }
}
