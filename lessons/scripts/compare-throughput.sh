#!/usr/bin/env bash
# compare-throughput.sh ONE TWO: how many times one worker's requests/s two workers served,
# against what the cores allow: two single-threaded workers can do at most twice the work
# of one, and no more than the machine has cores for (loadgen needs a little of them too).
set -eu
one=$1 two=$2
cores=$(nproc)
awk -v one="$one" -v two="$two" -v cores="$cores" 'BEGIN {
  ratio = two / one
  ceiling = cores < 2 ? cores : 2
  printf "two workers served %.2fx the requests of one (%d cores: at most %dx)\n", ratio, cores, ceiling
  if (ratio >= 0.75 * ceiling) print "as expected: the work is spread over the cores"
  else print "less than expected: is something else using the cores?"
}'
