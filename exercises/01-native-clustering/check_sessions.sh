#!/usr/bin/env bash
# Check of the exercise `sessions`: a session started on one worker is known to the other.
# Two workers under round-robin (each new connection goes to the next worker), one login,
# then ten /whoami on fresh connections: every one must name the user.
source "$EXERCISE_DIR/../check_helpers.sh"

start_server native-cluster --workers 2 --port 0 --policy round-robin --backend "sqlite:$WORK/store.db"
login=$(curl -s "http://127.0.0.1:$PORT/login?user=ann")
echo "GET /login?user=ann -> $login"
session=$(sed -n 's/.*"session":"\([^"]*\)".*/\1/p' <<<"$login")
[ -n "$session" ] || fail "/login?user=ann answered no session id"
known=0
for _ in $(seq 10); do
  answer=$(curl -s "http://127.0.0.1:$PORT/whoami?session=$session")
  echo "GET /whoami -> $answer"
  grep -q '"user":"ann"' <<<"$answer" && known=$((known + 1))
done
[ "$known" -eq 10 ] || fail "$((10 - known)) of 10 requests to /whoami did not know the session: it lives in the memory of the worker that answered /login"
echo "every worker knew ann's session (10 of 10)"
