#!/usr/bin/env bash
# mixed-load-per-policy.sh SECONDS: for each listen policy, a fresh cluster of two workers
# under a load with uneven request costs for SECONDS: 1 keep-alive connection asking for
# /work?ms=50 (50 ms of CPU each) and 20 asking for / (no work), at once. One row per
# policy: the latency of the / requests (p50, p99, max), the /work requests answered per
# second, and how the / requests were split between the workers. Every cluster is stopped
# before the next starts, and on any way out.
set -u
seconds=${1:-4}
work=$(mktemp -d "${TMPDIR:-/tmp}/mixed-load.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; wait; rm -rf "$work"' EXIT
field() { grep -o "\"$1\":[0-9.e+-]*" <<<"$2" | head -n 1 | cut -d: -f2; }

printf '%-12s %10s %10s %10s %9s   %s\n' policy "/ p50" "/ p99" "/ max" "/work/s" "/ served by each worker"
for policy in round-robin shared reuseport; do
  native-cluster --workers 2 --port 0 --policy "$policy" >"$work/cluster.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do
    [ "$(grep -c 'Worker [0-9]* started' "$work/cluster.log")" -ge 2 ] && break
    sleep 0.05
  done
  port=$(sed -n 's|.*Listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$work/cluster.log" | head -n 1)
  [ -n "$port" ] || { cat "$work/cluster.log"; exit 1; }
  loadgen -c 1 -d "$seconds" -j "http://127.0.0.1:$port/work?ms=50" >"$work/work.json" &
  load=$!
  loadgen -c 20 -R 2000 -d "$seconds" -j "http://127.0.0.1:$port/" >"$work/hello.json"
  wait "$load"
  kill -TERM "$pid" && wait "$pid"
  pid=
  hello=$(cat "$work/hello.json")
  latency=$(grep -o '"latency":{[^}]*}' <<<"$hello")
  requests=$(grep -o '"requests":{[^}]*}' "$work/work.json")
  shares=$(grep -o '"share":[0-9.]*' <<<"$hello" | cut -d: -f2 | awk '{ printf "%s%.0f%%", sep, $1 * 100; sep = " / " }')
  printf '%-12s %7.1f ms %7.1f ms %7.1f ms %9.0f   %s\n' "$policy" "$(field p50 "$latency")" \
    "$(field p99 "$latency")" "$(field max "$latency")" "$(field average "$requests")" "$shares"
done
