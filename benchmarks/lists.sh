#!/usr/bin/env bash
# Buddy lists with one subscription against a subscription per buddy (issue 15), side by side in one run, on the
# embedded default (SQLite, every 2xx on disk; authentication and the per-address rate limit off, as in every benchmark
# here). USERS users each watch the LIST_SIZE users after them:
#   direct  each user SUBSCRIBEs to each of its LIST_SIZE buddies (USERS x LIST_SIZE dialogs);
#   list    each user's buddies are its list "buddies" (put through the HTTP API), and it SUBSCRIBEs once to
#           sip:user+buddies@domain (RFC 4662; the server holds the USERS x LIST_SIZE back-end subscriptions itself).
# For each mode, a fresh server; LoadGen sets the subscriptions up (each awaited to its first NOTIFY), PUBLISHes RATE
# changes a second for DURATION seconds (open loop, random users) and counts what reaches the watchers: NOTIFYs/s, their
# bytes, the change-to-NOTIFY latency of each change in each NOTIFY that carries it; then it refreshes every subscription
# once and reads the server's CPU time for that from /proc. SUBSCRIBE refreshes/s is what the subscriptions cost a
# deployment whose clients refresh at half of EXPIRES.
#
# Settings (environment): USERS (10000), LIST_SIZE (40), RATE (50), DURATION (30), EXPIRES (3600), MODES ("direct list"),
# SIP_PORT (25060), HTTP_PORT (25080), OUT (benchmarks/results). Writes $OUT/<date>-lists.md and .tsv.
# Every load loop is bounded (DURATION, setup and drain timeouts); everything stays on loopback.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
USERS="${USERS:-10000}"
LIST_SIZE="${LIST_SIZE:-40}"
RATE="${RATE:-50}"
DURATION="${DURATION:-30}"
EXPIRES="${EXPIRES:-3600}"
MODES="${MODES:-direct list}"
SIP_PORT="${SIP_PORT:-25060}"
HTTP_PORT="${HTTP_PORT:-25080}"
OUT="${OUT:-$ROOT/benchmarks/results}"
DATE="$(date -u +%F)"
WORK="$(mktemp -d /tmp/presence-lists.XXXXXX)"
TOKEN="bench-token-0123456789"
SERVER_DLL="$ROOT/src/Presence.Server/bin/Release/net10.0/Presence.Server.dll"
LOADGEN_DLL="$ROOT/benchmarks/Presence.LoadGen/bin/Release/net10.0/Presence.LoadGen.dll"
TSV="$WORK/lists.tsv"
command -v curl >/dev/null || { echo "curl is missing: run benchmarks/install-bench-deps.sh as root" >&2; exit 2; }

# shellcheck source=lib/process.sh
. "$ROOT/benchmarks/lib/process.sh"
# shellcheck source=lib/server.sh
. "$ROOT/benchmarks/lib/server.sh"
bench_prepare

for mode in $MODES; do
  echo "== $mode: $USERS users x $LIST_SIZE buddies, $RATE PUBLISH/s for $DURATION s"
  start_server "$WORK/$mode" "--Http:Token=$TOKEN"
  rc=0
  timeout 1800 dotnet "$LOADGEN_DLL" lists --mode "$mode" --server "127.0.0.1:$SIP_PORT" --api "http://127.0.0.1:$HTTP_PORT" \
    --token "$TOKEN" --users "$USERS" --list-size "$LIST_SIZE" --rate "$RATE" --duration "$DURATION" --expires "$EXPIRES" \
    --server-pid "$SERVER_PID" --out "$TSV" || rc=$?
  [ "$rc" = 0 ] || echo "LoadGen exited with $rc (see above)"
  stop_process "$SERVER_PID" 10
  SERVER_PID=""
done

mkdir -p "$OUT"
cp "$TSV" "$OUT/$DATE-lists.tsv"
{
  echo "# Buddy lists: one subscription per list (RFC 4662) against one per buddy ($DATE)"
  echo
  echo "\`USERS=$USERS LIST_SIZE=$LIST_SIZE RATE=$RATE DURATION=$DURATION EXPIRES=$EXPIRES benchmarks/lists.sh\` on $(nproc) cores,"
  echo "SQLite (every 2xx on disk), UDP. Each user watches the $LIST_SIZE users after it; changes are PUBLISHes of random users."
  echo
  python3 - "$TSV" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter='\t'))
header, data = rows[0], rows[1:]
print('| ' + ' | '.join(['measure'] + [r[0] for r in data]) + ' |')
print('|' + '---|' * (len(data) + 1))
for i, name in enumerate(header[1:], start=1):
    print('| ' + ' | '.join([name] + [r[i] for r in data]) + ' |')
PY
} >"$OUT/$DATE-lists.md"
echo "Results: $OUT/$DATE-lists.md"
cat "$OUT/$DATE-lists.md"
