#!/usr/bin/env bash
# Capacity of the single process (issue 7): the most users it sustains under the Skype for Business user model
# (4 PUBLISH of ~4 KB per user per hour, in real time) with p99 change -> NOTIFY under 50 ms, at 40 watchers per
# user; then the p99 at half that capacity. One command:
#
#   benchmarks/capacity.sh
#
# For each step (a number of users) it seeds a fresh SQLite store with the users and their watchers' subscriptions
# (`Presence.LoadGen seed`: the server's own logic makes the rows), starts the server on it (Release, the embedded
# default), runs `Presence.LoadGen seeded` against it for DURATION (the first WARMUP left out of the latencies),
# records the server's CPU and peak memory, and stops it. Steps go up until one misses the limit (p99 above
# P99_LIMIT_MS, or any error); then REFINE more steps halve the gap between the last pass and the first miss.
# Writes benchmarks/results/DATE-capacity.md.
#
# Settings (environment): STEPS ("50000 100000 150000 200000 250000 300000"), WATCHERS (40), DURATION (90s), WARMUP
# (20s), P99_LIMIT_MS (50), REFINE (1), HALF (1: also run at half the capacity found), SIP_PORT (24060), HTTP_PORT
# (24080), OUT (benchmarks/results), KEEP=1 keeps the work directory (stores are deleted after each step anyway:
# 250,000 users with 40 watchers take ~6 GB).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STEPS="${STEPS:-50000 100000 150000 200000 250000 300000}"
WATCHERS="${WATCHERS:-40}"
DURATION="${DURATION:-90s}"
WARMUP="${WARMUP:-20s}"
P99_LIMIT_MS="${P99_LIMIT_MS:-50}"
REFINE="${REFINE:-1}"
HALF="${HALF:-1}"
SIP_PORT="${SIP_PORT:-24060}"
HTTP_PORT="${HTTP_PORT:-24080}"
OUT="${OUT:-$ROOT/benchmarks/results}"
DATE="$(date -u +%F)"
WORK="$(mktemp -d /tmp/presence-capacity.XXXXXX)"
SERVER_DLL="$ROOT/src/Presence.Server/bin/Release/net10.0/Presence.Server.dll"
LOADGEN_DLL="$ROOT/benchmarks/Presence.LoadGen/bin/Release/net10.0/Presence.LoadGen.dll"
RESULTS="$WORK/results.tsv"
SERVER_PID=""

for tool in jq python3 curl ss; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run benchmarks/install-bench-deps.sh as root" >&2; exit 2; }
done

