#!/usr/bin/env bash
# Per-request cost measured with SIPp (issue 18), as a new user would measure it: the embedded default (SQLite, every 2xx
# on disk) and ours on PostgreSQL, against Kamailio 5.6 with its presence modules in memory and on PostgreSQL, in one
# run; authentication and rate limits off on every target (Kamailio's benchmark configuration, benchmarks/kamailio/).
#
# Workloads (scenarios in benchmarks/sipp/):
#   register   a REGISTER storm of new users (REG_STEPS, calls/s)
#   subscribe  a SUBSCRIBE storm of new watchers to 1,000 users, each call ending when the initial NOTIFY is answered
#              (SUB_STEPS, calls/s)
# Each workload is a sweep of rate steps of STEP_SECONDS each against a fresh server (warmed up first with WARMUP seconds
# of the first step's rate, not recorded), each step with users of its own;
# a step passes with at most 0.1 % failed calls and at most 0.5 % retransmissions; a target stops climbing at its first
# failed step. Per step: the server's CPU (utime+stime of all its processes over the step, in % of one core and in
# microseconds per call), and the response time of the first request p50/p99 (SIPp's rtd). The targets take turns by
# workload; SIPp and the server share the 2 cores. SIPp gets a 4 MB socket buffer (-buff_size), as the server has: with
# SIPp's default of 64 KB, the kernel drops the responses a server sends in bursts (ours answers a whole group commit at
# once, up to ~190 responses) and SIPp counts the resends as the server's retransmissions (seen: RcvbufErrors in
# /proc/net/snmp rose by exactly SIPp's retransmission count).
#
# Settings (environment): TARGETS ("ours-sqlite ours-postgres kamailio-memory kamailio-durable"), WORKLOADS
# ("register subscribe"), REG_STEPS ("1000 2000 3000 4000 6000 8000 10000 12000 16000"), SUB_STEPS ("500 1000 1500 2000 3000 4000 5000 6000"),
# STEP_SECONDS (15), WARMUP (10), KAM_CHILDREN (8), PG_PORT (27432), SIP_PORT (27060), HTTP_PORT (27080), OUT (benchmarks/results).
# Writes $OUT/<date>-sipp.md and .tsv. Every SIPp run is bounded by its call count and a timeout; all on loopback.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGETS="${TARGETS:-ours-sqlite ours-postgres kamailio-memory kamailio-durable}"
WORKLOADS="${WORKLOADS:-register subscribe}"
REG_STEPS="${REG_STEPS:-1000 2000 3000 4000 6000 8000 10000 12000 16000}"
SUB_STEPS="${SUB_STEPS:-500 1000 1500 2000 3000 4000 5000 6000}"
STEP_SECONDS="${STEP_SECONDS:-15}"
WARMUP="${WARMUP:-10}"
KAM_CHILDREN="${KAM_CHILDREN:-8}"
PG_PORT="${PG_PORT:-27432}"
SIP_PORT="${SIP_PORT:-27060}"
HTTP_PORT="${HTTP_PORT:-27080}"
SIPP_PORT="${SIPP_PORT:-27090}"
OUT="${OUT:-$ROOT/benchmarks/results}"
DATE="$(date -u +%F)"
WORK="$(mktemp -d /tmp/presence-sipp.XXXXXX)"
SERVER_DLL="$ROOT/src/Presence.Server/bin/Release/net10.0/Presence.Server.dll"
KAM_CFG="$ROOT/benchmarks/kamailio/presence.cfg"
RESULTS="$WORK/results.tsv"
TICKS="$(getconf CLK_TCK)"

