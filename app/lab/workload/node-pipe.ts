/**
 * A workload's pipelined connection to one node: reconnects on its own (at most
 * once a second, so a killed node costs one refused connection per second, not
 * one per operation), counts the commands in flight, and says in words why it
 * cannot carry commands now.
 */
import type { RespConnection } from '../../resp/connection';
import { connectNode, describeConnectionError, type NodeAddress } from '../node-connection';

const RECONNECT_INTERVAL_MS = 1000;
const CONNECT_TIMEOUT_MS = 2000;
export const WORKLOAD_CLIENT_NAME = 'replica-lab:workload';

export class NodePipe {
  private connection: RespConnection | undefined;
  private connecting = false;
  private lastAttempt = 0;
  private closed = false;
  /** Commands sent and not answered yet. */
  inFlight = 0;
  /** When the node last answered, or when it was last sent a command with none in flight. */
  private lastAnswerAt = 0;

  constructor(
    readonly nodeId: string,
    private readonly address: () => NodeAddress | undefined,
    /** `redis_6380 (127.0.0.1:6380)`, for sentences. */
    private readonly label: () => string,
    /** A connection attempt failed, or an open connection was lost. */
    private readonly onFailure: (message: string) => void,
  ) {}

  /** The open connection, or undefined (then a reconnect is under way or due soon). */
  ready(): RespConnection | undefined {
    if (this.closed) return undefined;
    if (this.connection && !this.connection.closed) return this.connection;
    // Commands in flight on a lost connection are rejected, and uncounted, by their own handlers.
    this.connection = undefined;
    this.reconnect();
    return undefined;
  }

  sent(): void {
    if (this.inFlight === 0) this.lastAnswerAt = Date.now();
    this.inFlight++;
  }

  /** A command was answered (or failed). */
  answered(): void {
    this.inFlight--;
    this.lastAnswerAt = Date.now();
  }

  /** How long commands have been waiting without any answer (0 when none waits). */
  silentMs(now = Date.now()): number {
    return this.inFlight > 0 ? now - this.lastAnswerAt : 0;
  }

  /** Closes the connection; replies already on their way still arrive. */
  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    if (connection) await connection.close();
  }

  private reconnect(): void {
    const now = Date.now();
    if (this.connecting || now - this.lastAttempt < RECONNECT_INTERVAL_MS) return;
    const address = this.address();
    if (!address) return;
    this.connecting = true;
    this.lastAttempt = now;
    connectNode(address, CONNECT_TIMEOUT_MS, WORKLOAD_CLIENT_NAME).then(
      (connection) => {
        this.connecting = false;
        if (this.closed) {
          connection.destroy();
          return;
        }
        this.connection = connection;
        void connection.waitClosed().then(() => {
          if (!this.closed && this.connection === connection) this.onFailure(`${this.label()} closed the connection`);
        });
      },
      (error: unknown) => {
        this.connecting = false;
        if (!this.closed) this.onFailure(`${this.label()}: ${describeConnectionError(error)}`);
      },
    );
  }
}
