/**
 * Import: a folder of redis.conf files becomes a topology. The seed walkthrough's
 * `config/` (redis_6379.conf, redis_6380.conf, redis_6381.conf, each a copy of the
 * full redis.conf with port, pidfile, logfile, dbfilename and replicaof changed), a
 * folder holding such a `config/`, or a folder written by exportConfigFolder.
 *
 * Each file is read by the engine's own loader (sdssplitargs quoting, aliases such
 * as slaveof, validation with Redis's error texts), so a file redis-server would
 * refuse is refused here with the same sentence and line. A node keeps only the
 * settings that differ from Redis's defaults: a copy of the full redis.conf would
 * otherwise carry a hundred settings that say nothing. The directives the lab writes
 * itself (port, bind, dir, pidfile, logfile, dbfilename, daemonize, replicaof) are
 * not kept either: the lab derives them from the node's port, folder and edge.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { ApiError } from '../../api/contract.js';
import { TOPOLOGY_VERSION, type Topology, type TopologyNode } from '../../api/topology.js';
import { ConfigError, ConfigLineError, ServerConfig } from '../../engine/config/index.js';
import { loadConfigText } from '../../engine/config/loader.js';
import { PARAMS } from '../../engine/config/params.js';
import { autoLayout, checkTopology } from '../topology.js';
import { checkSettings } from '../workspace.js';

/** Why a folder cannot be imported; `error.message` names the file and line. */
export class ConfigImportError extends Error {
  constructor(
    readonly error: ApiError,
    readonly file?: string,
  ) {
    super(error.message);
    this.name = 'ConfigImportError';
  }
}

/** What one redis.conf says about its server. */
export interface ImportedConf {
  file: string;
  port: number;
  bind: string[];
  replicaOf?: { host: string; port: number; line: number };
  settings: Record<string, string>;
}

const DEFAULTS = new Map(PARAMS.map((def) => [def.name, def.default]));

/** `dir` is the lab's and may name a folder of another machine: never applied (nor checked). */
const NOT_APPLIED = new Set(['dir']);

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '0.0.0.0', '*']);

function fail(message: string, file?: string, line?: number, field?: string): never {
  const error: ApiError = { code: 'invalid', message };
  if (line !== undefined) error.line = line;
  if (field !== undefined) error.field = field;
  throw new ConfigImportError(error, file);
}

/** Reads one redis.conf's text (`file` names it in errors; `folder` is where relative includes resolve). */
export function parseRedisConf(text: string, file: string, folder: string): ImportedConf {
  const config = new ServerConfig(folder);
  try {
    loadConfigText(config, text, NOT_APPLIED);
  } catch (err) {
    if (err instanceof ConfigLineError) {
      fail(
        `${file}, line ${err.line}: ${err.reason} (redis-server would refuse this line: '${err.lineText}').`,
        file,
        err.line,
        /^\s*([A-Za-z0-9_.-]+)/.exec(err.lineText)?.[1]?.toLowerCase(),
      );
    }
    if (err instanceof ConfigError) fail(`${file}: ${err.message.trim().split('\n').pop()}`, file);
    throw err;
  }
  const port = Number(config.str('port'));
  if (port === 0) fail(`${file}: "port 0" listens on no TCP port, so no replica or client could reach it.`, file);
  const settings: Record<string, string> = {};
  for (const name of config.names()) {
    const value = config.str(name);
    if (value === DEFAULTS.get(name) || checkSettings({ [name]: value }) !== undefined) continue;
    settings[name] = fromFileBytes(value);
  }
  const imported: ImportedConf = { file, port, bind: config.str('bind').split(' ').filter(Boolean), settings };
  const replicaOf = config.str('replicaof');
  if (replicaOf !== '') {
    const [host, masterPort] = replicaOf.split(' ') as [string, string];
    imported.replicaOf = { host, port: Number(masterPort), line: lastDirectiveLine(text, ['replicaof', 'slaveof']) };
  }
  return imported;
}

/**
 * The loader reads bytes as latin1 (Redis values are byte strings); a topology holds
 * text, written back as UTF-8. A value that is valid UTF-8 (a password in Chinese)
 * becomes that text, so the export writes the same bytes the file had.
 */
