#!/usr/bin/env bash
# One worker holding 10,000 mostly idle keep-alive connections while it serves: its memory
# (RSS), its descriptors, and the latency of `/` under -c 100 meanwhile, for the event-loop
# worker, the thread-per-connection worker (512 threads) and Node's http server (when node is
# on PATH), side by side in one run.
#   bench/idle_connections.sh [BIN_DIR]     (env: IDLE=10000 DURATION=3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
bin=${1:-build/bin}
idle=${IDLE:-10000}
duration=${DURATION:-3}
use_scratch

# measure LABEL: the server is running (last of pids) with its worker `worker` on `port`.
measure() {
  local label=$1 holder json fds rss
  "$bin/loadgen" -c "$idle" -R 100 -d 120 -n "http://127.0.0.1:$port/" >"$scratch/idle.out" 2>&1 &
  holder=$!
  local last=-1 steady=0
  for _ in $(seq 100); do  # until every connection is open, or their number stops growing
    sleep 0.2
    fds=$(ls "/proc/$worker/fd" 2>/dev/null | wc -l)
    [ "$fds" -ge "$idle" ] && break
    if [ "$fds" -eq "$last" ]; then steady=$((steady + 1)); else steady=0; fi
    [ "$steady" -ge 10 ] && break
    last=$fds
  done
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$worker/status")
  json=$("$bin/loadgen" -c 100 -d "$duration" -t 5 -j "http://127.0.0.1:$port/")
  kill -KILL "$holder" 2>/dev/null || true  # its report is not needed
  wait "$holder" 2>/dev/null || true
  local p99="-"  # no response, no latency
  [ "$(json_field "$json" responses)" -gt 0 ] &&
    p99=$(json_latency "$json" p99)
  printf "%-28s %9s %9.1f %10.0f %9s %9s\n" "$label" "$fds" "$(echo "$rss / 1024" | bc -l)" \
    "$(echo "$(json_field "$json" responses) / $(json_field "$json" duration)" | bc -l)" "$p99" \
    "$(( $(json_field "$json" errors) + $(json_field "$json" timeouts) ))"
  kill -TERM "${pids[-1]}" 2>/dev/null || true
  wait "${pids[-1]}" 2>/dev/null || true
  unset 'pids[-1]'
}

start_cluster() {  # extra native-cluster flags
  local log="$scratch/cluster.log"
  "$bin/native-cluster" --workers 1 --port 0 --json "$@" >"$log" 2>/dev/null &
  pids+=("$!")
  port=$(wait_for_cluster "$log" 1)
  worker=$(grep '"event":"listening"' "$log" | grep -o '"pid":[0-9]*' | head -1 | cut -d: -f2)
}

printf "%s idle keep-alive connections on one worker, then loadgen -c 100 -d %s on / meanwhile\n" \
  "$idle" "$duration"
printf "%-28s %9s %9s %10s %9s %9s\n" server descriptors "RSS MB" "req/s" "p99 ms" errors
start_cluster --model event
measure "native-cluster event"
start_cluster --model threads
measure "native-cluster threads (512)"
if command -v node >/dev/null; then
  node "$here/node_cluster.js" 1 >"$scratch/node.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 200); do grep -q '^port ' "$scratch/node.log" && break; sleep 0.05; done
  port=$(awk '/^port / {print $2; exit}' "$scratch/node.log")
  worker=$(awk '/^worker / {print $2; exit}' "$scratch/node.log")
  measure "node (http.createServer)"
fi