# shellcheck source=lib/process.sh
. "$ROOT/benchmarks/lib/process.sh"
stop_server() {
  stop_process "$SERVER_PID" 15
  SERVER_PID=""
}
cleanup() {
  stop_server
  if [ "${KEEP:-0}" = 1 ]; then echo "Work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "Building the server and LoadGen (Release)..."
dotnet build "$ROOT/src/Presence.Server" -c Release -v quiet -nologo >/dev/null
dotnet build "$ROOT/benchmarks/Presence.LoadGen" -c Release -v quiet -nologo >/dev/null

udp_listening() { ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; }
# CPU seconds (user + system) the process has used so far.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
peak_rss_mib() { awk '/VmHWM/{printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

# Runs one step; prints "pass" or "miss" and appends a row: users p50 p99 p999 notifies/s changes/s errors cpu% rss
# seed-s loadgen-gc-pause-ms.
run_step() {
  local users="$1" dir="$WORK/u$1-$RANDOM"
  mkdir -p "$dir/out"
  echo "== $users users x $WATCHERS watchers" >&2
  local seed_start; seed_start=$(date +%s.%N)
  dotnet "$LOADGEN_DLL" seed --store "$dir/p.db" --users "$users" --watchers "$WATCHERS" --run-id cap >"$dir/seed.log" 2>&1 \
    || { echo "  seed failed:" >&2; tail -3 "$dir/seed.log" >&2; return 2; }
  local seed_s; seed_s=$(echo "$(date +%s.%N) - $seed_start" | bc)
  # The seed leaves gigabytes of dirty pages; a server started while the kernel writes them back waits on its
  # fsyncs for seconds, which no server in service sees.
  sync
  echo "  $(tail -1 "$dir/seed.log")" >&2
  (cd "$dir" && exec dotnet "$SERVER_DLL" --Sip:ListenAddress=127.0.0.1 "--Sip:UdpPort=$SIP_PORT" "--Sip:TcpPort=$SIP_PORT" \
    --Sip:TlsPort=0 "--Http:Urls=http://127.0.0.1:$HTTP_PORT" --Auth:Enabled=false --Sip:RateLimit:Enabled=false \
    "--Presence:DatabasePath=$dir/p.db" --Logging:LogLevel:Default=Warning >"$dir/server.log" 2>&1 </dev/null) &
  SERVER_PID=$!
  for _ in $(seq 1 240); do
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "  the server exited:" >&2; tail -5 "$dir/server.log" >&2; return 2; }
    curl -fsS "http://127.0.0.1:$HTTP_PORT/health" >/dev/null 2>&1 && udp_listening "$SIP_PORT" && break
    sleep 0.25
  done
  local cpu_before; cpu_before=$(cpu_seconds "$SERVER_PID")
  local start; start=$(date +%s.%N)
  local rc=0
  timeout 1800 dotnet "$LOADGEN_DLL" seeded --server "127.0.0.1:$SIP_PORT" --users "$users" --watchers "$WATCHERS" --run-id cap \
    --duration "$DURATION" --warmup "$WARMUP" --progress none --out "$dir/out" >"$dir/loadgen.log" 2>&1 || rc=$?
  local wall; wall=$(echo "$(date +%s.%N) - $start" | bc)
  local cpu; cpu=$(echo "($(cpu_seconds "$SERVER_PID") - $cpu_before) * 100 / $wall" | bc -l)
  local rss; rss=$(peak_rss_mib "$SERVER_PID")
  stop_server
  local json; json="$(ls "$dir"/out/*.json 2>/dev/null | head -1 || true)"
  if [ -z "$json" ]; then
    echo "  no result (exit $rc):" >&2; tail -5 "$dir/loadgen.log" >&2
    return 2
  fi
  cp "$json" "$WORK/seeded-$users.json"
  local row
  row=$(jq -r --arg u "$users" --arg cpu "$cpu" --arg rss "$rss" --arg seed "$seed_s" \
    '[$u, .changeToNotify.p50Ms, .changeToNotify.p99Ms, .changeToNotify.p999Ms, .notifies.matchedPerSecond,
      .changes.perSecond, .errors, $cpu, $rss, $seed, .loadGenGcPauseMs] | @tsv' "$json")
  printf '%s\n' "$row" >>"$RESULTS"
  echo "$row" | awk -F'\t' '{printf "  p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  %.0f NOTIFY/s  %.1f PUBLISH/s  errors %d  server CPU %.0f %%  peak RSS %s MiB  LoadGen GC pauses %.0f ms\n", $2, $3, $4, $5, $6, $7, $8, $9, $11}' >&2
  rm -f "$dir"/p.db*
  echo "$row" | awk -F'\t' -v limit="$P99_LIMIT_MS" '{print ($7 == 0 && $3 <= limit) ? "pass" : "miss"}'
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
passed=0; missed=0
for users in $STEPS; do
  verdict=$(run_step "$users") || { missed=$users; break; }
  if [ "$verdict" = pass ]; then passed=$users; else missed=$users; break; fi
done
for _ in $(seq 1 "$REFINE"); do
  [ "$missed" -gt 0 ] && [ "$passed" -gt 0 ] || break
  mid=$(( (passed + missed) / 2 / 5000 * 5000 ))
  [ "$mid" -gt "$passed" ] && [ "$mid" -lt "$missed" ] || break
  verdict=$(run_step "$mid") || verdict=miss
  if [ "$verdict" = pass ]; then passed=$mid; else missed=$mid; fi
done
half=0
if [ "$HALF" = 1 ] && [ "$passed" -gt 0 ]; then
  half=$(( passed / 2 / 1000 * 1000 ))
  run_step "$half" >/dev/null || true
fi
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

mkdir -p "$OUT"
COMMAND="STEPS=\"$STEPS\" WATCHERS=$WATCHERS DURATION=$DURATION WARMUP=$WARMUP P99_LIMIT_MS=$P99_LIMIT_MS benchmarks/capacity.sh"
MACHINE="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -g | awk '/Mem:/{print $2}') GiB; load average $LOAD_BEFORE before, $LOAD_AFTER after; $(dotnet --version | sed 's/^/.NET SDK /'); git $(git -C "$ROOT" rev-parse --short HEAD)"
python3 "$ROOT/benchmarks/capacity-report.py" "$RESULTS" "$OUT/$DATE-capacity.md" "$COMMAND" "$MACHINE" "$passed" "$missed" "$half" "$P99_LIMIT_MS" "$WATCHERS"
echo "Capacity: $passed users (first miss: ${missed:-none}). Written: $OUT/$DATE-capacity.md"
