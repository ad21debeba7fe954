import { describe, expect, it, vi } from 'vitest';
import type { ClientMessage } from '@api/contract';
import { apiUrlFromLocation, createWebSocketConnection } from './websocket';
import { LabRequestError } from './transport';

/** Just enough of a browser WebSocket for the transport: the test plays the host. */
class FakeSocket {
  static last: FakeSocket | undefined;
  sent: ClientMessage[] = [];
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((message: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.last = this;
  }
  send(text: string) {
    this.sent.push(JSON.parse(text) as ClientMessage);
  }
  close() {
    this.onclose?.();
  }
  reply(data: unknown) {
    this.onmessage?.({ data: JSON.stringify(data) });
  }
}

function connect() {
  return createWebSocketConnection({
    url: 'ws://127.0.0.1:1/api?token=t',
    createSocket: (url) => new FakeSocket(url) as unknown as WebSocket,
  });
}

describe('the WebSocket transport', () => {
  it('derives the socket URL from the page, token included', () => {
    const url = apiUrlFromLocation({ protocol: 'http:', host: '127.0.0.1:5000', search: '?token=abc' } as Location);
    expect(url).toBe('ws://127.0.0.1:5000/api?token=abc');
  });

  it('waits for the socket, matches replies by id and passes events on', async () => {
    const lab = connect();
    const socket = FakeSocket.last!;
    const events: unknown[] = [];
    lab.on('notice', (data) => events.push(data));
    const reply = lab.request('node.kill', { id: 'node-1' });
    expect(socket.sent).toHaveLength(0);
    socket.onopen?.();
    await vi.waitFor(() => expect(socket.sent).toHaveLength(1));
    const { id, method, params } = socket.sent[0]!;
    expect({ method, params }).toEqual({ method: 'node.kill', params: { id: 'node-1' } });
    socket.reply({ type: 'event', event: 'notice', data: { level: 'info', message: 'hi' } });
    socket.reply({ type: 'response', id, ok: true, result: {} });
    await expect(reply).resolves.toEqual({});
    expect(events).toEqual([{ level: 'info', message: 'hi' }]);
    lab.close();
  });

  it('turns an error reply into a LabRequestError carrying the ApiError', async () => {
    const lab = connect();
    const socket = FakeSocket.last!;
    socket.onopen?.();
    const reply = lab.request('edge.connect', { replica: 'a', master: 'b' });
    await vi.waitFor(() => expect(socket.sent).toHaveLength(1));
    socket.reply({ type: 'response', id: socket.sent[0]!.id, ok: false, error: { code: 'rule', message: 'a circle' } });
    const error = await reply.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabRequestError);
    expect((error as LabRequestError).error).toEqual({ code: 'rule', message: 'a circle' });
    lab.close();
  });

  it('fails requests in flight when the socket drops, then reconnects', async () => {
    vi.useFakeTimers();
    try {
      const lab = connect();
      const first = FakeSocket.last!;
      const states: string[] = [];
      lab.onConnection((state) => states.push(state));
      first.onopen?.();
      const reply = lab.request('lab.snapshot', {});
      await vi.waitFor(() => expect(first.sent).toHaveLength(1));
      first.onclose?.();
      await expect(reply).rejects.toThrow(/lost/);
      await vi.advanceTimersByTimeAsync(300);
      const second = FakeSocket.last!;
      expect(second).not.toBe(first);
      second.onopen?.();
      expect(states).toEqual(['open', 'closed', 'connecting', 'open']);
      lab.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
