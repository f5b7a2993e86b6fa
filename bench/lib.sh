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