function fromFileBytes(value: string): string {
  if (!/[\x80-\xff]/.test(value)) return value;
  const text = Buffer.from(value, 'latin1').toString('utf8');
  return text.includes('\uFFFD') ? value : text;
}

/** The line (1-based) of the last occurrence of a directive: the one that wins, as in Redis. */
function lastDirectiveLine(text: string, names: string[]): number {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const word = /^\s*([A-Za-z-]+)/.exec(lines[i]!)?.[1]?.toLowerCase();
    if (word !== undefined && names.includes(word)) return i + 1;
  }
  return 1;
}

/** The redis.conf files of `dir`, or of `dir/config` when `dir` itself has none. */
export async function findConfFiles(dir: string): Promise<{ folder: string; files: string[] }> {
  const confsIn = async (folder: string): Promise<string[]> => {
    const entries = await readdir(folder, { withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile() && entry.name.endsWith('.conf'))
      .map((entry) => entry.name)
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  };
  let files: string[];
  try {
    files = await confsIn(dir);
  } catch (err) {
    fail(`Cannot read the folder ${dir}: ${(err as Error).message}`);
  }
  if (files.length > 0) return { folder: dir, files };
  const nested = join(dir, 'config');
  const isFolder = await stat(nested).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (isFolder) {
    const inner = await confsIn(nested);
    if (inner.length > 0) return { folder: nested, files: inner };
  }
  fail(`${dir} has no redis.conf files (*.conf), in itself or in a config/ folder.`);
}

/** Reads a folder of redis.conf files into a topology (builtin engine, laid out masters above replicas). */
export async function importConfigFolder(dir: string): Promise<Topology> {
  const { folder, files } = await findConfFiles(resolve(dir));
  const confs: ImportedConf[] = [];
  for (const file of files) {
    const text = await readFile(join(folder, file), 'latin1');
    confs.push(parseRedisConf(text, file, folder));
  }
  return topologyFromConfs(confs, importName(dir));
}

function importName(dir: string): string {
  const name = basename(resolve(dir));
  const parent = basename(resolve(dir, '..'));
  return `Imported from ${name === 'config' && parent ? `${parent}/config` : name}`.slice(0, 120);
}

/** Builds the topology from the files' ports and replicaof lines. */
export function topologyFromConfs(confs: ImportedConf[], name: string): Topology {
  const byPort = new Map<number, ImportedConf>();
  for (const conf of confs) {
    const other = byPort.get(conf.port);
    if (other) {
      fail(
        `${other.file} and ${conf.file} both use port ${conf.port}: two servers cannot listen on one port.`,
        conf.file,
      );
    }
    byPort.set(conf.port, conf);
  }
  const nodes: TopologyNode[] = confs.map((conf) => ({
    id: `node-${conf.port}`,
    name: `redis_${conf.port}`,
    engine: 'builtin',
    host: '127.0.0.1',
    port: conf.port,
    position: { x: 0, y: 0 },
    settings: conf.settings,
  }));
  const edges = confs.flatMap((conf) => {
    if (!conf.replicaOf) return [];
    const { host, port, line } = conf.replicaOf;
    const master = byPort.get(port);
    const local = LOOPBACK.has(host.toLowerCase()) || (master?.bind.includes(host) ?? false);
    if (!master || !local) {
      const files = confs.map((c) => `${c.file} (port ${c.port})`).join(', ');
      fail(
        `${conf.file}, line ${line}: "replicaof ${host} ${port}" points to a server outside this folder ` +
          `(the folder has ${files}); import a folder that holds its master too, or attach that server first.`,
        conf.file,
        line,
        'replicaof',
      );
    }
    return [{ replica: `node-${conf.port}`, master: `node-${master.port}` }];
  });
  const topology: Topology = { version: TOPOLOGY_VERSION, name, nodes, edges, sentinels: [] };
  const violation = checkTopology(topology)[0];
  if (violation) {
    const error: ApiError = { code: 'rule', message: `The files' replicaof lines break a rule: ${violation.message}` };
    throw new ConfigImportError(error);
  }
  return autoLayout(topology);
}
