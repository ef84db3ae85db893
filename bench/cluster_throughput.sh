#!/usr/bin/env bash
# Requests per second of native-cluster under wrk, for each listen policy and 1..2x cores
# workers, side by side in one run; the median of RUNS runs per cell.
#   bench/cluster_throughput.sh [BIN_DIR]     (env: RUNS=3 DURATION=5 CONNECTIONS=100)
set -euo pipefail
source "$(dirname "$0")/common.sh"
bin=${1:-build/bin}
runs=${RUNS:-3}
duration=${DURATION:-5}
connections=${CONNECTIONS:-100}
cores=$(nproc)
command -v wrk >/dev/null || { echo "cluster_throughput: wrk is not installed (scripts/bootstrap installs it)" >&2; exit 2; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

run_cell() {  # policy workers -> median req/s
  local policy=$1 workers=$2 out port pid
  out=$(mktemp)
  "$bin/native-cluster" --workers "$workers" --policy "$policy" --port 0 --json >"$out" 2>/dev/null &
  pid=$!; pids+=("$pid")
  port=$(wait_for_cluster "$out" "$workers")
  for _ in $(seq "$runs"); do
    wrk -t1 -c"$connections" -d"${duration}s" "http://127.0.0.1:$port/" | awk '/Requests\/sec/ {print $2}'
  done | median
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  rm -f "$out"
}

printf "wrk -t1 -c%s -d%ss, median of %s runs, %s cores\n" "$connections" "$duration" "$runs" "$cores"
printf "%-12s %8s %12s %9s\n" policy workers "req/s" "vs 1"
for policy in round-robin shared reuseport; do
  base=""
  for workers in 1 "$cores" $((cores * 2)); do
    rps=$(run_cell "$policy" "$workers")
    [ -z "$base" ] && base=$rps
    printf "%-12s %8s %12.0f %8.2fx\n" "$policy" "$workers" "$rps" "$(echo "$rps / $base" | bc -l)"
  done
done
