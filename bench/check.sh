#!/usr/bin/env bash
# Fails loudly when a figure of a bench/run.sh summary fell by more than a third against the last
# recorded one: bench/check.sh SUMMARY.md ENGINE
#
# The recorded figures are bench/baseline-<engine>.tsv (run, requests/s, p99 ms), written from a
# summary with RECORD=1 once its figures are accepted (and committed with the README's table).
# A run regresses when its requests/s are below two thirds of the recorded ones, or its p99
# above one and a half times the recorded one. Runs absent from either side are skipped.
set -euo pipefail
SUMMARY=${1:?usage: bench/check.sh SUMMARY.md ENGINE}
ENGINE=${2:?usage: bench/check.sh SUMMARY.md ENGINE}
HERE=$(cd "$(dirname "$0")" && pwd)
BASELINE=$HERE/baseline-$ENGINE.tsv

# The summary's table as "run<TAB>req/s<TAB>p99".
figures() {
    awk -F'|' '/^\| [a-z]/ && $5 ~ /[0-9]/ { gsub(/ /, "", $2); gsub(/ /, "", $5); gsub(/ /, "", $7); print $2 "\t" $5 "\t" $7 }' "$1"
}

if [ "${RECORD:-0}" = 1 ]; then
    figures "$SUMMARY" >"$BASELINE"
    echo "recorded $(wc -l <"$BASELINE") figures of $SUMMARY in $BASELINE"
    exit 0
fi
[ -f "$BASELINE" ] || {
    echo "no recorded figures in $BASELINE: nothing to compare (RECORD=1 records these)"
    exit 0
}
failed=0
while IFS=$'\t' read -r run rps p99; do
    line=$(figures "$SUMMARY" | awk -F'\t' -v r="$run" '$1 == r')
    [ -n "$line" ] || continue
    now_rps=$(cut -f2 <<<"$line")
    now_p99=$(cut -f3 <<<"$line")
    verdict=$(awk -v a="$now_rps" -v b="$rps" -v c="$now_p99" -v d="$p99" 'BEGIN {
        if (a < b * 2 / 3) print "REGRESSION: requests/s fell by more than a third";
        else if (c > d * 1.5) print "REGRESSION: p99 grew by more than half";
        else print "ok" }')
    printf '%-22s %10s req/s (recorded %10s)  p99 %9s ms (recorded %9s)  %s\n' "$run" "$now_rps" "$rps" "$now_p99" "$p99" "$verdict"
    [ "$verdict" = ok ] || failed=1
done <"$BASELINE"
if [ "$failed" = 1 ]; then
    echo "!!! bench/check.sh: figures fell against $BASELINE — find the cause before recording new ones" >&2
    exit 1
fi
