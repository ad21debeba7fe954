/**
 * A node's folder in the workspace, in the seed's naming:
 * `<workspace>/nodes/<port>/redis_<port>.conf`, `dump-<port>.rdb`, `logfile-<port>`,
 * `redis_<port>.pid`, and the redis.conf that redis-server and the built-in engine
 * both start from.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MULTI_ARG, PARAMS, type ParamDef } from '../engine/config/params.js';
import type { Endpoint } from './types.js';

export interface NodePaths {
  dir: string;
  conf: string;
  /** The dump file's name (redis.conf's dbfilename is a name inside `dir`, not a path). */
  dbfilename: string;
  rdb: string;
  log: string;
  pid: string;
}

export interface NodeConfig {
  /** Named in the header comment only. */
  id: string;
  port: number;
  replicaOf?: Endpoint;
  /** Extra `name value` directives. */
  settings?: Record<string, string>;
}

/** Directives the lab writes itself; a node's settings may not override them. */
const MANAGED_DIRECTIVES = new Set([
  'port',
  'bind',
  'dir',
  'pidfile',
  'logfile',
  'dbfilename',
  'daemonize',
  'replicaof',
  'slaveof',
  'include',
]);

export function nodePaths(workspace: string, port: number): NodePaths {
  const dir = join(resolve(workspace), 'nodes', String(port));
  const dbfilename = `dump-${port}.rdb`;
  return {
    dir,
    conf: join(dir, `redis_${port}.conf`),
    dbfilename,
    rdb: join(dir, dbfilename),
    log: join(dir, `logfile-${port}`),
    pid: join(dir, `redis_${port}.pid`),
  };
}

/** The sentence for a setting the lab manages itself, or undefined when every setting is allowed. */
export function checkSettings(settings: Record<string, string> = {}): string | undefined {
  for (const name of Object.keys(settings)) {
    if (!/^[a-z][a-z0-9-]*$/i.test(name)) return `"${name}" is not a redis.conf directive name.`;
    if (MANAGED_DIRECTIVES.has(name.toLowerCase())) {
      return `The setting "${name}" is managed by the lab (it follows the node's port, folder and replication edge).`;
    }
  }
  return undefined;
}

/**
 * A value as redis.conf's tokenizer (sdssplitargs) reads it back. Plain words
 * stay as they are, so a multi-argument value (`save 3600 1 300 100`) reads as
 * the same arguments CONFIG SET would split it into; anything else is quoted.
 */
export function confValue(value: string, forceQuotes = false): string {
  if (
    !forceQuotes &&
    value !== '' &&
    /^[\x21-\x7e ]+$/.test(value) &&
    !/["'\\]/.test(value) &&
    value.trim() === value
  ) {
    return value;
  }
  let quoted = '"';
  for (const ch of value) {
    const code = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') quoted += '\\' + ch;
    else if (ch === '\n') quoted += '\\n';
    else if (ch === '\r') quoted += '\\r';
    else if (ch === '\t') quoted += '\\t';
    else if (code < 0x20 || code === 0x7f) quoted += '\\x' + code.toString(16).padStart(2, '0');
    else quoted += ch;
  }
  return quoted + '"';
}

export function renderRedisConf(config: NodeConfig, paths: NodePaths, writtenAt = new Date()): string {
  const problem = checkSettings(config.settings);
  if (problem) throw new Error(problem);
  const lines = [
    `# redis.conf for node ${config.id}, written by Replica Lab on ${writtenAt.toISOString()}.`,
    '# Starts the same node with redis-server or the built-in engine:',
    `#   redis-server ${paths.conf}`,
    '# The lab rewrites this file each time it starts the node.',
    '',
    `port ${config.port}`,
    'bind 127.0.0.1',
    'daemonize no',
    `dir ${confValue(paths.dir, true)}`,
    `pidfile ${confValue(paths.pid, true)}`,
    `logfile ${confValue(paths.log, true)}`,
    `dbfilename ${confValue(paths.dbfilename, true)}`,
    '# The lab uses DEBUG (e.g. DEBUG SLEEP, DEBUG RELOAD) to stage faults.',
    'enable-debug-command yes',
  ];
  if (config.replicaOf) {
    lines.push('', '################################# REPLICATION #################################');
    lines.push(`replicaof ${config.replicaOf.host} ${config.replicaOf.port}`);
  }
  const extra = Object.entries(config.settings ?? {});
  if (extra.length > 0) {
    lines.push('', '# Node settings');
    for (const [name, value] of extra) lines.push(settingLine(name, value));
  }
  return lines.join('\n') + '\n';
}

/** Creates the node's folder and writes its redis.conf; returns the paths. */
export async function prepareNodeFolder(workspace: string, config: NodeConfig): Promise<NodePaths> {
  const paths = nodePaths(workspace, config.port);
  const text = renderRedisConf(config, paths);
  await mkdir(paths.dir, { recursive: true });
  await writeFile(paths.conf, text);
  return paths;
}

export async function deleteNodeFolder(workspace: string, port: number): Promise<void> {
  await rm(nodePaths(workspace, port).dir, { recursive: true, force: true });
}

const PARAM_BY_NAME = new Map<string, ParamDef>();
for (const def of PARAMS) {
  PARAM_BY_NAME.set(def.name, def);
  for (const alias of def.aliases ?? []) PARAM_BY_NAME.set(alias, def);
}

/**
 * One `name value` line of a redis.conf. A parameter that takes one argument gets its
 * value quoted when it has spaces (`requirepass "open sesame"`), or redis-server would
 * read two arguments; multi-argument ones (`save 3600 1 300 100`) and directives that
 * are not parameters (`rename-command FLUSHALL ""`) are written as the user typed them.
 */
export function settingLine(name: string, value: string): string {
  const def = PARAM_BY_NAME.get(name.toLowerCase());
  // A line break would end the directive and start another: never written as is.
  if (def === undefined && !/[\x00-\x1f\x7f]/.test(value)) return `${name} ${value}`;
  const singleArgument = def !== undefined && (def.flags & MULTI_ARG) === 0;
  return `${name} ${confValue(value, singleArgument && /\s/.test(value))}`;
}
