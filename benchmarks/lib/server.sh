# Sourced by the benchmark scripts that run our server alone (transports.sh, lists.sh): start_server DIR [ARG...] starts
# it on the embedded default (SQLite under DIR; authentication and the per-address rate limit off, as in every benchmark
# here) on 127.0.0.1:$SIP_PORT (UDP and TCP) and http://127.0.0.1:$HTTP_PORT, with the extra ARGs, sets SERVER_PID and
# waits (at most 60 s) until /health answers and, when READY_TCP_PORT is set, that port listens. Needs SERVER_DLL.
start_server() {
  local dir="$1"
  shift
  mkdir -p "$dir"
  (cd "$dir" && exec dotnet "$SERVER_DLL" --Sip:ListenAddress=127.0.0.1 "--Sip:UdpPort=$SIP_PORT" "--Sip:TcpPort=$SIP_PORT" \
    --Sip:TlsPort=0 "--Http:Urls=http://127.0.0.1:$HTTP_PORT" --Auth:Enabled=false --Sip:RateLimit:Enabled=false \
    "--Presence:DatabasePath=$dir/p.db" --Logging:LogLevel:Default=Warning "$@" >"$dir/server.log" 2>&1 </dev/null) &
  SERVER_PID=$!
  for _ in $(seq 1 240); do
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "the server exited; its log:" >&2; tail -20 "$dir/server.log" >&2; return 1; }
    if curl -fsS "http://127.0.0.1:$HTTP_PORT/health" >/dev/null 2>&1 \
      && { [ -z "${READY_TCP_PORT:-}" ] || ss -Hltn "sport = :$READY_TCP_PORT" | grep -q .; }; then
      return 0
    fi
    sleep 0.25
  done
  echo "the server did not serve within 60 s" >&2
  return 1
}

# bench_prepare (with server_cleanup): when the script ends, the server it started stops and WORK goes (kept with KEEP=1); then the server and
# LoadGen are built (Release). Needs ROOT and WORK, and lib/process.sh sourced.
server_cleanup() {
  stop_process "$SERVER_PID" 10
  if [ "${KEEP:-0}" = 1 ]; then echo "Work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
bench_prepare() {
  SERVER_PID=""
  trap server_cleanup EXIT
  trap 'exit 130' INT TERM
  echo "Building the server and LoadGen (Release)..."
  dotnet build "$ROOT/src/Presence.Server" -c Release -v quiet -nologo >/dev/null
  dotnet build "$ROOT/benchmarks/Presence.LoadGen" -c Release -v quiet -nologo >/dev/null
}
