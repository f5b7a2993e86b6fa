#!/usr/bin/env bash
# The public verification page's throughput: bench/verify.sh [sqlite|postgres]
#
# Builds nothing: uses target/release/motcua (or $MOTCUA_BIN). Starts `motcua serve --demo` on a
# fresh data folder (the demo signs with a test CA, whose root the page trusts), takes one
# application of procedure 2.001680 (legal aid, Sở Tư pháp) through to its result, issued by
# `lanhdao` with a 1 MB one-page PDF (a scanned decision: an image of incompressible bytes), so
# that the result is that PDF PAdES-signed by the department (incremental update) and sealed
# by the system. Then, as an anonymous visitor with the CSRF token and cookie of the page's form,
# POSTs that signed result to /xac-thuc (multipart: `_csrf`, then `file`) with wrk, at 1
# connection and at $C_VERIFY, and, for comparison, the same 1 MB PDF unsigned (nothing to
# validate, the same hashing and lookups). Checks once with curl that the page finds the
# signature valid and the file authentic. Records the load average and the server's CPU per
# request, and writes bench/results/verify-<engine>-<date>/ (summary.md, raw wrk output).
#
# Environment (defaults in brackets):
#   MOTCUA_BIN [target/release/motcua]  PORT [18080]  DURATION [15s]  C_VERIFY [4]  THREADS [2]
#   PG_ADMIN_URL [postgres://postgres@127.0.0.1:5432/test]  PG_DB [motcua_verify]
#   RESULTS [bench/results]             KEEP=1 keeps the data folder (and the PG database)
#
# Needs: wrk, curl, jq, python3 (and psql for postgres). Every request goes to 127.0.0.1 only,
# and every load run is bounded by its duration.
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
DURATION=${DURATION:-15s}
C_VERIFY=${C_VERIFY:-4}
THREADS=${THREADS:-2}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}
PG_DB=${PG_DB:-motcua_verify}
BASE="http://127.0.0.1:$PORT"
STAMP=$(date -u +%Y%m%d-%H%M%S)
OUT=${RESULTS:-$HERE/results}/verify-$ENGINE-$STAMP
LUA=$HERE/wrk.lua

# Shared helpers: log, memory and CPU of the server, start/stop, sign-in, the run's set-up.
source "$HERE/lib.sh"
prepare_run motcua-verify wrk curl jq python3

# Runs wrk; $1 = name, $2 = connections, then wrk arguments. Appends a row to the summary.
ROWS=()
bench() {
    local name=$1 conns=$2
    shift 2
    local load_before
    load_before=$(load)
    log "$name: $conns connections, $DURATION (load $load_before)"
    wrk_run "$name" "$conns" "$DURATION" "$@"
    ROWS+=("$WRK_ROW | $load_before → $(load) |")
}

# A one-page A4 PDF showing a 1 MB image of incompressible bytes, with a correct
# cross-reference table: what a scanned decision looks like to the signer and the validator.
python3 - "$DATA/decision.pdf" <<'EOF'
import os, sys
w, h = 600, 583  # 600 × 583 RGB = 1,049,400 bytes
image = os.urandom(w * h * 3)
content = b"q 523 0 0 508 36 300 cm /Im1 Do Q"
objects = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /XObject << /Im1 5 0 R >> >> >>",
    b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length %d >>\nstream\n"
    % (w, h, len(image)) + image + b"\nendstream",
]
pdf = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
offsets = []
for i, obj in enumerate(objects, 1):
    offsets.append(len(pdf))
    pdf += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
xref = len(pdf)
pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
for o in offsets:
    pdf += b"%010d 00000 n \n" % o
pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
open(sys.argv[1], "wb").write(pdf)
EOF

log "engine $ENGINE, binary $BIN, data $DATA, results $OUT"
{
    echo "# motcua verification page benchmark, $ENGINE, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
    echo "- binary: $BIN ($(stat -c %y "$BIN" | cut -d. -f1)); work tree at run time: git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' + uncommitted changes')"
    echo "- wrk $THREADS threads on the same cores as the server"
    echo "- load average before the run: $(load) (other work on the machine disturbs the figures)"
} >"$OUT/summary.md"

start_server --demo --demo-dossiers 0
CITIZEN=$(login congdan)
DESK=$(login tiepnhan)
SPECIALIST=$(login chuyenvien)
LEADER=$(login lanhdao)

# 1. One dossier through to its result: submitted, received, forwarded, issued with the 1 MB PDF.
BOUNDARY=motcuabench$RANDOM$RANDOM$RANDOM
{
    printf -- '--%s\r\nContent-Disposition: form-data; name="procedure_code"\r\n\r\n2.001680\r\n' "$BOUNDARY"
    printf -- '--%s\r\nContent-Disposition: form-data; name="data"\r\n\r\n' "$BOUNDARY"
    printf '{"dien_nguoi_duoc_tgpl":"ho_ngheo","linh_vuc_vu_viec":"dat_dai","hinh_thuc_tgpl":"tu_van","tom_tat_vu_viec":"Tranh chấp ranh giới thửa đất với hộ liền kề."}\r\n'
    for key in don_yeu_cau_tgpl giay_to_dien_tgpl; do
        printf -- '--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s.pdf"\r\nContent-Type: application/pdf\r\n\r\n' "$BOUNDARY" "$key" "$key"
        printf '%%PDF-1.4\n%s\n%%%%EOF\n\r\n' "$key"
    done
    printf -- '--%s--\r\n' "$BOUNDARY"
} >"$DATA/submit.body"
CODE=$(curl -fsS -m 60 "$BASE/api/v1/dossiers" -H "Authorization: Bearer $CITIZEN" \
    -H "Content-Type: multipart/form-data; boundary=$BOUNDARY" --data-binary "@$DATA/submit.body" | jq -er .code)
