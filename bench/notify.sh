#!/usr/bin/env bash
# Notification throughput: bench/notify.sh [sqlite|postgres]
#
# Builds nothing: uses the release example target/release/examples/notify_throughput (or
# $EXAMPLE); build it with
#   cargo build --release -p motcua-web --example notify_throughput
# Starts a local SMTP server (Debian's python3-aiosmtpd, storing what it receives in a Maildir) on
# $SMTP_PORT, then for each worker count in $WORKERS runs the example: a fresh database with the
# demo province, $DOSSIERS dossiers, $MESSAGES status-change e-mails enqueued, the job workers
# timed until every job is done. Checks that the SMTP server received every message, and
# writes the figures to bench/results/notify-<engine>-<date>/summary.txt.
#
# Environment (defaults in brackets):
#   EXAMPLE [target/release/examples/notify_throughput]   MESSAGES [2000]   DOSSIERS [200]
#   WORKERS ["1 2 4"]   SMTP_PORT [2525]   PYTHON [/usr/bin/python3]   RESULTS [bench/results]
#   MOTCUA_TEST_POSTGRES_URL [postgres://postgres@127.0.0.1:5432/test] (postgres: a database is
#   created there for each run and dropped after it)
# Everything runs on 127.0.0.1.
set -euo pipefail

ENGINE=${1:-sqlite}
case "$ENGINE" in sqlite | postgres) ;; *)
    echo "usage: $0 [sqlite|postgres]" >&2
    exit 2
    ;;
esac

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
EXAMPLE=${EXAMPLE:-$ROOT/target/release/examples/notify_throughput}
MESSAGES=${MESSAGES:-2000}
DOSSIERS=${DOSSIERS:-200}
WORKERS=${WORKERS:-1 2 4}
SMTP_PORT=${SMTP_PORT:-2525}
PYTHON=${PYTHON:-/usr/bin/python3}
OUT=${RESULTS:-$ROOT/bench/results}/notify-$ENGINE-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
[ -x "$EXAMPLE" ] || {
    echo "no $EXAMPLE: cargo build --release -p motcua-web --example notify_throughput" >&2
    exit 1
}

MAILDIR=$(mktemp -d)
SMTP_PID=
cleanup() {
    [ -n "$SMTP_PID" ] && kill "$SMTP_PID" 2>/dev/null && wait "$SMTP_PID" 2>/dev/null
    rm -rf "$MAILDIR"
}
trap cleanup EXIT

"$PYTHON" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$MAILDIR/mail" \
    >"$OUT/aiosmtpd.log" 2>&1 &
SMTP_PID=$!
for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null && break
    kill -0 "$SMTP_PID" 2>/dev/null || {
        echo "aiosmtpd exited; see $OUT/aiosmtpd.log (apt-get install python3-aiosmtpd)" >&2
        exit 1
    }
    sleep 0.1
done

log "engine $ENGINE, $MESSAGES messages over $DOSSIERS dossiers, workers: $WORKERS; load $(load)"
{
    echo "# notify throughput, $ENGINE, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs"
    for w in $WORKERS; do
        before=$(find "$MAILDIR/mail/new" -type f 2>/dev/null | wc -l)
        line=$("$EXAMPLE" --smtp "smtp://127.0.0.1:$SMTP_PORT" --engine "$ENGINE" \
            --messages "$MESSAGES" --dossiers "$DOSSIERS" --workers "$w" 2>>"$OUT/example.log")
        after=$(find "$MAILDIR/mail/new" -type f | wc -l)
        echo "$line received=$((after - before)) load=\"$(load)\""
    done
} | tee "$OUT/summary.txt"
log "written to $OUT/summary.txt"
