/**
 * A Sentinel's folder in the workspace (`<workspace>/sentinels/<port>/`) and the
 * sentinel.conf it starts from. Sentinel rewrites that file itself (its id, the
 * replicas and Sentinels it found, the master after a failover), so the lab writes
 * it only when a Sentinel is created or a topology is opened, and otherwise lets
 * a restarted Sentinel carry on from what it saved.
 */
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Endpoint } from '../types';
import { confValue, type NodePaths } from '../workspace';

export interface SentinelConfig {
  port: number;
  masterName: string;
  master: Endpoint;
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  /** The master's requirepass, for `sentinel auth-pass`. */
  authPass?: string;
}

/** `<sentinelsDir>/<port>/sentinel.conf` and its log; the node-only paths point inside the folder and stay unused. */
export function sentinelPaths(sentinelsDir: string, port: number): NodePaths {
  const dir = join(resolve(sentinelsDir), String(port));
  return {
    dir,
    conf: join(dir, 'sentinel.conf'),
    dbfilename: 'unused.rdb',
    rdb: join(dir, 'unused.rdb'),
    log: join(dir, `sentinel-${port}.log`),
    pid: join(dir, `sentinel-${port}.pid`),
  };
}

export function renderSentinelConf(config: SentinelConfig, paths: NodePaths, writtenAt = new Date()): string {
  const name = config.masterName;
  const lines = [
    `# sentinel.conf written by Replica Lab on ${writtenAt.toISOString()}.`,
    `#   redis-sentinel ${paths.conf}`,
    '# Sentinel rewrites this file as it learns (its id, replicas, other Sentinels, failovers).',
    '',
    `port ${config.port}`,
    'bind 127.0.0.1',
    'daemonize no',
    `dir ${confValue(paths.dir, true)}`,
    `logfile ${confValue(paths.log, true)}`,
    `sentinel monitor ${name} ${config.master.host} ${config.master.port} ${config.quorum}`,
    `sentinel down-after-milliseconds ${name} ${config.downAfterMs}`,
    `sentinel failover-timeout ${name} ${config.failoverTimeoutMs}`,
  ];
  if (config.authPass !== undefined && config.authPass !== '') {
    // Quoted only when it must be: Sentinel writes it back unquoted when it rewrites this
    // file, so a password with spaces starts once but does not survive a Sentinel restart.
    lines.push(`sentinel auth-pass ${name} ${confValue(config.authPass, /\s/.test(config.authPass))}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Creates the folder and writes sentinel.conf when `fresh` or when there is none yet;
 * otherwise keeps the file Sentinel last rewrote.
 */
export async function prepareSentinelFolder(
  sentinelsDir: string,
  config: SentinelConfig,
  fresh: boolean,
): Promise<NodePaths> {
  const paths = sentinelPaths(sentinelsDir, config.port);
  await mkdir(paths.dir, { recursive: true });
  if (fresh || !(await exists(paths.conf))) await writeFile(paths.conf, renderSentinelConf(config, paths));
  return paths;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
