#!/usr/bin/env bash
# requests-in-flight-then-sigterm.sh PORT PID N MS: starts N requests for /sleep?ms=MS,
# waits until the cluster on PORT says (on /health, asked of each worker) that all N are in
# flight, sends SIGTERM to PID (the primary), and prints each request's HTTP status as it
# ends: 200 answered, 000 no answer at all.
set -u
port=$1 pid=$2 n=$3 ms=$4
for _ in $(seq "$n"); do
  curl -s -o /dev/null -w "%{http_code}\n" "http://127.0.0.1:$port/sleep?ms=$ms" &
done
# /health answers how many requests the worker that answers it is serving: ask until the
# latest figures of the workers that answered add up to N (whichever worker each new
# connection reaches, under any listen policy).
declare -A in_flight
total=0
until [ "$total" -ge "$n" ]; do
  health=$(curl -s "http://127.0.0.1:$port/health")
  worker=$(sed -n 's/.*"worker":\([0-9]*\).*/\1/p' <<<"$health")
  [ -n "$worker" ] || continue
  in_flight[$worker]=$(sed -n 's/.*"requests_in_flight":\([0-9]*\).*/\1/p' <<<"$health")
  total=0
  for v in "${in_flight[@]}"; do total=$((total + v)); done
done
kill -TERM "$pid"
wait
