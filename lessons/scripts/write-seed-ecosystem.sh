#!/usr/bin/env bash
# write-seed-ecosystem.sh DIR: writes the seed's ecosystem.config.js into DIR, with its two
# changes (script is DIR/app.sh, a release that runs clusterlab-app; PORT is 0, any free
# port), writes that release, and prints the file.
set -eu
dir=$1
printf '#!/bin/sh\nexec clusterlab-app "$@"\n' >"$dir/app.sh"
chmod +x "$dir/app.sh"
cat >"$dir/ecosystem.config.js" <<'JS'
module.exports = {
  apps: [{
    name: 'nestjs-app',
    script: './app.sh',
    instances: 'max',
    exec_mode: 'cluster',
    env: { NODE_ENV: 'production', PORT: 0 },
    kill_timeout: 5000,
    wait_ready: true,
    listen_timeout: 10000
  }]
};
JS
cat "$dir/ecosystem.config.js"