for tool in sipp kamailio python3 runuser; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run benchmarks/install-bench-deps.sh as root" >&2; exit 2; }
done
# shellcheck source=lib/targets.sh
. "$ROOT/benchmarks/lib/targets.sh"
cleanup() {
  stop_target
  stop_pg
  if [ "${KEEP:-0}" = 1 ]; then echo "Work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "Building the server (Release)..."
dotnet build "$ROOT/src/Presence.Server" -c Release -v quiet -nologo >/dev/null
start_pg

# The presentities of the SUBSCRIBE storm, in turn.
{ echo SEQUENTIAL; for i in $(seq 0 999); do echo "p$i"; done; } >"$WORK/presentities.csv"

# CPU ticks (user + system) of the target's processes so far.
cpu_ticks() {
  local total=0 pid
  for pid in $(target_pids); do
    [ -r "/proc/$pid/stat" ] || continue
    # Fields 14 and 15 after the command name, which may hold spaces: cut at its closing parenthesis.
    total=$((total + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
  done
  echo "$total"
}

# One rate step: SIPp runs the workload's scenario at RATE calls/s for STEP_SECONDS (its calls counted, so it ends by
# itself; a timeout bounds it if the server stops answering); prints "pass" or "fail".
run_step() {
  local target="$1" workload="$2" rate="$3" dir="$4" seconds="${5:-$STEP_SECONDS}" label="${6:-}"
  local calls=$((rate * seconds)) scenario="$ROOT/benchmarks/sipp/$workload.xml" step="$dir/$workload-$rate$label"
  mkdir -p "$step"
  local extra=()
  [ "$workload" = subscribe ] && extra=(-inf "$WORK/presentities.csv")
  local before after started elapsed rc=0
  before="$(cpu_ticks)"
  started="$(date +%s.%N)"
  (cd "$step" && timeout $((seconds * 3 + 30)) sipp 127.0.0.1:"$SIP_PORT" -sf "$scenario" -i 127.0.0.1 -p "$SIPP_PORT" -t u1 \
    -key prefix "${workload:0:1}${rate}${label}x" -r "$rate" -rp 1000 -m "$calls" -l $((rate * 4)) -recv_timeout 10000 \
    -max_recv_loops 10000 -max_sched_loops 10000 -buff_size 4194304 -timeout $((seconds * 3 + 20))s \
    -trace_stat -stf stats.csv -fd 1 -trace_rtt -rtt_freq 1000 -nostdin "${extra[@]}" >sipp.out 2>&1) || rc=$?
  after="$(cpu_ticks)"
  # A warm-up is not recorded: the server's first seconds (its JIT, its caches) are no request's cost.
  [ -n "$label" ] && return 0
  elapsed="$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$started" "$(date +%s.%N)")"
  python3 "$ROOT/benchmarks/sipp/step.py" "$step" "$target" "$workload" "$rate" "$calls" "$((after - before))" "$TICKS" "$elapsed" >>"$RESULTS"
  tail -1 "$RESULTS" | awk -F'\t' '{printf "  %-17s %-9s %6s/s  %-4s  %7s calls ok  failed %s  retrans %s  cpu %s%%  %s us/call  p50 %s ms  p99 %s ms\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11}'
  [ "$(tail -1 "$RESULTS" | cut -f4)" = pass ]
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
for workload in $WORKLOADS; do
  steps="$REG_STEPS"
  [ "$workload" = subscribe ] && steps="$SUB_STEPS"
  for target in $TARGETS; do
    echo "$workload against $target"
    dir="$WORK/$target"
    start_target "$target" "$dir/server" || { echo "  $target did not start" >&2; continue; }
    first="${steps%% *}"
    run_step "$target" "$workload" "$first" "$dir" "$WARMUP" w || true
    for rate in $steps; do
      run_step "$target" "$workload" "$rate" "$dir" || break
    done
    stop_target
  done
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

mkdir -p "$OUT"
cp "$RESULTS" "$OUT/$DATE-sipp.tsv"
MACHINE="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')); load average $LOAD_BEFORE before, $LOAD_AFTER after; $(sipp -v 2>&1 | grep -o 'SIPp v[0-9.]*'); $(kamailio -v | head -1 | sed 's/^version: //'); git $(git -C "$ROOT" rev-parse --short HEAD)"
python3 "$ROOT/benchmarks/sipp/report.py" "$RESULTS" "$OUT/$DATE-sipp.md" "$MACHINE" \
  "TARGETS=\"$TARGETS\" WORKLOADS=\"$WORKLOADS\" REG_STEPS=\"$REG_STEPS\" SUB_STEPS=\"$SUB_STEPS\" STEP_SECONDS=$STEP_SECONDS WARMUP=$WARMUP benchmarks/sipp.sh"
echo "Written: $OUT/$DATE-sipp.md"
