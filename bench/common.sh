# Shell helpers the bench scripts share; source it, do not run it.

# The median of the numbers on standard input, one per line.
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# wait_for_cluster LOG WORKERS: waits (10 s at most) until native-cluster's --json event log
# shows WORKERS listening workers, then prints the port it reported.
wait_for_cluster() {
  local log=$1 workers=$2
  for _ in $(seq 200); do
    [ "$(grep -c '"event":"listening"' "$log")" -ge "$workers" ] && break
    sleep 0.05
  done
  grep -o '"port":[0-9]*' "$log" | head -1 | cut -d: -f2
}

# npm_tool SCRATCH PACKAGE: prints the path of PACKAGE's command, installed from npm into
# SCRATCH the first time (never a build dependency); prints nothing when Node or npm is
# missing or the install fails.
npm_tool() {
  local scratch=$1 package=$2
  command -v node >/dev/null && command -v npm >/dev/null || return 0
  if [ ! -x "$scratch/node_modules/.bin/$package" ]; then
    echo "installing $package into $scratch (npm, once)..." >&2
    mkdir -p "$scratch"
    npm install --prefix "$scratch" --no-audit --no-fund --silent "$package" >/dev/null 2>&1 || true
  fi
  [ -x "$scratch/node_modules/.bin/$package" ] && echo "$scratch/node_modules/.bin/$package"
  return 0
}

# use_scratch: makes a scratch directory ($scratch) and an empty list of server pids ($pids);
# on exit, every pid still in the list gets SIGTERM and the directory goes.
use_scratch() {
  scratch=$(mktemp -d)
  pids=()
  trap 'for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$scratch"' EXIT
}

# json_field JSON NAME: the first number field NAME in a JSON text (loadgen's report).
json_field() { grep -o "\"$2\":[0-9.e+-]*" <<<"$1" | head -1 | cut -d: -f2; }

# json_latency JSON P: the latency percentile P (p50, p99...) in loadgen's JSON report, in ms.
json_latency() { grep -o '"latency":{[^}]*}' <<<"$1" | grep -o "\"$2\":[0-9.e+-]*" | cut -d: -f2; }
