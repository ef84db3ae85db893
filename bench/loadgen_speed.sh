#!/usr/bin/env bash
# loadgen against wrk (and autocannon, when Node and npm are present), side by side in one
# run against the same local server (native-cluster, one worker): each tool's requests per
# second and CPU seconds per million requests, medians of RUNS runs, and the ratios; then
# loadgen's peak memory (RSS) with 1,000 connections.
#   bench/loadgen_speed.sh [BIN_DIR]      (env: RUNS=3 DURATION=5 CONNECTIONS=100)
set -euo pipefail
source "$(dirname "$0")/common.sh"
bin=${1:-build/bin}
runs=${RUNS:-3}
duration=${DURATION:-5}
connections=${CONNECTIONS:-100}
scratch=$(cd "$bin/.." && pwd)/bench/node
command -v wrk >/dev/null || { echo "loadgen_speed: wrk is not installed (scripts/bootstrap installs it)" >&2; exit 2; }

server_log=$(mktemp)
"$bin/native-cluster" --workers 1 --threads 1100 --port 0 --json >"$server_log" 2>/dev/null &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$server_log"' EXIT
port=$(wait_for_cluster "$server_log" 1)
url="http://127.0.0.1:$port/"

autocannon=$(npm_tool "$scratch" autocannon)

# run TOOL: prints "requests cpu_seconds elapsed_seconds" for one run.
run() {
  local out timing
  out=$(mktemp); timing=$(mktemp)
  case $1 in
    loadgen) /usr/bin/time -f "%U %S %e" -o "$timing" "$bin/loadgen" -c "$connections" -w 1 -d "$duration" -j "$url" >"$out"
             requests=$(grep -o '"responses":[0-9]*' "$out" | cut -d: -f2) ;;
    wrk) /usr/bin/time -f "%U %S %e" -o "$timing" wrk -t1 -c"$connections" -d"${duration}s" "$url" >"$out"
         requests=$(awk '/requests in/ {print $1}' "$out") ;;
    autocannon) /usr/bin/time -f "%U %S %e" -o "$timing" "$autocannon" -c "$connections" -d "$duration" -j "$url" >"$out" 2>/dev/null
                requests=$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(r.requests.total)' "$out") ;;
  esac
  read -r user sys elapsed <"$timing"
  echo "$requests $(echo "$user + $sys" | bc -l) $elapsed"
  rm -f "$out" "$timing"
}

tools="loadgen wrk"
[ -n "$autocannon" ] && tools="$tools autocannon"
declare -A rps cpu
for tool in $tools; do
  results=$(for _ in $(seq "$runs"); do run "$tool"; done)
  rps[$tool]=$(echo "$results" | awk -v d="$duration" '{print $1 / d}' | median)
  cpu[$tool]=$(echo "$results" | awk '{print $2 / $1 * 1e6}' | median)
done

echo "Against native-cluster (1 worker) on $url: $connections connections, ${duration}s, median of $runs runs"
printf "%-11s %12s %22s %14s %16s\n" tool "req/s" "CPU s / 1M requests" "req/s vs wrk" "CPU vs wrk"
for tool in $tools; do
  printf "%-11s %12.0f %22.2f %13.2fx %15.2fx\n" "$tool" "${rps[$tool]}" "${cpu[$tool]}" \
    "$(echo "${rps[$tool]} / ${rps[wrk]}" | bc -l)" "$(echo "${cpu[$tool]} / ${cpu[wrk]}" | bc -l)"
done
if [ -n "$autocannon" ]; then
  printf "loadgen/autocannon: %.2fx the requests per second, %.2fx the CPU per request\n" \
    "$(echo "${rps[loadgen]} / ${rps[autocannon]}" | bc -l)" "$(echo "${cpu[loadgen]} / ${cpu[autocannon]}" | bc -l)"
else
  echo "(autocannon not measured: node and npm are not installed)"
fi

rss_kb=$(/usr/bin/time -f "%M" "$bin/loadgen" -c 1000 -d 2 -j "$url" 2>&1 >/dev/null | tail -1)
printf "loadgen peak RSS at -c 1000: %.1f MB\n" "$(echo "$rss_kb / 1024" | bc -l)"
