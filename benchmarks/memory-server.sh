#!/usr/bin/env bash
# Memory of the real server with its users loaded (issue 7): seeds a fresh SQLite store with USERS users and WATCHERS
# subscriptions each (Presence.LoadGen seed), starts the server on it (Release, idle timeout 2 h so nothing leaves
# memory), activates every user by reading its presence over the HTTP API, and prints the server's resident memory
# and what it says it holds. Compare with `Presence.Core.Benchmarks -- memory`, which measures the managed heap of
# the same users built in-process.
#
#   USERS=1000000 WATCHERS=10 benchmarks/memory-server.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
USERS="${USERS:-1000000}"; WATCHERS="${WATCHERS:-10}"; SHARDS="${SHARDS:-4}"; HTTP_PORT="${HTTP_PORT:-26190}"; SIP_PORT="${SIP_PORT:-26170}"
WORK="$(mktemp -d /tmp/presence-memory.XXXXXX)"
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
dotnet build "$ROOT/src/Presence.Server" -c Release -v quiet -nologo >/dev/null
dotnet build "$ROOT/benchmarks/Presence.LoadGen" -c Release -v quiet -nologo >/dev/null
dotnet "$ROOT/benchmarks/Presence.LoadGen/bin/Release/net10.0/Presence.LoadGen.dll" seed --store "$WORK/p.db" --users "$USERS" \
  --watchers "$WATCHERS" --run-id mem 2>/dev/null
sync
(cd "$WORK" && exec dotnet "$ROOT/src/Presence.Server/bin/Release/net10.0/Presence.Server.dll" --Sip:ListenAddress=127.0.0.1 \
  "--Sip:UdpPort=$SIP_PORT" "--Sip:TcpPort=$SIP_PORT" --Sip:TlsPort=0 "--Http:Urls=http://127.0.0.1:$HTTP_PORT" --Http:Token=memory \
  --Auth:Enabled=false "--Presence:DatabasePath=$WORK/p.db" --Presence:IdleTimeout=02:00:00 --Logging:LogLevel:Default=Warning \
  >"$WORK/server.log" 2>&1 </dev/null) &
SERVER_PID=$!
for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$HTTP_PORT/health" >/dev/null 2>&1 && break; sleep 0.5; done
rss() { awk '/VmRSS/{printf "%.0f", $2 / 1024}' "/proc/$SERVER_PID/status"; }
echo "Server started: $(rss) MiB resident with nothing loaded."
start=$(date +%s)
shards=()
for s in $(seq 0 $((SHARDS - 1))); do
  python3 "$ROOT/benchmarks/memory/activate.py" "$HTTP_PORT" memory mem "$USERS" 8 "$s" "$SHARDS" &
  shards+=($!)
done
for pid in "${shards[@]}"; do wait "$pid"; done
metrics=$(curl -fsS -H "Authorization: Bearer memory" "http://127.0.0.1:$HTTP_PORT/metrics")
# A sample line is the name, its labels (otel_scope_name, ...) in braces, then the value: the value is the last field.
active=$(echo "$metrics" | awk '/^presence_users_active[ {]/{print $NF}')
subs=$(echo "$metrics" | awk '/^presence_subscriptions[ {]/{print $NF}')
echo "Activated in $(( $(date +%s) - start )) s: $active users and $subs subscriptions in memory, $(rss) MiB resident" \
  "($(awk -v r="$(rss)" -v s="$subs" 'BEGIN{printf "%.0f", r * 1048576 / s}') B per subscription, all counted)."
