#!/usr/bin/env bash
# requests-per-second.sh URL CONNECTIONS SECONDS: a loadgen run, summed up in one line:
# "N requests/s (p50 X ms, p99 Y ms, Z errors)". N is the mean of the per-second samples.
set -eu
url=$1 connections=$2 seconds=$3
report=$(loadgen -c "$connections" -d "$seconds" -j "$url")
latency=$(grep -o '"latency":{[^}]*}' <<<"$report")
requests=$(grep -o '"requests":{[^}]*}' <<<"$report")
field() { grep -o "\"$1\":[0-9.e+-]*" <<<"$2" | head -n 1 | cut -d: -f2; }
errors=$(($(field errors "$report") + $(field non2xx "$report")))
printf '%.0f requests/s (p50 %s ms, p99 %s ms, %d errors)\n' "$(field average "$requests")" \
  "$(field p50 "$latency")" "$(field p99 "$latency")" "$errors"
