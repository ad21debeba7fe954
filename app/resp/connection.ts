/**
 * A small promise-based RESP client over TCP, for tests, the lab's poller and
 * tooling. Commands may be pipelined freely: replies are matched to send()
 * calls in order, as Redis answers in order. Replies nobody asked for (after
 * sendRaw(), or pub/sub messages in RESP2) are read with readReply().
 *
 * RESP3 push messages (`>`) go to the onPush handler when one is set; without
 * one they are ordinary replies (so a test can read a SUBSCRIBE confirmation
 * with send() or readReply()).
 */
import { connect as netConnect, type Socket } from 'node:net';
import { encodeCommand, type CommandArg } from './encoder.js';
import { ReplyParser, RespReplyError, toPlain, type PlainValue, type RespValue } from './reply-parser.js';

interface Waiter {
  resolve(value: RespValue): void;
  reject(err: Error): void;
}

export class ConnectionClosedError extends Error {
  override name = 'ConnectionClosedError';
}

export class RespConnection {
  /** Called with every RESP3 push message; when unset, pushes are ordinary replies. */
  onPush: ((message: RespValue & { type: 'push' }) => void) | undefined;

  private readonly parser = new ReplyParser();
  /** send() calls waiting for their reply, in order. */
  private readonly pending: Waiter[] = [];
  /** readReply() calls waiting for an unclaimed reply. */
  private readonly readers: Waiter[] = [];
  /** Replies that arrived with no send() waiting for them. */
  private readonly unclaimed: RespValue[] = [];
  private closedError: Error | undefined;
  private readonly closedPromise: Promise<void>;

  private constructor(readonly socket: Socket) {
    let markClosed: () => void = () => {};
    this.closedPromise = new Promise((resolve) => (markClosed = resolve));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => {
      this.fail(new ConnectionClosedError('Connection closed'));
      markClosed();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ port, host });
      const onError = (err: Error) => reject(err);
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve(new RespConnection(socket));
      });
    });
  }

  /** True once the socket closed (by either side) or failed. */
  get closed(): boolean {
    return this.closedError !== undefined;
  }

  /** Resolves when the socket is fully closed, e.g. after the server dropped us. */
  waitClosed(): Promise<void> {
    return this.closedPromise;
  }

  /** Sends a command; resolves with its reply (error replies included, as values). */
  send(...args: CommandArg[]): Promise<RespValue> {
    return this.sendEncoded(encodeCommand(args));
  }

  /** Like send(), but plain JS (toPlain), rejecting with RespReplyError on an error reply. */
  async call(...args: CommandArg[]): Promise<PlainValue> {
    const reply = await this.send(...args);
    if (reply.type === 'error') throw new RespReplyError(reply.value);
    return toPlain(reply);
  }

  /** Sends bytes expected to produce exactly one reply, and resolves with it. */
  sendEncoded(bytes: Buffer | string): Promise<RespValue> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(bytes);
    });
  }

  /**
   * Writes bytes as they are; their replies, if any, are read with readReply().
   * Replies go to pending send() calls first, so wait for those before sendRaw().
   */
  sendRaw(bytes: Buffer | string): void {
    if (this.closedError) throw this.closedError;
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /**
   * The next reply not claimed by a send(). Rejects when the connection closes,
   * or after timeoutMs if given.
   */
  readReply(timeoutMs?: number): Promise<RespValue> {
    const ready = this.unclaimed.shift();
    if (ready) return Promise.resolve(ready);
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      this.readers.push(waiter);
      if (timeoutMs !== undefined) {
        const timer = setTimeout(() => {
          const index = this.readers.indexOf(waiter);
          if (index !== -1) this.readers.splice(index, 1);
          reject(new Error(`No reply within ${timeoutMs} ms`));
        }, timeoutMs);
        const settle = (fn: () => void) => {
          clearTimeout(timer);
          fn();
        };
        waiter.resolve = (value) => settle(() => resolve(value));
        waiter.reject = (err) => settle(() => reject(err));
      }
    });
  }

  /** Closes our side; pending calls reject. Resolves once the socket is closed. */
  close(): Promise<void> {
    if (!this.socket.destroyed) this.socket.end();
    // A server that never closes its side must not keep us waiting.
    const timer = setTimeout(() => this.socket.destroy(), 1000);
    return this.closedPromise.then(() => clearTimeout(timer));
  }

  /** Drops the connection at once, without a FIN handshake. */
  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    try {
      this.parser.feed(chunk);
    } catch (err) {
      this.fail(err as Error);
      this.socket.destroy();
      return;
    }
    for (let reply = this.parser.next(); reply !== undefined; reply = this.parser.next()) {
      this.dispatch(reply);
    }
  }

  private dispatch(reply: RespValue): void {
    if (reply.type === 'push' && this.onPush) {
      this.onPush(reply);
      return;
    }
    const waiter = this.pending.shift() ?? this.readers.shift();
    if (waiter) waiter.resolve(reply);
    else this.unclaimed.push(reply);
  }

  private fail(err: Error): void {
    if (this.closedError) return;
    this.closedError = err;
    for (const waiter of this.pending.splice(0)) waiter.reject(err);
    for (const waiter of this.readers.splice(0)) waiter.reject(err);
  }
}
