#!/usr/bin/env bash
# Does the dashboard tell the truth, and often enough? A native-cluster (2 workers) with its
# dashboard serves `loadgen -c 100` for DURATION seconds while a client follows the page's
# event stream (/api/events), as the browser does. Printed: how often figures arrived (the
# target: at least once a second) and the requests/s the page showed (the median of its
# updates in the middle of the run) against loadgen's own rate (the target: within 5%).
#   bench/dashboard_agreement.sh [BIN_DIR]     (env: DURATION=10)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
bin=${1:-build/bin}
duration=${DURATION:-10}
use_scratch

"$bin/native-cluster" -w 2 -p 0 --json --dashboard-port 0 >"$scratch/cluster.log" 2>&1 &
pids+=($!)
port=$(wait_for_cluster "$scratch/cluster.log" 2)
dashboard=$(grep -o '"event":"dashboard".*"port":[0-9]*' "$scratch/cluster.log" | grep -o '[0-9]*$')

# The page's stream, for the load's duration and a little more.
timeout $((duration + 2)) curl -sN "http://127.0.0.1:$dashboard/api/events" >"$scratch/events" || true &
follower=$!
json=$("$bin/loadgen" -c 100 -d "$duration" -j "http://127.0.0.1:$port/")
wait "$follower" || true

loadgen_rps=$(echo "$(json_field "$json" responses) / $(json_field "$json" duration)" | bc -l)
# Each figures event: its time and the cluster's requests/s.
grep '^data: {"at"' "$scratch/events" |
  sed -E 's/^data: \{"at":([0-9.]+),.*"totals":\{"per_second":([0-9.e+]+).*/\1 \2/' >"$scratch/updates"
updates=$(wc -l <"$scratch/updates")
first=$(head -1 "$scratch/updates" | cut -d' ' -f1)
last=$(tail -1 "$scratch/updates" | cut -d' ' -f1)
per_second=$(echo "($updates - 1) / ($last - $first)" | bc -l)
# The middle of the run: after two seconds of load, before the last two.
page_rps=$(awk -v from="$first" -v d="$duration" '$1 >= from + 2 && $1 <= from + d - 2 {print $2}' \
  "$scratch/updates" | median)

printf "%-34s %12s\n" "figure" "value"
printf "%-34s %12.1f\n" "dashboard updates per second" "$per_second"
printf "%-34s %12.0f\n" "loadgen requests/s" "$loadgen_rps"
printf "%-34s %12.0f\n" "dashboard requests/s (median)" "$page_rps"
printf "%-34s %12.3f\n" "dashboard / loadgen" "$(echo "$page_rps / $loadgen_rps" | bc -l)"
