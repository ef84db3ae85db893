#!/usr/bin/env bash
# Check of the exercise `blocking-handler`: one worker, four connections asking for /report
# over and over and one asking for /, for 2 s. The / requests must not wait behind the
# reports: their p99 stays well under the 300 ms a report waits. The worker's event loop
# lag, from /metrics, is shown beside it.
source "$EXERCISE_DIR/../check_helpers.sh"

start_server native-cluster --workers 1 --port 0 --metrics-port 0
metrics=$(sed -n 's|.*Metrics on \(http://[^ ]*\).*|\1|p' "$WORK/server.log" | head -n 1)
curl -sf "http://127.0.0.1:$PORT/report" >/dev/null || fail "/report did not answer 200"
loadgen -c 4 -d 2 -j "http://127.0.0.1:$PORT/report" >"$WORK/reports.json" &
reports=$!
loadgen -c 1 -d 2 -j "http://127.0.0.1:$PORT/" >"$WORK/hello.json"
wait "$reports"
p99=$(grep -o '"latency":{[^}]*}' "$WORK/hello.json" | grep -o '"p99":[0-9.]*' | cut -d: -f2)
[ -n "$p99" ] || fail "loadgen wrote no report for /: $(head -c 200 "$WORK/hello.json")"
reports_done=$(grep -o '"latency":{[^}]*}' "$WORK/reports.json" | grep -o '"totalCount":[0-9]*' | cut -d: -f2)
echo "/report: ${reports_done:-0} answered; / while they waited: p99 $p99 ms"
[ -n "$metrics" ] && curl -s "$metrics" | grep '^clusterlab_worker_event_loop_lag_seconds'
awk -v p="$p99" 'BEGIN { exit !(p < 100) }' ||
  fail "/ took $p99 ms (p99) while reports were waiting: /report blocks the worker's event loop, and every other request of that worker waits behind it"
echo "the event loop kept serving while the reports waited"
