#!/usr/bin/env bash
# Grain storage side by side (our ItemGrainStorage against Orleans' Persistence.AdoNet): one command.
#
#   benchmarks/storage.sh [--duration 10s] [--concurrency 1,16,64,256] [other options of the tool]
#
# Builds benchmarks/Presence.Storage.Benchmarks (Release), starts a throwaway PostgreSQL (fsync on, synchronous_commit
# on: durable commits, as our stores make them) on 127.0.0.1 at a free port, runs the tool against it and stops and
# deletes the server at the end, also on failure or Ctrl-C. The tool writes benchmarks/results/DATE-storage.md
# (--out to change it); its options: dotnet benchmarks/Presence.Storage.Benchmarks/bin/Release/net10.0/Presence.Storage.Benchmarks.dll --help.
#
# Targets: ours-sqlite, ours-postgres, adonet-postgres, adonet-sqlite (each on a fresh file or database).
# The server gets max_connections=200 so that Npgsql's default pool (100 connections, what Persistence.AdoNet uses)
# fits beside the tool's own connections; everything else is PostgreSQL's default.
#
# Settings (environment): PG_PORT (the first free port from 35440), KEEP=1 keeps the work dir (PostgreSQL's data and log).
# Needs PostgreSQL's server binaries (apt-get install postgresql) and, when run as root, its postgres user.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROJECT="$ROOT/benchmarks/Presence.Storage.Benchmarks"
TOOL_DLL="$PROJECT/bin/Release/net10.0/Presence.Storage.Benchmarks.dll"
WORK="$(mktemp -d /tmp/presence-storage.XXXXXX)"

PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
[ -n "$PG_BIN" ] || { echo "PostgreSQL is missing: apt-get install postgresql (or run benchmarks/install-bench-deps.sh)" >&2; exit 2; }

# PostgreSQL refuses to run as root: its tools run as the Debian package's postgres user then.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
if [ -z "${PG_PORT:-}" ]; then
  PG_PORT=35440
  while ! port_free "$PG_PORT"; do PG_PORT=$((PG_PORT + 1)); done
fi

PG_STARTED=0
cleanup() {
  if [ "$PG_STARTED" = 1 ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -m fast -w -t 30 stop >/dev/null 2>&1 \
      || as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ "${KEEP:-0}" = 1 ]; then echo "Work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "Building Presence.Storage.Benchmarks (Release)..."
dotnet build "$PROJECT" -c Release -m:1 -v quiet -nologo >/dev/null

echo "Starting PostgreSQL on 127.0.0.1:$PG_PORT..."
mkdir -p "$WORK/pg"
[ "$(id -u)" -eq 0 ] && chown postgres "$WORK" "$WORK/pg"
as_pg "$PG_BIN/initdb" -D "$WORK/pg" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
PG_STARTED=1
as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w \
  -o "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections=200" \
  start >/dev/null

COMMAND="benchmarks/storage.sh${*:+ $*}"
cd "$ROOT"
dotnet "$TOOL_DLL" --postgres "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres" --command "$COMMAND" "$@"
