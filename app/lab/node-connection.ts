/**
 * Opening a RESP connection to a node the way the lab needs it: bounded in time
 * (a remote host that drops packets must not hold a caller for minutes), AUTH
 * when the node wants it, and named so `CLIENT LIST` shows who is asking.
 */
import { RespConnection } from '../resp/connection.js';
import type { RespValue } from '../resp/reply-parser.js';

export interface NodeAddress {
  host: string;
  port: number;
  username?: string;
  password?: string;
}

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** Resolves as `promise` does, or rejects with a TimeoutError after `ms`; `onLate` receives a value that came too late. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string, onLate?: (value: T) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new TimeoutError(`${what}: no answer within ${ms} ms`));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        if (timedOut) onLate?.(value);
        else resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (!timedOut) reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** Connects, authenticates and names the connection; rejects (and leaves nothing open) on any failure. */
export async function connectNode(
  address: NodeAddress,
  timeoutMs: number,
  clientName?: string,
): Promise<RespConnection> {
  const where = `${address.host}:${address.port}`;
  const connection = await withTimeout(
    RespConnection.connect(address.port, address.host),
    timeoutMs,
    `connect to ${where}`,
    (late) => late.destroy(),
  );
  try {
    if (address.password !== undefined) {
      const auth =
        address.username !== undefined
          ? connection.send('AUTH', address.username, address.password)
          : connection.send('AUTH', address.password);
      expectOk(await withTimeout(auth, timeoutMs, `AUTH on ${where}`), `AUTH on ${where}`);
    }
    if (clientName !== undefined) {
      await withTimeout(connection.send('CLIENT', 'SETNAME', clientName), timeoutMs, `CLIENT SETNAME on ${where}`);
    }
    return connection;
  } catch (err) {
    connection.destroy();
    throw err;
  }
}

function expectOk(reply: RespValue, what: string): void {
  if (reply.type === 'error') throw new Error(`${what} failed: ${reply.value}`);
}

/** The short form of a connection error for a sentence (`ECONNREFUSED` → `connection refused`). */
export function describeConnectionError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'EHOSTUNREACH') return 'host unreachable';
  if (code === 'ENOTFOUND') return 'host not found';
  if (code === 'ECONNRESET') return 'connection reset';
  return (err as Error).message;
}
