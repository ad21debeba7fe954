/**
 * The web host's transport: one WebSocket at /api carrying the contract's JSON
 * messages. Requests carry ids; a dropped socket fails the requests in flight and
 * reconnects with a growing delay, and `onConnection` tells the stores to reload
 * the snapshot once it is back (events missed in between are not replayed).
 */
import type { ClientMessage, Method, Params, Results, ServerMessage } from '@api/contract';
import { EventHub, LabRequestError, type ConnectionState, type LabConnection } from './transport';

interface Pending {
  resolve(result: unknown): void;
  reject(error: LabRequestError): void;
}

export interface WebSocketOptions {
  url: string;
  /** How long a request waits for the socket to open before failing. */
  openTimeoutMs?: number;
  createSocket?: (url: string) => WebSocket;
}

/** ws://host/api?token=T for the page that was opened as http://host/?token=T. */
export function apiUrlFromLocation(location: Location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = new URLSearchParams(location.search).get('token');
  return `${scheme}//${location.host}/api${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

export function createWebSocketConnection(options: WebSocketOptions): LabConnection {
  const hub = new EventHub();
  const pending = new Map<number, Pending>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  const waiting = new Set<() => void>();
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url));
  let nextId = 1;
  let socket: WebSocket | undefined;
  let state: ConnectionState = 'connecting';
  let retryDelay = 250;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    if (next === 'open') for (const wake of [...waiting]) wake();
    for (const listener of stateListeners) listener(next);
  };

  const failPending = (message: string) => {
    for (const [id, request] of pending) {
      pending.delete(id);
      request.reject(new LabRequestError({ code: 'failed', message }));
    }
  };

  const connect = () => {
    if (closed) return;
    setState('connecting');
    const ws = createSocket(options.url);
    socket = ws;
    ws.onopen = () => {
      retryDelay = 250;
      setState('open');
    };
    ws.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      let parsed: ServerMessage;
      try {
        parsed = JSON.parse(message.data) as ServerMessage;
      } catch {
        return;
      }
      if (parsed.type === 'event') hub.emit(parsed.event, parsed.data);
      else if (parsed.type === 'response') {
        const request = pending.get(parsed.id);
        if (!request) return;
        pending.delete(parsed.id);
        if (parsed.ok) request.resolve(parsed.result);
        else request.reject(new LabRequestError(parsed.error));
      }
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = undefined;
      failPending('The connection to the lab was lost; it is reconnecting.');
      setState('closed');
      if (closed) return;
      retryTimer = setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 5000);
    };
  };

  const whenOpen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      if (state === 'open') return resolve();
      const timer = setTimeout(() => {
        waiting.delete(wake);
        reject(new LabRequestError({ code: 'failed', message: 'The lab is not reachable (no connection).' }));
      }, options.openTimeoutMs ?? 10_000);
      const wake = () => {
        clearTimeout(timer);
        waiting.delete(wake);
        resolve();
      };
      waiting.add(wake);
    });

  connect();

  return {
    host: 'web',
    get state() {
      return state;
    },
    async request<M extends Method>(method: M, params: Params<M>): Promise<Results[M]> {
      await whenOpen();
      const id = nextId++;
      const message: ClientMessage = { type: 'request', id, method, params };
      return new Promise<Results[M]>((resolve, reject) => {
        pending.set(id, { resolve: (result) => resolve(result as Results[M]), reject });
        socket?.send(JSON.stringify(message));
      });
    },
    on: (event, listener) => hub.on(event, listener),
    onConnection(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      socket?.close();
      failPending('The connection was closed.');
    },
  };
}
