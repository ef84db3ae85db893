#!/usr/bin/env bash
# Check of the exercise `fork-ports`: two fork-mode instances, each answering on its own
# port (PORT and PORT + 1), both online after a start.
source "$EXERCISE_DIR/../check_helpers.sh"

export PM_HOME="$WORK/pm"
trap 'pm kill >/dev/null 2>&1; rm -rf "$WORK"' EXIT
cp "$EXERCISE_FILE" "$WORK/fork.config.js"

# Two free ports in a row: none of them in a listening socket's local address.
listening=$(for table in /proc/net/tcp /proc/net/tcp6; do tail -n +2 "$table"; done 2>/dev/null |
  while read -r _ local _ state _; do [ "$state" = 0A ] && echo $((16#${local##*:})); done | sort -u)
while :; do
  port=$((20000 + RANDOM % 20000))
  grep -qx "$port\|$((port + 1))" <<<"$listening" || break
done
if ! PORT=$port pm start "$WORK/fork.config.js" >"$WORK/start.txt" 2>&1; then
  cat "$WORK/start.txt"
  fail "pm start failed: $(grep -m 1 -i 'expected\|error\|fail' "$WORK/start.txt")"
fi
cat "$WORK/start.txt"
for instance in 0 1; do
  answered=
  for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$((port + instance))/api/health" >/dev/null && answered=yes && break
    sleep 0.1
  done
  if [ -z "$answered" ]; then
    pm logs ws --nostream --lines 4 2>&1 | grep -i "address\|listen" | head -n 3
    fail "nothing answers on port $((port + instance)) for instance $instance: both instances were given PORT=$port, and the second could not bind it"
  fi
  echo "instance $instance answers on port $((port + instance))"
done
