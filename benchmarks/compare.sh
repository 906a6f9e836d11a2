#!/usr/bin/env bash
# The side-by-side with Kamailio 5.6's presence modules (issue 7): one command.
#
#   benchmarks/compare.sh
#
# Builds the server and LoadGen (Release), starts a throwaway PostgreSQL, then for $ROUNDS rounds runs the same
# LoadGen workloads against four targets, each started fresh (fresh database) on loopback and stopped after:
#   ours-sqlite       Presence.Server on its embedded SQLite store (the default; durable)
#   ours-postgres     Presence.Server on PostgreSQL (durable)
#   kamailio-durable  benchmarks/kamailio/presence.cfg with PostgreSQL write-through
#   kamailio-memory   the same configuration without a database
#   ours-orleans-dashboard  (not by default) ours-sqlite with Orleans' dashboard on and polled each second, its
#                     grain-call profiler active: TARGETS="ours-sqlite ours-orleans-dashboard" NAME=orleans-dashboard
# The targets' order rotates from round to round so that none always runs first. Writes
# benchmarks/results/DATE-$NAME.md (NAME: kamailio) and two PNG plots beside it. Needs benchmarks/install-bench-deps.sh.
#
# Workloads: fanout (an open loop at FANOUT_RATE: latency at a load everyone carries), saturate (a closed loop of
# PUBLISHes to users with SAT_WATCHERS watchers, SAT_CONCURRENCY in flight: the most NOTIFYs a second each delivers)
# and subscribe (a closed-loop SUBSCRIBE storm). blf (not by default; ours only) is saturate with the dialog package:
# busy-lamp fields watching phones whose calls ring and are answered (RFC 4235), e.g.
# TARGETS=ours-sqlite NAME=blf WORKLOADS="saturate blf" benchmarks/compare.sh.
#
# Every target is warmed up before each measured run: the same workload with other users for about WARMUP seconds
# (default 25; 0 turns it off), discarded. A .NET server compiles its hot paths to optimized code (tiered compilation
# with PGO) over its first tens of seconds of load; an operator's server runs warm, and Kamailio is warmed the same way.
#
# Settings (environment): ROUNDS (3), WARMUP (25), FANOUT_RATE (100 PUBLISH/s), FANOUT_WATCHERS (1,10,40), FANOUT_DURATION
# (20s), SAT_WATCHERS (40,200), SAT_CONCURRENCY (16), SAT_DURATION (20s), SUB_USERS (1000), SUB_WATCHERS (10),
# SUB_CONCURRENCY (100), WORKLOADS ("fanout saturate subscribe"), TARGETS (all four), KAM_CHILDREN (8),
# PG_PORT (23432), SIP_PORT (23060), HTTP_PORT (23080; all three below the kernel's ephemeral range, 32768-60999, where the servers' own outgoing connections, Npgsql's pool among them, could take them first), OUT (benchmarks/results), KEEP=1 keeps the work dir.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-25}"
FANOUT_RATE="${FANOUT_RATE:-100}"
FANOUT_WATCHERS="${FANOUT_WATCHERS:-1,10,40}"
FANOUT_DURATION="${FANOUT_DURATION:-20s}"
SAT_WATCHERS="${SAT_WATCHERS:-40,200}"
SAT_CONCURRENCY="${SAT_CONCURRENCY:-16}"
SAT_DURATION="${SAT_DURATION:-20s}"
WORKLOADS="${WORKLOADS:-fanout saturate subscribe}"
SUB_USERS="${SUB_USERS:-1000}"
SUB_WATCHERS="${SUB_WATCHERS:-10}"
SUB_CONCURRENCY="${SUB_CONCURRENCY:-100}"
TARGETS="${TARGETS:-ours-sqlite ours-postgres kamailio-durable kamailio-memory}"
KAM_CHILDREN="${KAM_CHILDREN:-8}"
PG_PORT="${PG_PORT:-23432}"
SIP_PORT="${SIP_PORT:-23060}"
HTTP_PORT="${HTTP_PORT:-23080}"
OUT="${OUT:-$ROOT/benchmarks/results}"
NAME="${NAME:-kamailio}"
DATE="$(date -u +%F)"
WORK="$(mktemp -d /tmp/presence-compare.XXXXXX)"
SERVER_DLL="$ROOT/src/Presence.Server/bin/Release/net10.0/Presence.Server.dll"
LOADGEN_DLL="$ROOT/benchmarks/Presence.LoadGen/bin/Release/net10.0/Presence.LoadGen.dll"
KAM_CFG="$ROOT/benchmarks/kamailio/presence.cfg"
RESULTS="$WORK/results.tsv"

