/**
 * Whether redis-sentinel is installed here (Debian's `redis-sentinel` package),
 * found the way the node engines are: a configured path, else the first on PATH,
 * answering `--version`.
 */
import { findOnPath, readServerVersion } from '../engines';
import type { EngineInfo } from '../types';

export interface SentinelAvailability {
  available: boolean;
  executable?: string;
  version?: string;
  /** `redis-sentinel 7.0.15 at /usr/bin/redis-sentinel`, or why it cannot run. */
  description: string;
}

export async function detectSentinel(
  configuredPath?: string,
  searchPath = process.env['PATH'] ?? '',
): Promise<SentinelAvailability> {
  const executable = configuredPath ?? findOnPath('redis-sentinel', searchPath);
  if (executable === undefined) {
    return {
      available: false,
      description: 'redis-sentinel not found on PATH (Debian: apt-get install redis-sentinel)',
    };
  }
  const version = await readServerVersion(executable);
  if (version === undefined) {
    return { available: false, executable, description: `redis-sentinel at ${executable} did not report a version` };
  }
  return { available: true, executable, version, description: `redis-sentinel ${version} at ${executable}` };
}

/**
 * The engine list the Sentinels' own supervisor runs from: redis-sentinel takes a
 * config file path as redis-server does, and cannot watch its parent either, so the
 * supervisor treats it as a redis-server-like process (records it for reaping).
 */
export function sentinelEngines(sentinel: SentinelAvailability): EngineInfo[] {
  return [
    {
      kind: 'redis-server',
      available: sentinel.available,
      executable: sentinel.executable,
      version: sentinel.version,
      description: sentinel.description,
      managesProcess: true,
    },
  ];
}
