/**
 * One dispatcher for both hosts: takes a message as it arrived (IPC or WebSocket,
 * untrusted), validates it against the contract's schemas and hands it to the lab.
 * Whatever goes wrong comes back as an ApiError; nothing a renderer sends can throw
 * in the host.
 */
import { isMethod, parseParams, type ApiError, type Method, type ServerMessage } from '../app/api/contract';
import { toApiError, type LabService } from '../app/lab/service';

export async function dispatchMessage(service: LabService, raw: unknown): Promise<ServerMessage | undefined> {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const message = raw as Record<string, unknown>;
  const id = message['id'];
  if (message['type'] !== 'request' || typeof id !== 'number' || !Number.isSafeInteger(id)) return undefined;
  const method = message['method'];
  if (!isMethod(method)) {
    return failure(id, { code: 'invalid', message: `Unknown request "${String(method)}".` });
  }
  const params = parseParams(method, message['params']);
  if (!params.ok) return failure(id, params.error);
  try {
    const result = await service.handle(method as Method, params.value);
    return { type: 'response', id, ok: true, result };
  } catch (error) {
    return failure(id, toApiError(error));
  }
}

function failure(id: number, error: ApiError): ServerMessage {
  return { type: 'response', id, ok: false, error };
}
