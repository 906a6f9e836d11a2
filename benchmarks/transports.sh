#!/usr/bin/env bash
# The same fan-out over UDP, TCP and SIP over WebSocket (issue 16), side by side in one run, on the embedded default
# (SQLite, every 2xx on disk; authentication and the per-address rate limit off, as in every benchmark here).
#
# Builds the server and LoadGen (Release), then for $ROUNDS rounds, each transport in turn (the order rotates per round):
# starts a fresh server, warms it up (WARMUP seconds of the same workload with other users), and measures
#   saturate  PUBLISH in a closed loop (CONCURRENCY in flight, one per user) to PRESENTITIES users with WATCHERS watchers each
#             (16 x 63 = 1,008 watchers): the most NOTIFYs a second the server delivers over that transport;
#   fanout    the same watchers at RATE PUBLISH/s (open loop): the change-to-NOTIFY latency at a load all carry.
# Watchers over WebSocket hold one WebSocket each (1,000 connections), as browsers do; over UDP 100 share a socket
# (11 sockets); over TCP 17 share a connection (60 connections). Each from its own loopback address.
#
# Settings (environment): ROUNDS (3), WARMUP (10), DURATION (20s), PRESENTITIES (16), WATCHERS (63), CONCURRENCY (16),
# RATE (20), TRANSPORTS ("udp tcp ws"), SIP_PORT (25060), WS_PORT (25066), HTTP_PORT (25080), OUT (benchmarks/results).
# Writes $OUT/<date>-transports.md and .tsv. Every load loop is bounded by DURATION; everything stays on loopback.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-10}"
DURATION="${DURATION:-20s}"
PRESENTITIES="${PRESENTITIES:-16}"
WATCHERS="${WATCHERS:-63}"
CONCURRENCY="${CONCURRENCY:-16}"
RATE="${RATE:-20}"
TRANSPORTS="${TRANSPORTS:-udp tcp ws}"
SIP_PORT="${SIP_PORT:-25060}"
WS_PORT="${WS_PORT:-25066}"
HTTP_PORT="${HTTP_PORT:-25080}"
OUT="${OUT:-$ROOT/benchmarks/results}"
DATE="$(date -u +%F)"
WORK="$(mktemp -d /tmp/presence-transports.XXXXXX)"
SERVER_DLL="$ROOT/src/Presence.Server/bin/Release/net10.0/Presence.Server.dll"
LOADGEN_DLL="$ROOT/benchmarks/Presence.LoadGen/bin/Release/net10.0/Presence.LoadGen.dll"
RESULTS="$WORK/results.tsv"
for tool in jq curl ss; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run benchmarks/install-bench-deps.sh as root" >&2; exit 2; }
done

# shellcheck source=lib/process.sh
. "$ROOT/benchmarks/lib/process.sh"
# shellcheck source=lib/results.sh
. "$ROOT/benchmarks/lib/results.sh"
# shellcheck source=lib/server.sh
. "$ROOT/benchmarks/lib/server.sh"
bench_prepare


# LoadGen's arguments for a transport: where to send, and how the watchers share sockets.
transport_args() {
  case "$1" in
    udp) echo "--transport udp --server 127.0.0.1:$SIP_PORT" ;;
    tcp) echo "--transport tcp --server 127.0.0.1:$SIP_PORT" ;;
    ws) echo "--transport ws --server 127.0.0.1:$WS_PORT --users-per-socket 1 --max-sockets 2000" ;;
  esac
}

