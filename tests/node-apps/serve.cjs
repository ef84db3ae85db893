// A Node app as a Node developer writes one for PM2, with what the tests read back: each
// answer says who gave it (pid, cluster.isWorker, cluster.worker.id, NODE_APP_INSTANCE, pm_id,
// name), and the app tells its parent its port with process.send before it says 'ready'.
//   PORT           the port to listen on (0: any)
//   NEVER_READY=1  listen, but never send 'ready'
const cluster = require('node:cluster');
const http = require('node:http');

exports.serve = function serve(entry) {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({
      entry,
      pid: process.pid,
      isWorker: cluster.isWorker,
      workerId: cluster.worker ? cluster.worker.id : null,
      NODE_APP_INSTANCE: process.env.NODE_APP_INSTANCE ?? null,
      pm_id: process.env.pm_id ?? null,
      name: process.env.name ?? null,
    }) + '\n');
  });
  const close = (why) => {
    console.log(`${why}: closing the server`);
    server.close(() => {
      console.log('closed');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => close('SIGINT'));
  process.on('message', (message) => {
    if (message === 'shutdown') return close('shutdown message');
    process.send({ echo: message });
  });
  server.listen(process.env.PORT || 3000, () => {
    console.log(`listening on ${server.address().port}`);
    if (!process.send) return;
    process.send({ port: server.address().port });
    if (process.env.NEVER_READY !== '1') process.send('ready');
  });
};