for tool in kamailio gnuplot jq python3 runuser; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run benchmarks/install-bench-deps.sh as root" >&2; exit 2; }
done

# shellcheck source=lib/targets.sh
. "$ROOT/benchmarks/lib/targets.sh"
# shellcheck source=lib/results.sh
. "$ROOT/benchmarks/lib/results.sh"

cleanup() {
  stop_target
  stop_pg
  if [ "${KEEP:-0}" = 1 ]; then echo "Work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "Building the server and LoadGen (Release)..."
dotnet build "$ROOT/src/Presence.Server" -c Release -v quiet -nologo >/dev/null
dotnet build "$ROOT/benchmarks/Presence.LoadGen" -c Release -v quiet -nologo >/dev/null

start_pg

# Runs the workload's warm-up against the running target for about WARMUP seconds: its own users (run ids w1, w2...),
# nothing recorded. Count-bound storms are repeated until the time is up (each stops by itself).
warm_up() {
  local workload="$1" dir="$2" started=$SECONDS i=0
  [ "$WARMUP" -gt 0 ] || return 0
  mkdir -p "$dir/warmup"
  while [ $((SECONDS - started)) -lt "$WARMUP" ] && [ $i -lt 20 ]; do
    i=$((i + 1))
    case "$workload" in
      fanout) args=(fanout --watchers "$FANOUT_WATCHERS" --rate "$FANOUT_RATE" --duration "${WARMUP}s") ;;
      saturate) args=(fanout --watchers "$SAT_WATCHERS" --presentities 8 --concurrency "$SAT_CONCURRENCY" --duration "${WARMUP}s") ;;
      blf) args=(fanout --package dialog --watchers "$SAT_WATCHERS" --presentities 8 --concurrency "$SAT_CONCURRENCY" --duration "${WARMUP}s") ;;
      *) args=(subscribe --users "$SUB_USERS" --watchers "$SUB_WATCHERS" --concurrency "$SUB_CONCURRENCY") ;;
    esac
    timeout 300 dotnet "$LOADGEN_DLL" "${args[@]}" --server "127.0.0.1:$SIP_PORT" --progress none --run-id "w$i" \
      --out "$dir/warmup/$i" >"$dir/warmup/$i.log" 2>&1 || true
  done
}

