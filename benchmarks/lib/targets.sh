# Sourced by the benchmark scripts that run the same SIP workload against each server (compare.sh, sipp.sh): ours on
# SQLite or PostgreSQL, Kamailio 5.6 with its presence modules in memory or on PostgreSQL. Needs ROOT, WORK, PG_PORT,
# SIP_PORT, HTTP_PORT, KAM_CFG, KAM_CHILDREN and SERVER_DLL set; gives start_pg, start_target TARGET DIR, stop_target,
# stop_pg, target_pids (the server's processes, for CPU accounting) and PG_BIN.
KAM_SQL=/usr/share/kamailio/postgres
[ -f "$KAM_SQL/presence-create.sql" ] || { echo "kamailio-postgres-modules is missing: run benchmarks/install-bench-deps.sh" >&2; exit 2; }
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
[ -n "$PG_BIN" ] || { echo "PostgreSQL is missing: run benchmarks/install-bench-deps.sh" >&2; exit 2; }

# PostgreSQL refuses to run as root: its tools run as the Debian package's postgres user then.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
psql_pg() { PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qX "$@"; }

TARGET_PID=""
PG_STARTED=0

# shellcheck source=lib/process.sh
. "$ROOT/benchmarks/lib/process.sh"
stop_target() {
  stop_process "$TARGET_PID" 10
  TARGET_PID=""
}

stop_pg() {
  if [ "$PG_STARTED" = 1 ]; then as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -m immediate -w stop >/dev/null 2>&1 || true; fi
  PG_STARTED=0
}

# Starts a throwaway PostgreSQL under $WORK/pg on 127.0.0.1:$PG_PORT.
start_pg() {
  echo "Starting PostgreSQL on 127.0.0.1:$PG_PORT..."
  mkdir -p "$WORK/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres "$WORK" "$WORK/pg"
  as_pg "$PG_BIN/initdb" -D "$WORK/pg" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  PG_STARTED=1
  as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w \
    -o "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1" start >/dev/null
}

# A fresh database for each run: no target sees another's or an earlier run's state.
fresh_db() {
  local name="$1"
  psql_pg -d postgres -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name" >/dev/null
  if [ "$name" = kamailio ]; then
    local part
    for part in standard presence usrloc; do psql_pg -d kamailio -f "$KAM_SQL/$part-create.sql" >/dev/null; done
  fi
}

udp_listening() { ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; }

# Starts TARGET on SIP_PORT with state under DIR and waits until it serves (bounded).
start_target() {
  local target="$1" dir="$2"
  mkdir -p "$dir"
  local ours=(--Sip:ListenAddress=127.0.0.1 "--Sip:UdpPort=$SIP_PORT" "--Sip:TcpPort=$SIP_PORT" --Sip:TlsPort=0
    "--Http:Urls=http://127.0.0.1:$HTTP_PORT" --Auth:Enabled=false --Sip:RateLimit:Enabled=false
    "--Presence:DatabasePath=$dir/p.db" --Logging:LogLevel:Default=Warning)
  local kam=(-DD -E -f "$KAM_CFG" -m 1024 -M 32 -Y "$dir" -w "$dir" -A "LISTEN=udp:127.0.0.1:$SIP_PORT" -A "CHILDREN=$KAM_CHILDREN")
  case "$target" in
    ours-sqlite) (cd "$dir" && exec dotnet "$SERVER_DLL" "${ours[@]}" >"$dir/server.log" 2>&1 </dev/null) & ;;
    ours-orleans-dashboard)
      (cd "$dir" && exec dotnet "$SERVER_DLL" "${ours[@]}" --OrleansDashboard:Enabled=true --Http:Token=bench-token-0123456789 \
        >"$dir/server.log" 2>&1 </dev/null) & ;;
    ours-postgres)
      fresh_db presence
      (cd "$dir" && exec dotnet "$SERVER_DLL" "${ours[@]}" --Presence:Store=postgres \
        "--Presence:ConnectionString=Host=127.0.0.1;Port=$PG_PORT;Database=presence;Username=postgres" \
        >"$dir/server.log" 2>&1 </dev/null) & ;;
    kamailio-durable)
      fresh_db kamailio
      (exec kamailio "${kam[@]}" -A DURABLE -A "DBURL=\"postgres://postgres@127.0.0.1:$PG_PORT/kamailio\"" \
        >"$dir/server.log" 2>&1 </dev/null) & ;;
    kamailio-memory) (exec kamailio "${kam[@]}" >"$dir/server.log" 2>&1 </dev/null) & ;;
    *) echo "unknown target $target" >&2; return 1 ;;
  esac
  TARGET_PID=$!
  for _ in $(seq 1 240); do
    if ! kill -0 "$TARGET_PID" 2>/dev/null; then echo "$target exited; its log:" >&2; tail -20 "$dir/server.log" >&2; return 1; fi
    if [[ "$target" == ours-* ]]; then
      curl -fsS "http://127.0.0.1:$HTTP_PORT/health" >/dev/null 2>&1 && udp_listening "$SIP_PORT" && return 0
    else
      # Kamailio binds before it forks its workers; give them a moment after the socket appears.
      udp_listening "$SIP_PORT" && { sleep 1; return 0; }
    fi
    sleep 0.25
  done
  echo "$target did not serve within 60 s" >&2
  return 1
}

# The PIDs of the running target: the server process and, for Kamailio, every process it forked.
target_pids() {
  [ -n "$TARGET_PID" ] || return 0
  if [ -d "/proc/$TARGET_PID" ] && [ "$(cat "/proc/$TARGET_PID/comm" 2>/dev/null)" = kamailio ]; then
    pgrep -s "$(ps -o sid= -p "$TARGET_PID" | tr -d ' ')" kamailio || echo "$TARGET_PID"
  else
    echo "$TARGET_PID"
  fi
}
