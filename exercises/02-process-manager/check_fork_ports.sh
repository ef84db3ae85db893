#!/usr/bin/env bash
# Check of the exercise `fork-ports`: two fork-mode instances, each answering on its own
# port (PORT and PORT + 1), both online after a start.
source "$EXERCISE_DIR/../check_helpers.sh"

# Two free ports in a row: below the kernel's range for ephemeral ports (which the tests'
# own connections beside this one take their local ports from), and in no socket's local
# address, whatever its state.
read -r ephemeral_low _ </proc/sys/net/ipv4/ip_local_port_range
used=$(for table in /proc/net/tcp /proc/net/tcp6; do tail -n +2 "$table"; done 2>/dev/null |
  while read -r _ local _; do echo $((16#${local##*:})); done | sort -u)
while :; do
  port=$((10000 + RANDOM % (ephemeral_low - 10002)))
  grep -qx "$port\|$((port + 1))" <<<"$used" || break
done
PORT=$port start_pm
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
