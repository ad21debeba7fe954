/**
 * The lab's two connections to one running Sentinel: one for commands (its view,
 * SENTINEL FAILOVER), kept open between ticks, and one subscribed to every channel
 * (`PSUBSCRIBE *`), on which Sentinel publishes its events. Both reconnect on the
 * next use after the Sentinel restarts.
 */
import type { RespConnection } from '../../resp/connection';
import type { RespValue } from '../../resp/reply-parser';
import { connectNode, withTimeout } from '../node-connection';

const CLIENT_NAME = 'replica-lab';
const TIMEOUT_MS = 2000;

export type SentinelEventListener = (event: string, message: string) => void;

export class SentinelLink {
  private commands: RespConnection | undefined;
  private connecting: Promise<RespConnection> | undefined;
  private events: RespConnection | undefined;
  private subscribing = false;
  private closed = false;

  constructor(
    readonly port: number,
    private readonly onEvent: SentinelEventListener,
    readonly host = '127.0.0.1',
  ) {}

  /** One command on the kept connection (opened again if it was lost); an error reply is a reply. */
  async send(args: string[], timeoutMs = TIMEOUT_MS): Promise<RespValue> {
    const connection = await this.commandConnection();
    try {
      return await withTimeout(connection.send(...args), timeoutMs, `${args.join(' ')} on Sentinel ${this.port}`);
    } catch (err) {
      // A late reply would answer the next command: the connection cannot be trusted any more.
      connection.destroy();
      if (this.commands === connection) this.commands = undefined;
      throw err;
    }
  }

  /** Subscribes to every channel unless already subscribed; failures are retried at the next call. */
  ensureSubscribed(): void {
    if (this.closed || this.subscribing || (this.events && !this.events.closed)) return;
    this.subscribing = true;
    void this.subscribe().finally(() => (this.subscribing = false));
  }

  close(): void {
    this.closed = true;
    this.commands?.destroy();
    this.events?.destroy();
    this.commands = undefined;
    this.events = undefined;
  }

  private async commandConnection(): Promise<RespConnection> {
    if (this.closed) throw new Error(`The link to Sentinel ${this.port} is closed.`);
    if (this.commands && !this.commands.closed) return this.commands;
    this.connecting ??= connectNode({ host: this.host, port: this.port }, TIMEOUT_MS, CLIENT_NAME).finally(
      () => (this.connecting = undefined),
    );
    const connection = await this.connecting;
    if (this.closed) {
      connection.destroy();
      throw new Error(`The link to Sentinel ${this.port} is closed.`);
    }
    this.commands = connection;
    return connection;
  }

  private async subscribe(): Promise<void> {
    let connection: RespConnection;
    try {
      connection = await connectNode({ host: this.host, port: this.port }, TIMEOUT_MS, `${CLIENT_NAME}-events`);
    } catch {
      return;
    }
    if (this.closed) {
      connection.destroy();
      return;
    }
    this.events = connection;
    try {
      // RESP2: the confirmation, then every event as [pmessage, pattern, channel, message].
      await withTimeout(connection.send('PSUBSCRIBE', '*'), TIMEOUT_MS, `PSUBSCRIBE on Sentinel ${this.port}`);
      for (;;) {
        const reply = await connection.readReply();
        if (reply.type !== 'array' || reply.items.length !== 4) continue;
        const [kind, , channel, message] = reply.items;
        if (
          kind?.type === 'bulk' &&
          kind.value === 'pmessage' &&
          channel?.type === 'bulk' &&
          message?.type === 'bulk'
        ) {
          this.onEvent(channel.value, message.value);
        }
      }
    } catch {
      // The Sentinel went away (stopped, crashed) or we closed: subscribe again at the next tick.
      connection.destroy();
      if (this.events === connection) this.events = undefined;
    }
  }
}
