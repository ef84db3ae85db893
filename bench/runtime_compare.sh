#!/usr/bin/env bash
# ClusterLab's worker side by side with the runtime it teaches about and the fastest server
# on the machine, under one load generator (loadgen) in one run: Node's cluster module with
# an http.createServer hello (bench/node_cluster.js, when node is on PATH), native-cluster in each serving model and
# listen policy, and nginx `return 200` (when installed: `scripts/bootstrap --bench`), at 1
# and 2 workers. Prints req/s, p50 and p99 (medians of RUNS runs) and the ratios against
# Node and nginx with the same number of workers.
#   bench/runtime_compare.sh [BIN_DIR]     (env: RUNS=3 DURATION=5 CONNECTIONS=100)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
bin=${1:-build/bin}
runs=${RUNS:-3}
duration=${DURATION:-5}
connections=${CONNECTIONS:-100}
use_scratch

# wait_for_line FILE PATTERN: waits (10 s at most) for a line matching PATTERN in FILE.
wait_for_line() {
  for _ in $(seq 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "runtime_compare: no '$2' in $1" >&2; return 1
}

# free_port: a port nothing listens on now (nginx cannot report a port it chose itself).
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

# start_server KIND WORKERS: sets `port`; the server's pid is the last in pids.
start_server() {
  local kind=$1 workers=$2 log="$scratch/server.log"
  : >"$log"
  case $kind in
    node)
      node "$here/node_cluster.js" "$workers" >"$log" 2>&1 &
      pids+=("$!"); wait_for_line "$log" '^port '; port=$(awk '/^port / {print $2; exit}' "$log") ;;
    nginx)
      port=$(free_port)
      mkdir -p "$scratch/nginx"
      cat >"$scratch/nginx/nginx.conf" <<CONF
worker_processes $workers;
pid $scratch/nginx/nginx.pid;
error_log $scratch/nginx/error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $scratch/nginx;
  server { listen 127.0.0.1:$port reuseport; location / { return 200 "Hello from nginx\n"; } }
}
CONF
      nginx -p "$scratch/nginx" -c "$scratch/nginx/nginx.conf" 2>>"$log" &
      pids+=("$!")
      for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done ;;
    *)  # native-cluster: "MODEL POLICY"
      read -r model policy <<<"$kind"
      "$bin/native-cluster" --workers "$workers" --model "$model" --policy "$policy" --port 0 --json \
        >"$log" 2>/dev/null &
      pids+=("$!"); port=$(wait_for_cluster "$log" "$workers") ;;
  esac
}

stop_server() {
  local pid=${pids[-1]}
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset 'pids[-1]'
}

# measure KIND WORKERS: sets result[KIND/WORKERS] to "req/s p50 p99", each the median of
# the runs.
measure() {
  local port rps=() p50=() p99=() json
  start_server "$1" "$2"
  "$bin/loadgen" -c "$connections" -d 1 -n "http://127.0.0.1:$port/" >/dev/null  # warm up
  for _ in $(seq "$runs"); do
    json=$("$bin/loadgen" -c "$connections" -d "$duration" -j "http://127.0.0.1:$port/")
    rps+=("$(json_field "$json" responses) / $(json_field "$json" duration)")
    p50+=("$(json_latency "$json" p50)")
    p99+=("$(json_latency "$json" p99)")
  done
  stop_server
  result["$1/$2"]="$(for r in "${rps[@]}"; do echo "$r" | bc -l; done | median) $(printf "%s\n" "${p50[@]}" | median) $(printf "%s\n" "${p99[@]}" | median)"
}


kinds=()
command -v node >/dev/null && kinds+=(node) || echo "(node is not on PATH: no Node column)"
kinds+=("event round-robin" "event shared" "event reuseport"
        "threads round-robin" "threads shared" "threads reuseport")
command -v nginx >/dev/null && kinds+=(nginx) || echo "(nginx is not installed: scripts/bootstrap --bench)"

printf "loadgen -c%s -d%s, medians of %s runs, %s cores (the load generator shares them)\n" \
  "$connections" "$duration" "$runs" "$(nproc)"
printf "%-36s %7s %10s %8s %8s %8s %8s\n" server workers "req/s" "p50 ms" "p99 ms" "vs node" "vs nginx"
declare -A result
for workers in 1 2; do
  for kind in "${kinds[@]}"; do
    echo -n "  measuring $kind, $workers worker(s)..." >&2
    measure "$kind" "$workers"
    echo -ne "\r\033[K" >&2
  done
  for kind in "${kinds[@]}"; do
    read -r rps p50 p99 <<<"${result["$kind/$workers"]}"
    vs_node="-"; vs_nginx="-"
    [ -n "${result["node/$workers"]:-}" ] && vs_node=$(printf "%.2fx" "$(echo "$rps / ${result["node/$workers"]%% *}" | bc -l)")
    [ -n "${result["nginx/$workers"]:-}" ] && vs_nginx=$(printf "%.2fx" "$(echo "$rps / ${result["nginx/$workers"]%% *}" | bc -l)")
    label=$kind
    [[ $kind == event* || $kind == threads* ]] && label="native-cluster $kind"
    printf "%-36s %7s %10.0f %8.2f %8.2f %8s %8s\n" "$label" "$workers" "$rps" "$p50" "$p99" "$vs_node" "$vs_nginx"
  done
done
for kind in "${kinds[@]}"; do
  one=${result["$kind/1"]%% *}; two=${result["$kind/2"]%% *}
  printf "%-36s 2 workers / 1: %.2fx\n" "$kind" "$(echo "$two / $one" | bc -l)"
done
