# Sourced by the benchmark scripts that drive LoadGen (compare.sh, transports.sh): record_row ROUND NAME WORKLOAD RC JSON
# appends one tab-separated row (round, name, workload, NOTIFY/s, p50 ms, p99 ms, errors, LoadGen's exit code) from a
# LoadGen result to $RESULTS and prints it.
record_row() {
  local round="$1" name="$2" workload="$3" rc="$4" json="$5"
  jq -r --arg r "$round" --arg t "$name" --arg w "$workload" --arg rc "$rc" \
    '[$r, $t, $w, .notifies.matchedPerSecond, .changeToNotify.p50Ms, .changeToNotify.p99Ms, .errors, $rc] | @tsv' \
    "$json" >>"$RESULTS"
  tail -1 "$RESULTS" | awk -F'\t' '{printf "  %-17s %-9s %9.0f NOTIFY/s  p50 %7.2f ms  p99 %8.2f ms  errors %s\n", $2, $3, $4, $5, $6, $7}'
}
