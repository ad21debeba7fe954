#!/usr/bin/env node
// The built-in redis-cli work-alike, built by `npm run build` into out/main/cli.js.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'out', 'main', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write('replica-lab-cli: the CLI is not built yet; run `npm run build` first.\n');
  process.exit(1);
}
require(cli);
