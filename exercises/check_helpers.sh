# What the exercises' check scripts share (sourced, not run): a scratch folder, a server
# started in the background and waited for, and one way to fail. Every process a check
# starts is stopped when it exits, however it exits.
set -u

WORK=$(mktemp -d "${TMPDIR:-/tmp}/clusterlab-check.XXXXXX")
SERVER_PID=

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  SERVER_PID=
}
trap 'stop_server; rm -rf "$WORK"' EXIT

# FAIL lines are what `lesson watch` shows as the reason.
fail() {
  echo "FAIL: $*"
  exit 1
}

# start_server PROGRAM ARGS...: runs it with its output in $WORK/server.log and sets PORT
# from its "Listening on http://127.0.0.1:PORT" line (within 20 s).
start_server() {
  "$@" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 200); do
    PORT=$(sed -n 's|.*Listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$WORK/server.log" | head -n 1)
    [ -n "$PORT" ] && return 0
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      tail -n 5 "$WORK/server.log"
      fail "$1 exited before it listened"
    fi
    sleep 0.1
  done
  fail "$1 did not say where it listens within 20 s"
}

# start_pm: starts a copy of the learner's ecosystem file ($EXERCISE_FILE, copied into $WORK
# with pm's home) with pm; the daemon and its apps are stopped on exit. A refused file
# fails the check with pm's own line. Environment set before the call reaches pm (and the
# apps, as PM2 passes it on).
start_pm() {
  export PM_HOME="$WORK/pm"
  trap 'pm kill >/dev/null 2>&1; rm -rf "$WORK"' EXIT
  local copy
  copy="$WORK/$(basename "$EXERCISE_FILE")"
  cp "$EXERCISE_FILE" "$copy"
  if ! pm start "$copy" >"$WORK/start.txt" 2>&1; then
    cat "$WORK/start.txt"
    fail "pm refused the file: $(grep -m 1 -i 'expected\|error\|fail' "$WORK/start.txt")"
  fi
  cat "$WORK/start.txt"
}

# pm_port APP: the port the instances of APP share, as pm describe shows it (empty: none).
pm_port() {
  pm describe "$1" | sed -n 's/.*│ port *│ \([0-9]*\).*/\1/p' | head -n 1
}
