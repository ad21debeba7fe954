// Obtains Redis 7.0.15's own Tcl test suite from Debian's source package
// (`apt-get source redis`) into an ignored cache folder, once; later runs reuse it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireCommand } from './server-process.mjs';

export const REDIS_VERSION = '7.0.15';
const SOURCES_DIR = '/etc/apt/sources.list.d';
const OUR_SOURCES_FILE = join(SOURCES_DIR, 'replica-lab-src.sources');

/** Path of the unpacked source tree holding `runtest` and `tests/`. Downloads it when absent. */
export function ensureTestSuite(cacheDir, log) {
  const existing = findSourceTree(cacheDir);
  if (existing) return existing;
  requireCommand('dpkg-source', 'apt-get source needs dpkg-dev: run `apt-get install dpkg-dev` as root.');
  requireCommand('tclsh', "Redis's test suite needs Tcl: run `apt-get install tcl` as root.");
  if (!hasDebSrcLine()) addDebSrcLine(log);
  mkdirSync(cacheDir, { recursive: true });
  log(`Fetching Redis's test suite: apt-get source redis (into ${cacheDir}) ...`);
  run('apt-get', ['source', '--quiet', 'redis'], { cwd: cacheDir });
  const tree = findSourceTree(cacheDir);
  if (!tree) {
    throw new Error(
      `apt-get source redis did not produce a redis-${REDIS_VERSION} tree with tests/ in ${cacheDir}. ` +
        `Found: ${readdirSync(cacheDir).join(', ') || 'nothing'}. The suite must be Redis ${REDIS_VERSION}'s.`,
    );
  }
  // The downloaded archives are not needed once unpacked.
  for (const name of readdirSync(cacheDir)) {
    if (/\.(dsc|tar\.\w+)$/.test(name)) rmSync(join(cacheDir, name), { force: true });
  }
  return tree;
}

function findSourceTree(cacheDir) {
  const tree = join(cacheDir, `redis-${REDIS_VERSION}`);
  const complete = ['runtest', 'tests/test_helper.tcl', 'tests/assets/default.conf'].every((p) =>
    existsSync(join(tree, p)),
  );
  return complete ? tree : undefined;
}

/** True when any APT source (one-line .list or deb822 .sources) has deb-src enabled. */
export function hasDebSrcLine() {
  const files = ['/etc/apt/sources.list'];
  if (existsSync(SOURCES_DIR)) {
    for (const name of readdirSync(SOURCES_DIR)) files.push(join(SOURCES_DIR, name));
  }
  for (const file of files) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    if (file.endsWith('.list') && /^\s*deb-src\s/m.test(text)) return true;
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const types = /^Types:\s*(.*)$/im.exec(stanza);
        const disabled = /^Enabled:\s*no\s*$/im.test(stanza);
        if (types && types[1].split(/\s+/).includes('deb-src') && !disabled) return true;
      }
    }
  }
  return false;
}

/** Writes a deb-src twin of debian.sources and refreshes the package lists (needs root). */
function addDebSrcLine(log) {
  const debianSources = join(SOURCES_DIR, 'debian.sources');
  if (process.getuid?.() !== 0) {
    throw new Error(
      `No deb-src APT source is configured, and adding ${OUR_SOURCES_FILE} needs root. ` +
        `Re-run as root, or add a deb-src source yourself and run apt-get update.`,
    );
  }
  if (!existsSync(debianSources)) {
    throw new Error(`No deb-src APT source is configured and ${debianSources} is missing to copy one from.`);
  }
  const stanzas = debSrcTwin(readFileSync(debianSources, 'utf8'));
  if (stanzas.length === 0) throw new Error(`${debianSources} has no 'Types: deb' stanza to copy.`);
  log(`Adding ${OUR_SOURCES_FILE} (deb-src twin of debian.sources) and running apt-get update ...`);
  writeFileSync(OUR_SOURCES_FILE, stanzas.join('\n\n') + '\n');
  run('apt-get', ['update', '--quiet'], {});
}

/** The `Types: deb` stanzas of a deb822 sources file, as deb-src stanzas (same URIs, suites, keys). */
export function debSrcTwin(sourcesText) {
  return sourcesText
    .split(/\n\s*\n/)
    .filter((stanza) => (/^Types:\s*(.*)$/im.exec(stanza)?.[1] ?? '').split(/\s+/).includes('deb'))
    .map((stanza) =>
      stanza
        .split('\n')
        .filter((line) => !line.startsWith('#'))
        .map((line) => (/^Types:/i.test(line) ? 'Types: deb-src' : line))
        .join('\n')
        .trim(),
    );
}

function run(command, args, options) {
  const result = spawnSync(command, args, { ...options, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stderr || result.stdout}`);
  }
  return result.stdout;
}
