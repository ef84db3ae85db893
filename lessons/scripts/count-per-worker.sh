#!/usr/bin/env bash
# count-per-worker.sh PORT PATH N: sends N requests for a counter route (/count, kept in
# each worker's memory, or /shared-count, kept in the store), each on a new connection,
# and says how many each worker served, the highest count each returned, and the highest
# count any client saw. Whatever the listen policy sent where, the per-worker counters add
# up to N, and only a shared counter reaches N while more than one worker answers.
set -eu
port=$1 path=$2 n=$3
declare -A served highest
top=0
for _ in $(seq "$n"); do
  body=$(curl -sS "http://127.0.0.1:$port$path")
  worker=$(sed -n 's/.*"worker":\([0-9]*\).*/\1/p' <<<"$body")
  count=$(sed -n 's/.*"count":\([0-9]*\).*/\1/p' <<<"$body")
  if [ -z "$worker" ] || [ -z "$count" ]; then
    echo "$path answered: $body" >&2
    exit 1
  fi
  served[$worker]=$((${served[$worker]:-0} + 1))
  if [ "$count" -gt "${highest[$worker]:-0}" ]; then highest[$worker]=$count; fi
  if [ "$count" -gt "$top" ]; then top=$count; fi
done
line="$path: $n requests;"
for w in $(printf '%s\n' "${!served[@]}" | sort -n); do
  line+=" worker $w served ${served[$w]} (highest count ${highest[$w]});"
done
echo "$line the highest count any client saw: $top"
