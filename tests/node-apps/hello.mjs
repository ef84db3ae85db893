// An ES module entry point: PM2's ProcessContainer has to import() such a script; under pm,
// node runs it as its main module, as `node hello.mjs` does.
import serveModule from './serve.cjs';

serveModule.serve('module');
