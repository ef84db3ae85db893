#!/usr/bin/env bash
# requests-in-log.sh FILE: how many /sleep requests an access log holds (0 when the file is
# missing or empty: the hook that writes it never ran).
echo "requests in the access log: $(grep -c sleep "$1" 2>/dev/null || echo 0)"
