# Sourced by the benchmark scripts: stop_process PID [SECONDS] ends a process they started (SIGTERM, then SIGKILL
# after SECONDS, 10 by default) and reaps it; nothing happens for an empty or finished PID.
stop_process() {
  local pid="$1" seconds="${2:-10}"
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((seconds * 4))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
