// Exercise heartbeat (lesson 7), solved: every ClusterLab worker sends pm a heartbeat from
// its event loop; with heartbeat_timeout, an instance silent that long is hung: killed
// and restarted. 2000 ms is well above a healthy instance's longest pause here and well
// under the check's 5 s.
module.exports = {
  apps: [{
    name: 'api',
    script: 'clusterlab-app',
    args: '--fault-routes',
    instances: 2,
    exec_mode: 'cluster',
    env: { PORT: 0 },
    heartbeat_timeout: 2000
  }]
};
