/**
 * The engines a node can run on, and the command line that starts a node on each.
 * builtin is always there (the host supplies the Node executable and the engine's
 * entry file); redis-server and valkey-server are found on PATH or at a configured
 * path, and report their version; remote servers are only attached to.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { EngineInfo, EngineKind } from './types.js';

/** What the host process knows about running the built-in engine. */
export interface EngineHost {
  /** `process.execPath` (in Electron, with ELECTRON_RUN_AS_NODE=1 in `env`). */
  nodeExecutable: string;
  /** The bundled engine entry (`out/main/engine.js`). */
  builtinEntry: string;
  /** Extra environment for builtin nodes. */
  env?: Record<string, string>;
}

export interface EngineSearch {
  /** Explicit executables; when set, PATH is not searched for that engine. */
  redisServerPath?: string;
  valkeyServerPath?: string;
  /** The PATH to search (default: process.env.PATH). */
  searchPath?: string;
}

/** The engines whose processes the lab runs. */
export type LocalEngineKind = Exclude<EngineKind, 'remote'>;

export interface LaunchCommand {
  executable: string;
  args: string[];
  /** Variables added to the host's environment. */
  env: Record<string, string>;
}

/** Set for builtin nodes: the engine exits when its stdin (a pipe from us) reaches EOF. */
export const PARENT_WATCH_ENV = 'REPLICA_LAB_PARENT_WATCH';

const BUILTIN_DESCRIPTION = 'built-in engine (Redis 7.0 compatible)';

export function isLocalEngine(kind: EngineKind): kind is LocalEngineKind {
  return kind !== 'remote';
}

/** The sentence given when an operation that needs the process is asked of a remote node. */
export function remoteRefusal(operation: string, id: string, host: string, port: number): string {
  return (
    `Cannot ${operation} node ${id}: it is a remote server at ${host}:${port}, which the lab attached to ` +
    'but did not start, so it never starts, stops, restarts, kills or freezes it.'
  );
}

/** Lists every engine, available or not, in a stable order: builtin, redis-server, valkey-server, remote. */
export async function detectEngines(host: EngineHost, search: EngineSearch = {}): Promise<EngineInfo[]> {
  const [redis, valkey] = await Promise.all([
    detectServer('redis-server', search.redisServerPath, search.searchPath),
    detectServer('valkey-server', search.valkeyServerPath, search.searchPath),
  ]);
  return [builtinEngine(host), redis, valkey, remoteEngine()];
}

export function builtinEngine(host: EngineHost): EngineInfo {
  return {
    kind: 'builtin',
    available: true,
    executable: host.nodeExecutable,
    description: BUILTIN_DESCRIPTION,
    managesProcess: true,
  };
}

export function remoteEngine(): EngineInfo {
  return {
    kind: 'remote',
    available: true,
    description: 'remote server (attach to host:port; never started or stopped by the lab)',
    managesProcess: false,
  };
}

/** redis-server or valkey-server at `configuredPath`, else the first on PATH. */
export async function detectServer(
  kind: 'redis-server' | 'valkey-server',
  configuredPath?: string,
  searchPath = process.env['PATH'] ?? '',
): Promise<EngineInfo> {
  const executable = configuredPath !== undefined ? resolve(configuredPath) : findOnPath(kind, searchPath);
  if (executable === undefined) {
    return { kind, available: false, description: `${kind} not found on PATH`, managesProcess: true };
  }
  if (!isExecutableFile(executable)) {
    return {
      kind,
      available: false,
      executable,
      description: `${kind}: ${executable} is not an executable file`,
      managesProcess: true,
    };
  }
  const version = await readServerVersion(executable);
  if (version === undefined) {
    return {
      kind,
      available: false,
      executable,
      description: `${kind} at ${executable} did not report a version (--version)`,
      managesProcess: true,
    };
  }
  return {
    kind,
    available: true,
    executable,
    version,
    description: `${kind} ${version} at ${executable}`,
    managesProcess: true,
  };
}

/** The first executable file called `name` in the PATH-style `searchPath`. */
export function findOnPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `Redis server v=7.0.15 sha=...` (or `Valkey server v=8.0.1 ...`) → `7.0.15`. */
export function parseServerVersion(output: string): string | undefined {
  return /\bv=(\d+\.\d+\.\d+\S*)/.exec(output)?.[1];
}

/** Runs `<executable> --version`; undefined when it fails or prints no version. */
export function readServerVersion(executable: string, timeoutMs = 5000): Promise<string | undefined> {
  return new Promise((done) => {
    execFile(executable, ['--version'], { timeout: timeoutMs }, (err, stdout) => {
      done(err ? undefined : parseServerVersion(stdout));
    });
  });
}

/** How to start a node on `engine` with its redis.conf at `confPath`. */
export function launchCommand(engine: EngineInfo, host: EngineHost, confPath: string): LaunchCommand {
  if (engine.kind === 'remote') throw new Error('A remote server is attached to, never launched.');
  if (!engine.available || engine.executable === undefined)
    throw new Error(`${engine.description}: cannot start a node on it.`);
  if (engine.kind === 'builtin') {
    return {
      executable: host.nodeExecutable,
      args: [host.builtinEntry, confPath],
      env: { ...host.env, [PARENT_WATCH_ENV]: '1' },
    };
  }
  return { executable: engine.executable, args: [confPath], env: {} };
}
