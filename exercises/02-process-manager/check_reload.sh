#!/usr/bin/env bash
# Check of the exercise `ecosystem-reload`: pm accepts the file, a reload under load loses
# no request, and a release that never becomes ready is rolled back while the old
# instances keep serving.
source "$EXERCISE_DIR/../check_helpers.sh"

printf '#!/bin/sh\nexec clusterlab-app "$@"\n' >"$WORK/app.sh" && chmod +x "$WORK/app.sh"
start_pm
PORT=$(pm_port api)
[ -n "$PORT" ] || fail "pm shows no port shared by the instances of 'api': in fork mode each instance listens alone, so a reload has nothing to hand the connections to (exec_mode)"

loadgen -c 50 -d 3 -j "http://127.0.0.1:$PORT/" >"$WORK/load.json" &
load=$!
pm reload api >/dev/null 2>&1
wait "$load"
failed=0
for n in $(grep -oE '"(errors|non2xx)":[0-9]+' "$WORK/load.json" | cut -d: -f2); do
  failed=$((failed + n))
done
grep -q '"non2xx"' "$WORK/load.json" || fail "loadgen wrote no report: $(head -c 300 "$WORK/load.json")"
echo "reload under load: $failed requests failed"
[ "$failed" -eq 0 ] || fail "$failed requests failed during the reload"

printf '#!/bin/sh\nexec clusterlab-app --never-ready "$@"\n' >"$WORK/app.sh"
if pm reload api >"$WORK/broken.txt" 2>&1; then
  cat "$WORK/broken.txt"
  fail "pm deployed a release that never said it was ready: it could not tell (wait_ready)"
fi
cat "$WORK/broken.txt"
curl -sf "http://127.0.0.1:$PORT/api/health" >/dev/null ||
  fail "after the broken release, nothing answers on port $PORT"
echo "the broken release was rolled back and the old instances still serve"
