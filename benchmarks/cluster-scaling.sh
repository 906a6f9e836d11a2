#!/usr/bin/env bash
# Throughput of the cluster with 1, 2 and 3 silos behind one edge, on this machine: each round starts a fresh
# local cluster (cluster-config/local-cluster.sh: PostgreSQL, N silos, 1 edge), runs the same LoadGen workloads
# through the edge, and stops it. Everything shares the machine's cores, so on a small box this shows how the
# cost grows with members (and that it works), not a linear speed-up. Before each measured run the same workload
# runs for about WARMUP seconds (25) with other users, unrecorded, as in compare.sh: the JIT's tiering otherwise
# dominates the first tens of seconds of a fresh process.
#
#   benchmarks/cluster-scaling.sh [out-dir]      (default benchmarks/results/cluster-<date>)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/benchmarks/results/cluster-$(date +%F)}"
mkdir -p "$OUT"
export CLUSTER_DIR="${CLUSTER_DIR:-/tmp/presence-scaling}" EDGE_PORT=25060 SILO_PORT=25070 HTTP_PORT=28080 PG_PORT=25432
# LoadGen does not authenticate, and its thousands of users share a few loopback addresses: as in every benchmark
# here (and Kamailio's), authentication and the per-source rate limit are off.
export AUTH_ENABLED=false RATE_LIMIT_ENABLED=false
WARMUP="${WARMUP:-25}"

dotnet build "$ROOT/src/Presence.Server" -c Release -v quiet -nologo >/dev/null
dotnet build "$ROOT/benchmarks/Presence.LoadGen" -c Release -v quiet -nologo >/dev/null
LOADGEN="$ROOT/benchmarks/Presence.LoadGen/bin/Release/net10.0/Presence.LoadGen.dll"

for silos in 1 2 3; do
  bash "$ROOT/cluster-config/local-cluster.sh" stop >/dev/null 2>&1 || true
  bash "$ROOT/cluster-config/local-cluster.sh" start "$silos" 1 >/dev/null
  sleep 2
  for workload in register subscribe; do
    case "$workload" in
      register) args=(register --users 10000 --watchers 1 --concurrency 100) ;;
      subscribe) args=(subscribe --users 1000 --watchers 10 --concurrency 100) ;;
    esac
    echo "== $silos silo(s), $workload"
    started=$SECONDS i=0
    while [ "$WARMUP" -gt 0 ] && [ $((SECONDS - started)) -lt "$WARMUP" ] && [ $i -lt 20 ]; do
      i=$((i + 1))
      timeout 300 dotnet "$LOADGEN" "${args[@]}" --server "127.0.0.1:$EDGE_PORT" --progress none --run-id "w$i${workload:0:3}" \
        --out "$CLUSTER_DIR/warmup" >/dev/null 2>&1 || true
    done
    dotnet "$LOADGEN" "${args[@]}" --server "127.0.0.1:$EDGE_PORT" --run-id "s${silos}${workload:0:3}" --out "$OUT/$silos-silos" 2>&1 | tail -25 \
      | tee "$OUT/$silos-silos-$workload.txt" || true  # LoadGen exits 1 when a run had errors; the table says which
  done
  # Keep the members' logs with the results: an error in a table is explained there.
  mkdir -p "$OUT/$silos-silos/logs" && cp "$CLUSTER_DIR"/logs/*.log "$OUT/$silos-silos/logs/" 2>/dev/null || true
  bash "$ROOT/cluster-config/local-cluster.sh" stop >/dev/null
done
echo "Results in $OUT"
