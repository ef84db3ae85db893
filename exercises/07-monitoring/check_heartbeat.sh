#!/usr/bin/env bash
# Check of the exercise `heartbeat`: a hung instance is replaced within 5 s, and then every
# request is answered.
source "$EXERCISE_DIR/../check_helpers.sh"

start_pm
PORT=$(pm_port api)
[ -n "$PORT" ] || fail "pm shows no port for 'api' (cluster mode and env.PORT are part of the file)"
restarts() { pm jlist | grep -o '"restart_time":[0-9]*' | cut -d: -f2 | paste -sd' '; }
echo "restarts per instance before: $(restarts)"
curl -s -m 10 -o /dev/null "http://127.0.0.1:$PORT/hang" &
echo "sent /hang to one instance"
replaced=
for _ in $(seq 50); do
  grep -q '[1-9]' <<<"$(restarts)" && replaced=yes && break
  sleep 0.1
done
echo "restarts per instance after: $(restarts)"
[ -n "$replaced" ] || fail "5 s after /hang no instance was restarted: pm sees a running process and calls it online, while it answers nothing"
answered=0
for _ in $(seq 10); do
  [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")" = 200 ] && answered=$((answered + 1))
done
echo "$answered of 10 requests answered after the replacement"
[ "$answered" -eq 10 ] || fail "$((10 - answered)) of 10 requests were not answered within 2 s after the replacement"
