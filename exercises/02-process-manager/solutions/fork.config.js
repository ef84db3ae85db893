// Exercise fork-ports (lesson 2), solved: increment_var adds the instance number to PORT,
// so instance 0 listens on PORT and instance 1 on PORT + 1 (PM2's way; a proxy in front,
// nginx say, spreads the load over them).
module.exports = {
  apps: [{
    name: 'ws',
    script: 'clusterlab-app',
    instances: 2,
    exec_mode: 'fork',
    increment_var: 'PORT',
    max_restarts: 3
  }]
};
