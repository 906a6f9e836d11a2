#!/usr/bin/env bash
# A whole Orleans cluster on loopback, each member its own process: PostgreSQL (Debian's, in a temporary data
# directory) with the membership, reminder and users' tables, N silos (users' grains, the HTTP API) and M edges
# (SIP). For trying the cluster out and for the tests; not for production (see systemd/ and the README's
# "The cluster" section for that).
#
#   cluster-config/local-cluster.sh start [silos=3] [edges=2]   start everything, wait until it serves
#   cluster-config/local-cluster.sh status                      the membership as silo1 sees it
#   cluster-config/local-cluster.sh stop                        edges, then silos one by one (graceful leave), then PostgreSQL
#
# Ports (override with the variables): edges SIP $EDGE_PORT, +2, ... (UDP and TCP); Orleans silo-to-silo
# $SILO_PORT+i for member i; HTTP API $HTTP_PORT+i for silo i and $HTTP_PORT+50+i for edge i; PostgreSQL $PG_PORT.
# Digest authentication and the per-source rate limit are on, as for any user: provision users with presencectl or
# the API (AUTH_ENABLED=false and RATE_LIMIT_ENABLED=false turn them off, for load generators that cannot
# authenticate). State, logs, pid files (pids/<member>) and the API token: $CLUSTER_DIR.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLUSTER_DIR="${CLUSTER_DIR:-/tmp/presence-local-cluster}"
EDGE_PORT="${EDGE_PORT:-15060}"
SILO_PORT="${SILO_PORT:-11110}"
HTTP_PORT="${HTTP_PORT:-18080}"
PG_PORT="${PG_PORT:-15432}"
# Built by the script unless SERVER_DLL names a build to use (the tests pass their own).
SERVER_DLL="${SERVER_DLL:-}"

pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
  if [ -z "$dir" ]; then
    echo "Installing PostgreSQL from Debian (needs root)..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    dir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  fi
  echo "$dir"
}

# PostgreSQL refuses to run as root: run its tools as the Debian package's postgres user then.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

connection() { echo "Host=127.0.0.1;Port=$PG_PORT;Database=presence;Username=postgres"; }

start_member() {
  local name="$1" role="$2" sip="$3" http="$4" silo_port="$5"
  local data="$CLUSTER_DIR/$name"
  mkdir -p "$data"
  local args=(
    "--Cluster:Enabled=true" "--Cluster:Role=$role" "--Cluster:SiloName=$name"
    "--Cluster:ConnectionString=$(connection)" "--Cluster:SiloPort=$silo_port" "--Cluster:AdvertisedAddress=127.0.0.1"
    "--Sip:ListenAddress=127.0.0.1" "--Sip:UdpPort=$sip" "--Sip:TcpPort=$sip" "--Sip:TlsPort=0"
    "--Http:Urls=http://127.0.0.1:$http" "--Http:Token=$(cat "$CLUSTER_DIR/api-token")"
    "--Presence:CalendarKey=$(cat "$CLUSTER_DIR/calendar-key")"
    "--Auth:Enabled=${AUTH_ENABLED:-true}" "--Sip:RateLimit:Enabled=${RATE_LIMIT_ENABLED:-true}"
    "--Logging:Console:FormatterName=simple"
  )
  if [ "$role" = "silo" ]; then
    args+=("--Presence:Store=postgres" "--Presence:ConnectionString=$(connection)")
  fi
  # exec: the background subshell becomes the server, so its pid is the server's and it holds none of the
  # script's own descriptors (a caller reading the script's output sees it end).
  (cd "$data" && exec dotnet "$SERVER_DLL" "${args[@]}" >"$CLUSTER_DIR/logs/$name.log" 2>&1 </dev/null) &
  echo $! >"$CLUSTER_DIR/pids/$name"
  if [ "$role" = "silo" ]; then
    echo "$name: silo (users), Orleans 127.0.0.1:$silo_port, HTTP http://127.0.0.1:$http (log $CLUSTER_DIR/logs/$name.log)"
  else
    echo "$name: edge (SIP udp/tcp 127.0.0.1:$sip), Orleans 127.0.0.1:$silo_port (log $CLUSTER_DIR/logs/$name.log)"
  fi
}

wait_healthy() {
  local name="$1" http="$2"
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$http/health" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$(cat "$CLUSTER_DIR/pids/$name")" 2>/dev/null; then
      echo "$name exited; its log:" >&2; tail -30 "$CLUSTER_DIR/logs/$name.log" >&2; return 1
    fi
    sleep 0.5
  done
  echo "$name did not answer on HTTP within 60 s" >&2
  return 1
}

