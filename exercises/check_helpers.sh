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