act() { # $1 = token, then curl arguments for the action
    local token=$1
    shift
    curl -fsS -m 120 "$BASE/api/v1/dossiers/$CODE/actions" -H "Authorization: Bearer $token" "$@" | jq -er .status
}
log "dossier $CODE: $(act "$DESK" -H 'Content-Type: application/json' -d '{"action":"receive"}')"
log "dossier $CODE: $(act "$SPECIALIST" -H 'Content-Type: application/json' -d '{"action":"forward"}')"
log "dossier $CODE: $(act "$LEADER" -F action=issue_result -F "result=@$DATA/decision.pdf;type=application/pdf")"
RESULT_URL=$(curl -fsS -m 60 "$BASE/api/v1/dossiers/$CODE" -H "Authorization: Bearer $CITIZEN" | jq -er .signed_result.url)
curl -fsS -m 60 -o "$DATA/result.pdf" "$BASE$RESULT_URL" -H "Authorization: Bearer $CITIZEN"
log "signed result: $(stat -c %s "$DATA/result.pdf") bytes (the PDF issued: $(stat -c %s "$DATA/decision.pdf") bytes)"

# 2. The page's form as an anonymous visitor: its CSRF token and cookie.
JAR=$DATA/cookies.txt
CSRF=$(curl -fsS -m 30 -c "$JAR" "$BASE/xac-thuc" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
[ -n "$CSRF" ] || {
    echo "no CSRF token on /xac-thuc" >&2
    exit 1
}
COOKIE=$(awk -F'\t' 'NF >= 7 && $1 !~ /^# / {printf "%s%s=%s", (n++ ? "; " : ""), $6, $7} END {print ""}' "$JAR" |
    sed 's/^#HttpOnly_//')
body() { # $1 = file to upload, $2 = body file
    {
        printf -- '--%s\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n%s\r\n' "$BOUNDARY" "$CSRF"
        printf -- '--%s\r\nContent-Disposition: form-data; name="file"; filename="ket-qua.pdf"\r\nContent-Type: application/pdf\r\n\r\n' "$BOUNDARY"
        cat "$1"
        printf '\r\n--%s--\r\n' "$BOUNDARY"
    } >"$2"
}
body "$DATA/result.pdf" "$DATA/signed.body"
body "$DATA/decision.pdf" "$DATA/unsigned.body"
CT="multipart/form-data; boundary=$BOUNDARY"

# 3. Once with curl: the page must find the signature valid and the file authentic.
curl -fsS -m 60 -o "$OUT/page-signed.html" "$BASE/xac-thuc" -H "Cookie: $COOKIE" -H "Content-Type: $CT" \
    --data-binary "@$DATA/signed.body"
for expected in 'id="signatures-valid"' 'id="signature-1-valid"' 'id="verdict-authentic"'; do
    grep -q "$expected" "$OUT/page-signed.html" || {
        echo "the page did not report $expected for the signed result; see $OUT/page-signed.html" >&2
        exit 1
    }
done
curl -fsS -m 60 -o "$OUT/page-unsigned.html" "$BASE/xac-thuc" -H "Cookie: $COOKIE" -H "Content-Type: $CT" \
    --data-binary "@$DATA/unsigned.body"
grep -q 'id="signatures-not-valid"' "$OUT/page-unsigned.html" || {
    echo "the page did not report the unsigned PDF as unsigned; see $OUT/page-unsigned.html" >&2
    exit 1
}
log "the page finds the signed result valid and authentic"

# 4. Load.
IDLE_RSS=$(mib VmRSS)
export BENCH_PATHS='' BENCH_METHOD=POST BENCH_CONTENT_TYPE=$CT
BENCH_BODY=$DATA/signed.body wrk -t1 -c1 -d3s -s "$LUA" -H "Cookie: $COOKIE" "$BASE/xac-thuc" >/dev/null 2>&1 # warm-up
BENCH_BODY=$DATA/signed.body bench verify-signed-1MB-c1 1 -H "Cookie: $COOKIE" "$BASE/xac-thuc"
BENCH_BODY=$DATA/signed.body bench verify-signed-1MB "$C_VERIFY" -H "Cookie: $COOKIE" "$BASE/xac-thuc"
BENCH_BODY=$DATA/unsigned.body bench verify-unsigned-1MB-c1 1 -H "Cookie: $COOKIE" "$BASE/xac-thuc"
BENCH_BODY=$DATA/unsigned.body bench verify-unsigned-1MB "$C_VERIFY" -H "Cookie: $COOKIE" "$BASE/xac-thuc"
PEAK_RSS=$(mib VmHWM)
stop_server

{
    echo "- the signed result: $(stat -c %s "$DATA/result.pdf") bytes (one RSA-2048 PAdES signature of the department, visible stamp, over a $(stat -c %s "$DATA/decision.pdf")-byte PDF); request body $(stat -c %s "$DATA/signed.body") bytes"
    echo "- server RSS idle before the runs $IDLE_RSS MiB, peak $PEAK_RSS MiB"
    echo
    echo "| run | conns | requests | req/s | p50 ms | p99 ms | max ms | non-2xx | socket errors | server CPU ms/req | load before → after |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    printf '%s\n' "${ROWS[@]}"
} >>"$OUT/summary.md"
cat "$OUT/summary.md"
