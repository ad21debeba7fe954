/**
 * The lab's TCP proxy for one replication link: the replica connects to it, it
 * forwards to the master. Its faults change live, without dropping connections:
 * a cut direction stops carrying bytes (the source socket is paused, so TCP's
 * back-pressure holds the bytes as a network partition would, and Redis notices
 * only through `repl-timeout`), latency with jitter delays each chunk (order kept),
 * a token bucket caps the bandwidth. No root, plain node:net, any OS.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { LinkFault } from '../../api/runtime';
import { NO_FAULT } from '../../api/runtime';

export type Direction = 'to-replica' | 'to-master';

export interface ProxyStats {
  bytesToReplica: number;
  bytesToMaster: number;
  connections: number;
}

/** Bytes queued in one direction before its source is paused (back-pressure). */
const HIGH_WATER = 256 * 1024;

export function cuts(fault: LinkFault, direction: Direction): boolean {
  return fault.cut === 'both' || fault.cut === direction;
}

export class LinkProxy {
  private fault: LinkFault = { ...NO_FAULT };
  private readonly server: Server;
  private readonly connections = new Set<ProxyConnection>();
  private readonly bytes: Record<Direction, number> = { 'to-replica': 0, 'to-master': 0 };
  private closed = false;
  private boundPort = 0;

  private constructor(
    readonly target: { host: string; port: number },
    readonly host: string,
  ) {
    this.server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
  }

  /** A proxy listening on `host` (127.0.0.1) at `port` (0: any free port), forwarding to `target`. */
  static async open(target: { host: string; port: number }, options: { host?: string; port?: number } = {}) {
    const proxy = new LinkProxy({ ...target }, options.host ?? '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(options.port ?? 0, proxy.host, () => {
        proxy.server.off('error', reject);
        resolve();
      });
    });
    const address = proxy.server.address();
    proxy.boundPort = typeof address === 'object' && address ? address.port : 0;
    return proxy;
  }

  get port(): number {
    return this.boundPort;
  }

  get currentFault(): LinkFault {
    return { ...this.fault };
  }

  /** Applies a fault to every open connection and to the ones to come. */
  setFault(fault: LinkFault): void {
    this.fault = { ...fault };
    for (const connection of this.connections) connection.refresh();
  }

  stats(): ProxyStats {
    return {
      bytesToReplica: this.bytes['to-replica'],
      bytesToMaster: this.bytes['to-master'],
      connections: this.connections.size,
    };
  }

  /** Stops listening and drops every connection; resolves when nothing is left open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const listening = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of [...this.connections]) connection.destroy();
    await listening;
  }

  /** @internal */
  faultNow(): LinkFault {
    return this.fault;
  }

  /** @internal */
  carried(direction: Direction, count: number): void {
    this.bytes[direction] += count;
  }

  /** @internal */
  forget(connection: ProxyConnection): void {
    this.connections.delete(connection);
  }

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.connections.add(new ProxyConnection(this, socket));
  }
}

/** One replica connection and its upstream connection to the master. */
class ProxyConnection {
  private upstream: Socket | undefined;
  private readonly pipes: Pipe[] = [];
  private done = false;

  constructor(
    private readonly proxy: LinkProxy,
    private readonly downstream: Socket,
  ) {
    downstream.setNoDelay(true);
    // Accepted, not forwarded: while a cut holds, the master must not see this connection.
    downstream.pause();
    downstream.on('error', () => this.destroy());
    downstream.on('close', () => this.destroy());
    this.refresh();
  }

  /** Dials the master once no cut holds, and lets each pipe follow the current fault. */
  refresh(): void {
    if (this.done) return;
    if (!this.upstream) {
      if (this.proxy.faultNow().cut !== 'none') return;
      this.dial();
      return;
    }
    for (const pipe of this.pipes) pipe.refresh();
  }

  destroy(): void {
    if (this.done) return;
    this.done = true;
    for (const pipe of this.pipes) pipe.stop();
    this.downstream.destroy();
    this.upstream?.destroy();
    this.proxy.forget(this);
  }

  private dial(): void {
    const { host, port } = this.proxy.target;
    const upstream = connect({ host, port, allowHalfOpen: true });
    this.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.pause();
    upstream.on('error', () => this.destroy());
    upstream.on('close', () => this.destroy());
    upstream.once('connect', () => {
      if (this.done) return;
      this.pipes.push(
        new Pipe(this.proxy, 'to-master', this.downstream, upstream),
        new Pipe(this.proxy, 'to-replica', upstream, this.downstream),
      );
    });
  }
}

