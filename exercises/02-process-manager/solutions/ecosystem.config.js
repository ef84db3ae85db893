// Exercise ecosystem-reload (lesson 2), solved: two instances (a number, 'max' or -1),
// cluster mode so that pm is the primary and the instances share one port (a reload then
// replaces them one by one behind it), and wait_ready so that a new instance counts only
// once it says it is ready; listen_timeout is how long pm waits for that before it rolls
// the release back.
module.exports = {
  apps: [{
    name: 'api',
    script: './app.sh',
    instances: 2,
    exec_mode: 'cluster',
    env: { NODE_ENV: 'production', PORT: 0 },
    kill_timeout: 5000,
    wait_ready: true,
    listen_timeout: 3000
  }]
};
