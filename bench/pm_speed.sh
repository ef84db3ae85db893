#!/usr/bin/env bash
# pm against PM2, side by side in one run (PM2 from npm into a scratch folder under the
# build directory, when Node and npm are present; never a build dependency). Each manager,
# with its daemon already running, and an app of 2 instances in cluster mode with
# wait_ready (clusterlab-app for pm; for PM2 a Node http server that sends 'ready'):
#   start   `start` of the app until both instances answer /api/health (median of RUNS)
#   list    one `list` (median of 20)
#   reload  one `reload` of the 2 instances (median of RUNS)
#   rss     the daemon's resident memory with 2 such apps running
#   failed  requests without a 2xx answer while 3 reloads run under loadgen -c 50 (an app
#           that answers at once; PM2's measured 177 read errors under wrk -c50)
#   bench/pm_speed.sh [BIN_DIR]      (env: RUNS=5)
set -euo pipefail
source "$(dirname "$0")/common.sh"
bin=$(cd "${1:-build/bin}" && pwd)
runs=${RUNS:-5}
scratch=$(cd "$bin/.." && pwd)/bench/node
work=$(mktemp -d)
cleanup() {
  PM_HOME="$work/pm" "$bin/pm" kill >/dev/null 2>&1 || true
  [ -n "${pm2:-}" ] && PM2_HOME="$work/pm2" "$pm2" kill >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# answered PORT: waits (10 s at most) until two requests to /api/health are answered by
# two different processes.
answered() {
  local port=$1 pids
  for _ in $(seq 1000); do
    pids=$( (curl -s "http://127.0.0.1:$port/api/health"; echo; curl -s "http://127.0.0.1:$port/api/health") |
      grep -o '"pid":[0-9]*' | sort -u | wc -l)
    [ "$pids" -ge 2 ] && return 0
    sleep 0.01
  done
  echo "pm_speed: nothing answers on port $port" >&2
  return 1
}
# A free loopback port, as the kernel picks one (PM2's apps need a number in advance).
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
# failed_during_reloads PORT RELOAD_COMMAND...: 3 reloads under 50 keep-alive connections;
# prints the requests that got no 2xx answer (errors, timeouts, non-2xx) and the total.
failed_during_reloads() {
  local port=$1 out; shift
  out=$(mktemp)
  "$bin/loadgen" -c 50 -d 8 -j "http://127.0.0.1:$port/" >"$out" &
  local load=$!
  sleep 1  # the load runs before the first reload
  for _ in 1 2 3; do "$@" >/dev/null; done
  wait "$load"
  local failed total
  failed=$(grep -oE '"(errors|timeouts|non2xx)":[0-9]+' "$out" | cut -d: -f2 | paste -sd+ | bc)
  total=$(grep -o '"sent":[0-9]*' "$out" | cut -d: -f2)
  rm -f "$out"
  echo "$failed/$total"
}

# ---- pm
export PM_HOME="$work/pm"
"$bin/pm" ping >/dev/null
pm_app() {
  cat >"$work/$1.json" <<JSON
{"apps":[{"name":"$1","script":"$bin/clusterlab-app","instances":2,"exec_mode":"cluster",
  "wait_ready":true,"listen_timeout":10000,"env":{"PORT":"$2"}}]}
JSON
}
pm_app bench 0  # PORT 0: a free port, which the start's answer names
start_ms=$(for _ in $(seq "$runs"); do
  t0=$(now_ms)
  port=$("$bin/pm" start --json "$work/bench.json" | grep -o '"port":[0-9]*' | head -1 | cut -d: -f2)
  answered "$port"; t1=$(now_ms)
  echo $((t1 - t0)); "$bin/pm" delete bench >/dev/null
done | median)
"$bin/pm" start "$work/bench.json" >/dev/null
list_ms=$(for _ in $(seq 20); do t0=$(date +%s%N); "$bin/pm" list >/dev/null; t1=$(date +%s%N); echo "scale=2; ($t1 - $t0) / 1000000" | bc; done | median)
reload_ms=$(for _ in $(seq "$runs"); do t0=$(now_ms); "$bin/pm" reload bench >/dev/null; t1=$(now_ms); echo $((t1 - t0)); done | median)
port=$("$bin/pm" jlist | grep -o '"port":[0-9]*' | head -1 | cut -d: -f2)
failed=$(failed_during_reloads "$port" "$bin/pm" reload bench)
pm_app bench2 0
"$bin/pm" start "$work/bench2.json" >/dev/null
rss=$(rss_kb "$(cat "$PM_HOME/pm.pid")")
declare -A result=([pm]="$start_ms $list_ms $reload_ms $rss $failed")
"$bin/pm" kill >/dev/null

# ---- PM2
pm2=$(npm_tool "$scratch" pm2)
if [ -n "$pm2" ]; then
  export PM2_HOME="$work/pm2"
  cat >"$work/app.js" <<'JS'
const http = require('http');
const server = http.createServer((req, res) => {
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({status: 'ok', pid: process.pid}) + '\n');
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send && process.send('ready'));
process.on('SIGINT', () => server.close(() => process.exit(0)));
JS
  pm2_app() {
    cat >"$work/$1.config.js" <<JS
module.exports = { apps: [{ name: '$1', script: '$work/app.js', instances: 2,
  exec_mode: 'cluster', wait_ready: true, listen_timeout: 10000, env: { PORT: $2 } }] };
JS
  }
  "$pm2" ping >/dev/null
  port=$(free_port)
  pm2_app bench "$port"
  start_ms=$(for _ in $(seq "$runs"); do
    t0=$(now_ms); "$pm2" start "$work/bench.config.js" >/dev/null; answered "$port"; t1=$(now_ms)
    echo $((t1 - t0)); "$pm2" delete bench >/dev/null
  done | median)
  "$pm2" start "$work/bench.config.js" >/dev/null; answered "$port"
  list_ms=$(for _ in $(seq 20); do t0=$(date +%s%N); "$pm2" list >/dev/null; t1=$(date +%s%N); echo "scale=2; ($t1 - $t0) / 1000000" | bc; done | median)
  reload_ms=$(for _ in $(seq "$runs"); do t0=$(now_ms); "$pm2" reload bench >/dev/null; t1=$(now_ms); echo $((t1 - t0)); done | median)
  failed=$(failed_during_reloads "$port" "$pm2" reload bench)
  pm2_app bench2 "$(free_port)"
  "$pm2" start "$work/bench2.config.js" >/dev/null
  rss=$(rss_kb "$(cat "$PM2_HOME/pm2.pid")")
  result[pm2]="$start_ms $list_ms $reload_ms $rss $failed"
  "$pm2" kill >/dev/null
else
  echo "pm_speed: Node or npm missing: PM2 not measured" >&2
fi

echo "pm against PM2, daemons running, 2 instances in cluster mode with wait_ready; medians of $runs runs (list: 20)"
printf "%-8s %22s %12s %16s %22s %30s\n" manager "start -> answering (ms)" "list (ms)" "reload 2 (ms)" \
  "daemon RSS, 2 apps (MB)" "failed/sent, 3 reloads, -c 50"
for m in pm pm2; do
  [ -n "${result[$m]:-}" ] || continue
  read -r s l r k f <<<"${result[$m]}"
  printf "%-8s %22s %12s %16s %22.1f %30s\n" "$m" "$s" "$l" "$r" "$(echo "$k / 1024" | bc -l)" "$f"
done
if [ -n "${result[pm2]:-}" ]; then
  read -r s1 l1 r1 k1 _ <<<"${result[pm]}"
  read -r s2 l2 r2 k2 _ <<<"${result[pm2]}"
  printf "%-8s %21.1fx %11.1fx %15.1fx %21.1fx\n" "PM2/pm" "$(echo "$s2 / $s1" | bc -l)" \
    "$(echo "$l2 / $l1" | bc -l)" "$(echo "$r2 / $r1" | bc -l)" "$(echo "$k2 / $k1" | bc -l)"
fi
