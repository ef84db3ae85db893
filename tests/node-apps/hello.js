// A CommonJS entry point.
require('./serve.cjs').serve('commonjs');
