#!/usr/bin/env node
// The built-in engine, built by `npm run build` into out/main/engine.js.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const engine = join(__dirname, '..', 'out', 'main', 'engine.js');
if (!existsSync(engine)) {
  process.stderr.write('replica-lab-server: the engine is not built yet; run `npm run build` first.\n');
  process.exit(1);
}
require(engine);
