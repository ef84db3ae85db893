// Node's cluster module with http.createServer: the runtime ClusterLab's lessons are about,
// serving the routes the benchmarks ask of native-cluster, the Node way: / says hello,
// /work?ms=N computes N ms on the event loop (holding every other request of the worker),
// /sleep?ms=N answers from a setTimeout.
// Usage: node node_cluster.js WORKERS. The primary forks WORKERS workers on one free port
// (Node's round-robin, its default on Linux), prints "worker PID" as each one listens and
// "port N" once every worker does;
// SIGTERM stops them all.
'use strict';
const cluster = require('node:cluster');
const http = require('node:http');
const { performance } = require('node:perf_hooks');

const workers = Number(process.argv[2] || 1);
if (cluster.isPrimary) {
  let listening = 0;
  cluster.on('listening', (worker, address) => {
    console.log(`worker ${worker.process.pid}`);
    if (++listening === workers) console.log(`port ${address.port}`);
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const id in cluster.workers) cluster.workers[id].kill();
    process.exit(0);
  });
} else {
  const hello = `Hello from worker ${cluster.worker.id} (pid ${process.pid})\n`;
  http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const ms = Number(url.searchParams.get('ms') || 0);
    if (url.pathname === '/work') {
      // Wall time on the only busy thread is its CPU time; performance.now() costs no
      // system call, where process.cpuUsage() would spend the loop in getrusage().
      const until = performance.now() + ms;
      while (performance.now() < until) { /* compute */ }
      res.end(JSON.stringify({ worker: cluster.worker.id, work_ms: ms }) + '\n');
    } else if (url.pathname === '/sleep') {
      setTimeout(() => res.end(JSON.stringify({ worker: cluster.worker.id, slept_ms: ms }) + '\n'), ms);
    } else {
      res.end(hello);
    }
  }).listen(0, '127.0.0.1');
}
