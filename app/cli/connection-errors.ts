/**
 * hiredis's error strings (context->errstr), which redis-cli prints after
 * "Error: " or "Could not connect to Redis at host:port: ".
 */
import { ConnectionClosedError } from '../resp/connection.js';

/** strerror() texts for the errors a client connection meets. */
const STRERROR: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  EPIPE: 'Broken pipe',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EACCES: 'Permission denied',
  // getaddrinfo() failures, as gai_strerror() words them.
  ENOTFOUND: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
};

export function errorText(err: unknown): string {
  if (err instanceof ConnectionClosedError) return 'Server closed the connection';
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && STRERROR[code]) return STRERROR[code];
  return err instanceof Error ? err.message : String(err);
}

/** The failures after which an interactive redis-cli reconnects instead of exiting. */
export function isConnectionLost(err: unknown): boolean {
  if (err instanceof ConnectionClosedError) return true;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}
