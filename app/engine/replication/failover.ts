/**
 * Coordinated failover (replication.c failoverCommand, updateFailoverStatus,
 * abortFailover, clearFailoverState). The master pauses writes, waits until a
 * replica (the TO one, or the first) has acknowledged the whole stream, then
 * becomes that replica's replica and sends it `PSYNC <replid> <offset> FAILOVER`,
 * which makes the target a master that continues our history. The pause lifts
 * once the target answered the PSYNC (or the failover is aborted), and the
 * writes that waited then meet a replica.
 */
import type { Client } from '../client.js';
import type { Server } from '../server.js';
import type { ReplicaLink, ReplicationMaster } from './master.js';

export type FailoverState = 'no-failover' | 'waiting-for-sync' | 'failover-in-progress';

export interface FailoverRequest {
  host: string | undefined;
  port: number;
  timeoutMs: number;
  force: boolean;
}

export class Failover {
  /** master_failover_state. */
  state: FailoverState = 'no-failover';
  /** failover_end_time (ms), 0 without TIMEOUT. */
  private endTime = 0;
  private force = false;
  private targetHost: string | undefined;
  private targetPort = 0;

  constructor(
    private readonly server: Server,
    private readonly master: ReplicationMaster,
  ) {}

  /** A TIMEOUT was given (failover_end_time is set). */
  hasDeadline(): boolean {
    return this.endTime !== 0;
  }

  /** failoverCommand() once parsed: the error text, or undefined when the failover started. */
  start(request: FailoverRequest): string | undefined {
    const server = this.server;
    if (this.state !== 'no-failover') return 'ERR FAILOVER already in progress.';
    if (server.masterHost !== undefined) return 'ERR FAILOVER is not valid when server is a replica.';
    if (this.master.replicas.size === 0) return 'ERR FAILOVER requires connected replicas.';
    if (request.force && (request.timeoutMs === 0 || request.host === undefined)) {
      return 'ERR FAILOVER with force option requires both a timeout and target HOST and IP.';
    }
    if (request.host !== undefined) {
      const replica = this.findReplica(request.host, request.port);
      if (!replica) return 'ERR FAILOVER target HOST and PORT is not a replica.';
      if (replica.state !== 'online') return 'ERR FAILOVER target replica is not online.';
      this.targetHost = request.host;
      this.targetPort = request.port;
      server.log.notice(`FAILOVER requested to ${request.host}:${request.port}.`);
    } else {
      server.log.notice('FAILOVER requested to any replica.');
    }
    if (request.timeoutMs > 0) this.endTime = Date.now() + request.timeoutMs;
    this.force = request.force;
    this.state = 'waiting-for-sync';
    server.pauseClients('write', Infinity, 'failover');
    return undefined;
  }

  /** updateFailoverStatus(): time out, or fail over to a replica that acknowledged everything. */
  update(): void {
    if (this.state !== 'waiting-for-sync') return;
    const server = this.server;
    if (this.endTime !== 0 && this.endTime <= Date.now()) {
      if (this.force) {
        server.log.notice(`FAILOVER to ${this.targetHost}:${this.targetPort} time out exceeded, failing over.`);
        this.state = 'failover-in-progress';
        server.replica.setMaster(this.targetHost!, this.targetPort);
      } else {
        this.abort('Replica never caught up before timeout');
      }
      return;
    }
    const offset = this.master.offset;
    let target: ReplicaLink | undefined;
    if (this.targetHost !== undefined) {
      target = this.findReplica(this.targetHost, this.targetPort);
    } else {
      for (const link of this.master.replicas.values()) {
        if (link.ackOffset !== offset) continue;
        target = link;
        this.targetHost = replicaIp(link.client);
        this.targetPort = link.listeningPort;
        break;
      }
    }
    if (!target || target.ackOffset !== offset) return;
    this.state = 'failover-in-progress';
    server.log.notice(`Failover target ${this.targetHost}:${this.targetPort} is synced, failing over.`);
    server.replica.setMaster(this.targetHost!, this.targetPort);
  }

  /** abortFailover(). */
  abort(reason: string): void {
    if (this.state === 'no-failover') return;
    const server = this.server;
    if (this.targetHost !== undefined) {
      server.log.notice(`FAILOVER to ${this.targetHost}:${this.targetPort} aborted: ${reason}`);
    } else {
      server.log.notice(`FAILOVER to any replica aborted: ${reason}`);
    }
    if (this.state === 'failover-in-progress') server.replica.unsetMaster();
    this.clear();
  }

  /** clearFailoverState(): the failover is over, writes may run again. */
  clear(): void {
    this.endTime = 0;
    this.force = false;
    this.targetHost = undefined;
    this.targetPort = 0;
    this.state = 'no-failover';
    this.server.unpauseClients('failover');
  }

  /**
   * syncWithMaster() after the target answered our PSYNC FAILOVER: a +CONTINUE (or
   * even a full resync) completes the failover; anything else aborts it. True when
   * the handshake may go on.
   */
  psyncAnswered(accepted: boolean): boolean {
    if (this.state !== 'failover-in-progress') return true;
    if (accepted) {
      this.clear();
      return true;
    }
    this.abort('Failover target rejected psync request');
    return false;
  }

  /** findReplica(): the replica announced (or connected) from host, listening on port. */
  private findReplica(host: string, port: number): ReplicaLink | undefined {
    for (const link of this.master.replicas.values()) {
      if (replicaIp(link.client).toLowerCase() === host.toLowerCase() && link.listeningPort === port) return link;
    }
    return undefined;
  }
}

/** slave_addr, else the peer's ip. */
function replicaIp(c: Client): string {
  if (c.replicaAnnouncedIp) return c.replicaAnnouncedIp;
  const addr = c.addr;
  return addr.slice(0, addr.lastIndexOf(':'));
}
