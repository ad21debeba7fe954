/**
 * Free ports for new nodes: from a base (6379, Redis's port) upwards, skipping
 * the ports the lab already holds, each probed by listening on 127.0.0.1.
 */
import { createServer } from 'node:net';

export const DEFAULT_BASE_PORT = 6379;
const HIGHEST_PORT = 65535;

/** True when nothing listens on host:port (we could bind it). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', () => done(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => done(true)));
  });
}

export interface PortSearch {
  base?: number;
  /** Ports already given to nodes (running or not): never handed out again. */
  held?: Iterable<number>;
  /** Highest port to try (default 65535). */
  limit?: number;
  host?: string;
}

/** The first free port at or above `base` that is not held; throws when none is left. */
export async function pickFreePort(search: PortSearch = {}): Promise<number> {
  const base = search.base ?? DEFAULT_BASE_PORT;
  const limit = search.limit ?? HIGHEST_PORT;
  const held = new Set(search.held ?? []);
  for (let port = base; port <= limit; port++) {
    if (held.has(port)) continue;
    if (await isPortFree(port, search.host)) return port;
  }
  throw new Error(`No free port between ${base} and ${limit} on ${search.host ?? '127.0.0.1'}.`);
}