interface Queued {
  chunk: Buffer;
  dueAt: number;
}

/** One direction: reads the source, delays, paces and writes to the destination in order. */
class Pipe {
  private readonly queue: Queued[] = [];
  private queuedBytes = 0;
  private lastDueAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private waitingForDrain = false;
  private sourceEnded = false;
  private stopped = false;
  /** Token bucket: bytes that may be written now, refilled at the cap's rate. */
  private tokens = 0;
  private refilledAt = Date.now();

  constructor(
    private readonly proxy: LinkProxy,
    private readonly direction: Direction,
    private readonly source: Socket,
    private readonly destination: Socket,
  ) {
    // An empty bucket to start with: no burst above the cap, whatever the bucket's size.
    this.tokens = 0;
    source.on('data', (chunk: Buffer) => this.receive(chunk));
    source.on('end', () => {
      this.sourceEnded = true;
      this.pump();
    });
    destination.on('drain', () => {
      this.waitingForDrain = false;
      this.pump();
    });
    this.refresh();
  }

  refresh(): void {
    if (this.stopped) return;
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }

  private cut(): boolean {
    return cuts(this.proxy.faultNow(), this.direction);
  }

  private receive(chunk: Buffer): void {
    if (this.stopped) return;
    const fault = this.proxy.faultNow();
    const delay = fault.latencyMs + (fault.jitterMs > 0 ? Math.random() * fault.jitterMs : 0);
    // A chunk never overtakes the one before it, whatever its jitter.
    const dueAt = Math.max(Date.now() + delay, this.lastDueAt);
    this.lastDueAt = dueAt;
    this.queue.push({ chunk, dueAt });
    this.queuedBytes += chunk.length;
    this.pump();
  }

  /** Writes what is due and allowed, then sets the source's flow and the next wake-up. */
  private pump(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    let wakeAt: number | undefined;
    if (!this.cut()) {
      while (this.queue.length > 0 && !this.waitingForDrain) {
        const head = this.queue[0]!;
        const now = Date.now();
        if (head.dueAt > now) {
          wakeAt = head.dueAt;
          break;
        }
        const allowed = this.allowance(now);
        if (allowed <= 0) {
          wakeAt = now + this.msUntilTokens(Math.min(head.chunk.length, this.bucketSize()));
          break;
        }
        let piece = head.chunk;
        if (piece.length > allowed) {
          piece = head.chunk.subarray(0, allowed);
          head.chunk = head.chunk.subarray(allowed);
        } else {
          this.queue.shift();
        }
        this.spend(piece.length);
        this.queuedBytes -= piece.length;
        this.proxy.carried(this.direction, piece.length);
        if (!this.destination.write(piece)) this.waitingForDrain = true;
      }
      if (this.sourceEnded && this.queue.length === 0 && !this.destination.writableEnded) this.destination.end();
    }
    const hold = this.cut() || this.waitingForDrain || this.queuedBytes >= HIGH_WATER;
    if (hold) this.source.pause();
    else if (!this.sourceEnded) this.source.resume();
    if (wakeAt !== undefined && !this.cut()) {
      this.timer = setTimeout(() => this.pump(), Math.max(1, wakeAt - Date.now()));
    }
  }

  private bytesPerSecond(): number {
    return (this.proxy.faultNow().bandwidthKbps * 1000) / 8;
  }

  /** A tenth of a second of the cap: timers that fire late (a busy host) lose no throughput. */
  private bucketSize(): number {
    const rate = this.bytesPerSecond();
    return rate > 0 ? Math.max(1024, Math.floor(rate / 10)) : Infinity;
  }

  private allowance(now: number): number {
    const rate = this.bytesPerSecond();
    if (rate <= 0) return Infinity;
    this.tokens = Math.min(this.bucketSize(), this.tokens + ((now - this.refilledAt) * rate) / 1000);
    this.refilledAt = now;
    return Math.floor(this.tokens);
  }

  private spend(count: number): void {
    if (this.bytesPerSecond() > 0) this.tokens -= count;
  }

  private msUntilTokens(count: number): number {
    const rate = this.bytesPerSecond();
    return Math.max(1, Math.ceil(((count - this.tokens) * 1000) / rate));
  }
}
