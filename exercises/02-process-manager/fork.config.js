// Exercise fork-ports (lesson 2): two instances of an app that cannot share a port.
//
// Some apps must run in fork mode: each instance its own process with its own listening
// socket (a WebSocket server that keeps per-connection state, an app that is not written
// for the worker protocol). Two of them cannot both listen on one port: the second gets
// EADDRINUSE, crashes, and pm restarts it until it gives up. The check starts this file
// with PORT set to a free port in pm's environment (pm passes its environment on, as PM2
// does) and expects instance 0 on PORT and instance 1 on the port after it.
module.exports = {
  apps: [{
    name: 'ws',
    script: 'clusterlab-app',
    instances: 2,
    exec_mode: 'fork',
    max_restarts: 3
  }]
};
