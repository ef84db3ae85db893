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
