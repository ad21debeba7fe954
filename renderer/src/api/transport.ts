/**
 * What the renderer holds of the lab: the contract's LabClient, plus which host it
 * talks to and whether the link is up (a WebSocket can drop; the stores reload the
 * snapshot when it comes back). Types come from app/api, never values: the renderer
 * bundles no zod and no Node code.
 */
import type { ApiError, EventName, Events, LabClient, Method, Params, Results } from '@api/contract';

export type ConnectionState = 'connecting' | 'open' | 'closed';
export type HostKind = 'electron' | 'web' | 'fake';

export interface LabConnection extends LabClient {
  readonly host: HostKind;
  readonly state: ConnectionState;
  /** Called with every change of `state`; returns the unsubscribe function. */
  onConnection(listener: (state: ConnectionState) => void): () => void;
  close(): void;
}

/** A request the lab refused or that failed: carries the contract's ApiError. */
export class LabRequestError extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
    this.name = 'LabRequestError';
  }
}

export function toLabError(error: unknown): LabRequestError {
  if (error instanceof LabRequestError) return error;
  return new LabRequestError({ code: 'failed', message: error instanceof Error ? error.message : String(error) });
}

type AnyListener = (data: unknown) => void;

/** Event fan-out shared by the transports: listeners by event name. */
export class EventHub {
  private readonly listeners = new Map<string, Set<AnyListener>>();

  on<E extends EventName>(event: E, listener: (data: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const entry = listener as AnyListener;
    set.add(entry);
    return () => set.delete(entry);
  }

  emit(event: string, data: unknown): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        listener(data);
      } catch (error) {
        console.error(`replica-lab: a listener of "${event}" failed`, error);
      }
    }
  }
}

/** The typed request signature, for transports that forward untyped messages. */
export type RequestFn = <M extends Method>(method: M, params: Params<M>) => Promise<Results[M]>;
