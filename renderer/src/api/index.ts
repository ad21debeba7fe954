/**
 * Picks the transport once, at start: the Electron preload when it is there, the
 * web host's WebSocket when the page was served by it, and the in-memory demo lab
 * under `vite dev` (no host) or with `?demo` in the URL.
 */
import { FakeLab } from './fake-lab';
import { createIpcConnection } from './ipc';
import type { LabConnection } from './transport';
import { apiUrlFromLocation, createWebSocketConnection } from './websocket';

export function connectToLab(): LabConnection {
  if (window.replicaLab) return createIpcConnection(window.replicaLab);
  const query = new URLSearchParams(location.search);
  if (query.has('demo') || (import.meta.env.DEV && !query.has('token'))) {
    // `?demo=100` starts the demo lab with 100 nodes (for measuring frame times).
    return new FakeLab({ nodes: Math.min(Number(query.get('demo')) || 0, 1000) });
  }
  return createWebSocketConnection({ url: apiUrlFromLocation(location) });
}

export { FakeLab } from './fake-lab';
export { LabRequestError, toLabError } from './transport';
export type { ConnectionState, HostKind, LabConnection } from './transport';