run_load() {
  local round="$1" transport="$2" workload="$3" dir="$4" run_id="$5"
  shift 5
  local out="$dir/out-$workload-$run_id" rc=0
  mkdir -p "$out"
  # shellcheck disable=SC2046
  timeout 300 dotnet "$LOADGEN_DLL" fanout $(transport_args "$transport") --watchers "$WATCHERS" --presentities "$PRESENTITIES" \
    --run-id "$run_id" --progress none --out "$out" "$@" >"$dir/loadgen-$workload-$run_id.log" 2>&1 || rc=$?
  [ -z "$round" ] && return 0
  local json; json="$(ls "$out"/*.json 2>/dev/null | head -1 || true)"
  if [ -z "$json" ]; then
    echo "  $transport $workload: no result (exit $rc); log tail:" >&2; tail -5 "$dir/loadgen-$workload-$run_id.log" >&2
    printf '%s\t%s\t%s\tnan\tnan\tnan\tnan\t%s\n' "$round" "$transport" "$workload" "$rc" >>"$RESULTS"
    return 0
  fi
  record_row "$round" "$transport" "$workload" "$rc" "$json"
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
read -r -a transport_list <<<"$TRANSPORTS"
n=${#transport_list[@]}
for round in $(seq 1 "$ROUNDS"); do
  echo "Round $round of $ROUNDS"
  for i in $(seq 0 $((n - 1))); do
    transport="${transport_list[$(((i + round - 1) % n))]}"
    dir="$WORK/r$round/$transport"
    READY_TCP_PORT="$WS_PORT" start_server "$dir" "--Sip:WebSocket:Port=$WS_PORT"
    run_load "" "$transport" warmup "$dir" "w$round$transport" --concurrency "$CONCURRENCY" --duration "${WARMUP}s"
    run_load "$round" "$transport" saturate "$dir" "s$round$transport" --concurrency "$CONCURRENCY" --duration "$DURATION"
    run_load "$round" "$transport" fanout "$dir" "f$round$transport" --rate "$RATE" --duration "$DURATION"
    stop_process "$SERVER_PID" 10
    SERVER_PID=""
  done
done

mkdir -p "$OUT"
cp "$RESULTS" "$OUT/$DATE-transports.tsv"
{
  echo "# Fan-out by transport: UDP, TCP, SIP over WebSocket ($DATE)"
  echo
  echo "\`benchmarks/transports.sh\` (ROUNDS=$ROUNDS, $PRESENTITIES users x $WATCHERS watchers = $((PRESENTITIES * WATCHERS)) watchers; saturate:"
  echo "$CONCURRENCY PUBLISH in flight; fanout: $RATE PUBLISH/s; $DURATION each after ${WARMUP} s of warm-up; embedded SQLite server,"
  echo "authentication and rate limit off). Watchers over WebSocket hold a WebSocket each; over UDP 100 share a socket, over"
  echo "TCP 17 a connection. Medians over the rounds; the ratio is to UDP's median."
  echo
  echo "| transport | saturate NOTIFY/s | ratio | saturate p99 ms | fanout p50 ms | fanout p99 ms | errors |"
  echo "|---|---|---|---|---|---|---|"
  for transport in $TRANSPORTS; do
    median() { awk -F'\t' -v t="$transport" -v w="$1" -v c="$2" '$2==t && $3==w && $c!="nan" {print $c}' "$RESULTS" | sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
    sat="$(median saturate 4)"; satp99="$(median saturate 6)"; p50="$(median fanout 5)"; p99="$(median fanout 6)"
    udp="$(awk -F'\t' '$2=="udp" && $3=="saturate" && $4!="nan" {print $4}' "$RESULTS" | sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')"
    errors="$(awk -F'\t' -v t="$transport" '$2==t {s+=$7} END {print s+0}' "$RESULTS")"
    ratio="$(awk -v a="$sat" -v b="$udp" 'BEGIN { if (b+0 > 0 && a != "nan") printf "%.2fx", a/b; else print "-" }')"
    printf '| %s | %.0f | %s | %.1f | %.2f | %.2f | %s |\n' "$transport" "$sat" "$ratio" "$satp99" "$p50" "$p99" "$errors"
  done
  echo
  echo "Every run (round, transport, workload, NOTIFY/s, p50 ms, p99 ms, errors, LoadGen exit code):"
  echo
  echo '```'
  cat "$RESULTS"
  echo '```'
  echo
  echo "Load average before: $LOAD_BEFORE (2 cores; the server and LoadGen share them)."
} >"$OUT/$DATE-transports.md"
echo "Results: $OUT/$DATE-transports.md"
cat "$OUT/$DATE-transports.md" | sed -n 1,16p
