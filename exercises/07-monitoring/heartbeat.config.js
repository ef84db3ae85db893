// Exercise heartbeat (lesson 7): a hung instance that pm replaces.
//
// An instance can be alive and useless: its process runs, so pm shows it online, but its
// event loop is stuck (a deadlock, an endless loop) and it answers nothing. The requests
// round-robin hands it wait for their client's timeout. clusterlab-app's --fault-routes
// adds /hang, which does exactly that to the instance that serves it.
//
// The check starts this file with pm, sends /hang to one instance, and expects pm to have
// replaced that instance within 5 s, after which every request is answered again. As
// written, pm never notices. Make it notice (docs/monitoring.md, and lesson 7).
module.exports = {
  apps: [{
    name: 'api',
    script: 'clusterlab-app',
    args: '--fault-routes',
    instances: 2,
    exec_mode: 'cluster',
    env: { PORT: 0 }
  }]
};