start() {
  local silos="${1:-3}" edges="${2:-2}"
  if [ -d "$CLUSTER_DIR/pids" ] && ls "$CLUSTER_DIR/pids"/* >/dev/null 2>&1; then
    echo "A local cluster is already running in $CLUSTER_DIR (stop it first)." >&2; exit 1
  fi
  local bin; bin="$(pg_bin)"
  mkdir -p "$CLUSTER_DIR/logs" "$CLUSTER_DIR/pids"
  [ -f "$CLUSTER_DIR/api-token" ] || head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' >"$CLUSTER_DIR/api-token"
  # One key for calendar sources' passwords on every member (a user's grain may fetch on any silo).
  [ -f "$CLUSTER_DIR/calendar-key" ] || head -c 32 /dev/urandom | base64 >"$CLUSTER_DIR/calendar-key"

  if [ -z "$SERVER_DLL" ]; then
    echo "Building the server..."
    dotnet build "$ROOT/src/Presence.Server" -c Release -v quiet -nologo >/dev/null
    SERVER_DLL="$ROOT/src/Presence.Server/bin/Release/net10.0/Presence.Server.dll"
  fi
  echo "$SERVER_DLL" >"$CLUSTER_DIR/server-dll"

  local pgdata="$CLUSTER_DIR/pg"
  if [ ! -d "$pgdata" ]; then
    mkdir -p "$pgdata"
    [ "$(id -u)" -eq 0 ] && chown postgres "$CLUSTER_DIR" "$pgdata"
    as_pg "$bin/initdb" -D "$pgdata" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  # Connections: each silo's store pools up to 20 and Orleans' membership and reminders up to 10 per member (README
  # "PostgreSQL sizing"), plus room for psql and the tools.
  local connections=$((silos * 30 + edges * 10 + 20))
  [ "$connections" -ge 100 ] || connections=100
  as_pg "$bin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w \
    -o "-p $PG_PORT -k $pgdata -c listen_addresses=127.0.0.1 -c max_connections=$connections" start >/dev/null
  "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qtAc "SELECT 1 FROM pg_database WHERE datname = 'presence'" | grep -q 1 \
    || "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE presence"
  "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d presence -v ON_ERROR_STOP=1 -qf "$ROOT/cluster-config/schema.sql" >/dev/null
  echo "PostgreSQL: 127.0.0.1:$PG_PORT, database presence"

  local i
  for i in $(seq 1 "$silos"); do start_member "silo$i" silo 0 $((HTTP_PORT + i)) $((SILO_PORT + i)); done
  for i in $(seq 1 "$silos"); do wait_healthy "silo$i" $((HTTP_PORT + i)); done
  for i in $(seq 1 "$edges"); do start_member "edge$i" edge $((EDGE_PORT + 2 * (i - 1))) $((HTTP_PORT + 50 + i)) $((SILO_PORT + 50 + i)); done
  for i in $(seq 1 "$edges"); do wait_healthy "edge$i" $((HTTP_PORT + 50 + i)); done
  echo "Cluster up. API token: $CLUSTER_DIR/api-token. Point SIP clients at 127.0.0.1:$EDGE_PORT."
  echo "Provision a user: curl -H \"Authorization: Bearer \$(cat $CLUSTER_DIR/api-token)\" -d '{\"aor\":\"alice@example.com\",\"password\":\"correct-horse\"}' -H 'Content-Type: application/json' http://127.0.0.1:$((HTTP_PORT + 1))/api/users"
}

stop_member() {
  local name="$1" pidfile="$CLUSTER_DIR/pids/$1"
  [ -f "$pidfile" ] || return 0
  local pid; pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then echo "$name did not stop in 30 s; killing it" >&2; kill -KILL "$pid" || true; fi
  fi
  rm -f "$pidfile"
  echo "$name stopped"
}

stop() {
  [ -d "$CLUSTER_DIR" ] || { echo "No local cluster in $CLUSTER_DIR."; return 0; }
  local name
  # Edges first (they hold no state), then silos one at a time so each hands its users to those left.
  for name in $(ls "$CLUSTER_DIR/pids" 2>/dev/null | grep '^edge' || true); do stop_member "$name"; done
  for name in $(ls "$CLUSTER_DIR/pids" 2>/dev/null | grep '^silo' | sort -r || true); do stop_member "$name"; done
  if [ -f "$CLUSTER_DIR/pg/postmaster.pid" ]; then
    as_pg "$(pg_bin)/pg_ctl" -D "$CLUSTER_DIR/pg" -m fast -w stop >/dev/null
    echo "PostgreSQL stopped"
  fi
  if [ "${KEEP:-0}" != "1" ]; then rm -rf "$CLUSTER_DIR"; fi
}

status() {
  curl -fsS -H "Authorization: Bearer $(cat "$CLUSTER_DIR/api-token")" "http://127.0.0.1:$((HTTP_PORT + 1))/api/cluster"
  echo
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