# Runs one workload against the running target; appends a row to the results.
run_load() {
  local round="$1" target="$2" workload="$3" dir="$4"
  shift 4
  local out="$dir/out" rc=0 kind="$workload" poller=""
  # saturate is LoadGen's fanout in a closed loop; blf the same with the dialog package.
  [ "$workload" = saturate ] || [ "$workload" = blf ] && kind=fanout
  mkdir -p "$out"
  if [ "$target" = ours-orleans-dashboard ]; then
    # What an open dashboard page does: it asks for the counters every second, which keeps the profiler on.
    ( for _ in $(seq 1 600); do
        curl -fsS -u "x:bench-token-0123456789" "http://127.0.0.1:$HTTP_PORT/orleans/DashboardCounters" >/dev/null 2>&1 || true
        sleep 1
      done ) &
    poller=$!
  fi
  timeout 600 dotnet "$LOADGEN_DLL" "$kind" --server "127.0.0.1:$SIP_PORT" --progress none --out "$out" "$@" \
    >"$dir/loadgen.log" 2>&1 || rc=$?
  [ -n "$poller" ] && { kill "$poller" 2>/dev/null || true; wait "$poller" 2>/dev/null || true; }
  local json; json="$(ls "$out"/*.json 2>/dev/null | head -1 || true)"
  if [ -z "$json" ]; then
    echo "  $target $workload: no result (exit $rc); log tail:" >&2; tail -5 "$dir/loadgen.log" >&2
    printf '%s\t%s\t%s\tnan\tnan\tnan\tnan\t%s\n' "$round" "$target" "$workload" "$rc" >>"$RESULTS"
    return 0
  fi
  record_row "$round" "$target" "$workload" "$rc" "$json"
  cp "$json" "$WORK/json-r$round-$target-$workload.json"
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
read -r -a target_list <<<"$TARGETS"
n=${#target_list[@]}
for round in $(seq 1 "$ROUNDS"); do
  echo "Round $round of $ROUNDS"
  for i in $(seq 0 $((n - 1))); do
    target="${target_list[$(((i + round - 1) % n))]}"
    for workload in $WORKLOADS; do
      # Kamailio's configuration here serves presence only; busy-lamp fields are measured on ours.
      [ "$workload" = blf ] && [[ "$target" != ours-* ]] && continue
      dir="$WORK/r$round/$target/$workload"
      if ! start_target "$target" "$dir"; then
        printf '%s\t%s\t%s\tnan\tnan\tnan\tnan\tstart\n' "$round" "$target" "$workload" >>"$RESULTS"
        stop_target
        continue
      fi
      warm_up "$workload" "$dir"
      if [ "$workload" = fanout ]; then
        run_load "$round" "$target" fanout "$dir" --watchers "$FANOUT_WATCHERS" --rate "$FANOUT_RATE" --duration "$FANOUT_DURATION"
      elif [ "$workload" = blf ]; then
        run_load "$round" "$target" blf "$dir" --package dialog --watchers "$SAT_WATCHERS" --presentities 8 \
          --concurrency "$SAT_CONCURRENCY" --duration "$SAT_DURATION"
      elif [ "$workload" = saturate ]; then
        run_load "$round" "$target" saturate "$dir" --watchers "$SAT_WATCHERS" --presentities 8 --concurrency "$SAT_CONCURRENCY" \
          --duration "$SAT_DURATION"
      else
        run_load "$round" "$target" subscribe "$dir" --users "$SUB_USERS" --watchers "$SUB_WATCHERS" --concurrency "$SUB_CONCURRENCY"
      fi
      stop_target
    done
  done
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

mkdir -p "$OUT"
COMMAND="TARGETS=\"$TARGETS\" NAME=$NAME WORKLOADS=\"$WORKLOADS\" ROUNDS=$ROUNDS WARMUP=$WARMUP FANOUT_RATE=$FANOUT_RATE FANOUT_WATCHERS=$FANOUT_WATCHERS FANOUT_DURATION=$FANOUT_DURATION SAT_WATCHERS=$SAT_WATCHERS SAT_CONCURRENCY=$SAT_CONCURRENCY SAT_DURATION=$SAT_DURATION SUB_USERS=$SUB_USERS SUB_WATCHERS=$SUB_WATCHERS SUB_CONCURRENCY=$SUB_CONCURRENCY benchmarks/compare.sh"
MACHINE="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -g | awk '/Mem:/{print $2}') GiB; load average $LOAD_BEFORE before, $LOAD_AFTER after; $(dotnet --version | sed 's/^/.NET SDK /'); $(kamailio -v | head -1 | sed 's/^version: //'); PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'); git $(git -C "$ROOT" rev-parse --short HEAD)"
python3 "$ROOT/benchmarks/kamailio/report.py" "$RESULTS" "$OUT/$DATE-$NAME" "$COMMAND" "$MACHINE" \
  "fanout --watchers $FANOUT_WATCHERS --rate $FANOUT_RATE --duration $FANOUT_DURATION" \
  "subscribe --users $SUB_USERS --watchers $SUB_WATCHERS --concurrency $SUB_CONCURRENCY" \
  "fanout --watchers $SAT_WATCHERS --presentities 8 --concurrency $SAT_CONCURRENCY --duration $SAT_DURATION"
gnuplot "$OUT/$DATE-$NAME.gp"
rm -f "$OUT/$DATE-$NAME.gp" "$OUT/$DATE-$NAME-plot.dat"
echo "Written: $OUT/$DATE-$NAME.md, $OUT/$DATE-$NAME-notifies.png, $OUT/$DATE-$NAME-p99.png"
