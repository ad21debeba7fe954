/**
 * The Electron transport: the preload's `window.replicaLab` (contextBridge), which
 * forwards requests over IPC and pushes events. The link cannot drop, so the
 * connection is always open.
 */
import type { ApiError, Method, Params, Results } from '@api/contract';
import { EventHub, LabRequestError, type ConnectionState, type LabConnection } from './transport';

type IpcReply = { ok: true; result: unknown } | { ok: false; error: ApiError } | undefined;

export interface PreloadBridge {
  host: 'electron';
  request(method: string, params: unknown): Promise<unknown>;
  onEvent(listener: (event: string, data: unknown) => void): () => void;
}

declare global {
  interface Window {
    replicaLab?: PreloadBridge;
  }
}

export function createIpcConnection(bridge: PreloadBridge): LabConnection {
  const hub = new EventHub();
  const unsubscribe = bridge.onEvent((event, data) => hub.emit(event, data));
  return {
    host: 'electron',
    state: 'open' as ConnectionState,
    async request<M extends Method>(method: M, params: Params<M>): Promise<Results[M]> {
      const reply = (await bridge.request(method, params)) as IpcReply;
      if (!reply) throw new LabRequestError({ code: 'failed', message: `The app did not answer "${method}".` });
      if (!reply.ok) throw new LabRequestError(reply.error);
      return reply.result as Results[M];
    },
    on: (event, listener) => hub.on(event, listener),
    onConnection: () => () => undefined,
    close: unsubscribe,
  };
}
