// Builds app/engine/commands/meta/commands.json from Redis 7.0's own command
// definitions (src/commands/*.json in the Redis source tree), so that arity,
// flags, key specs and COMMAND DOCS match Redis exactly instead of being retyped.
// Usage: node scripts/gen-command-meta.mjs <redis-source-dir>
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const sourceDir = process.argv[2];
if (!sourceDir) {
  console.error('usage: node scripts/gen-command-meta.mjs <redis-source-dir>');
  process.exit(2);
}
const commandsDir = join(sourceDir, 'src', 'commands');
const table = {};
for (const file of readdirSync(commandsDir).sort()) {
  if (!file.endsWith('.json')) continue;
  const doc = JSON.parse(readFileSync(join(commandsDir, file), 'utf8'));
  for (const [name, spec] of Object.entries(doc)) {
    const { function: _fn, get_keys_function: _gk, ...rest } = spec;
    const fullName = spec.container ? `${spec.container.toLowerCase()}|${name.toLowerCase()}` : name.toLowerCase();
    table[fullName] = { name: name.toLowerCase(), ...rest };
  }
}
const out = join(process.cwd(), 'app/engine/commands/meta/commands.json');
writeFileSync(out, JSON.stringify(table) + '\n');
console.log(`wrote ${Object.keys(table).length} commands to ${out}`);
