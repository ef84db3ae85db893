// Exercise ecosystem-reload (lesson 2): an ecosystem file for the seed's app that pm
// accepts, that reloads without a failed request, and that rolls a broken release back.
//
// The check writes the release, app.sh (it runs clusterlab-app), beside a copy of this
// file, starts it with pm, reloads it under load, then puts a release on disk that listens
// but never says it is ready and reloads again: pm must refuse it and keep the old
// instances serving. Three things below stand in the way; the check names one at a time.
module.exports = {
  apps: [{
    name: 'api',
    script: './app.sh',
    instances: 'two',
    exec_mode: 'fork',
    env: { NODE_ENV: 'production', PORT: 0 },
    kill_timeout: 5000
  }]
};
