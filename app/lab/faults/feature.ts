/**
 * Link faults: the lab's TCP proxy between a replica and its master (cut, latency,
 * bandwidth, heal), and what Redis did after (partial or full resync, and why).
 *
 * The first fault on an edge puts a proxy in place (REPLICAOF <proxy> on the
 * replica: Redis 7 reconnects and continues with a partial resync from its cached
 * master); later faults change the proxy live. The proxied link stays proxied when
 * the replica restarts (replicationEndpoint), and the lab reads the proxy's address
 * as the master's (resolveEndpoint, the poller's alias). A direct heal puts the
 * replica back on the master itself and closes the proxy.
 */
import type { LinkFault, LinkRuntime } from '../../api/runtime';
import { NO_FAULT } from '../../api/runtime';
import type { Topology, TopologyNode } from '../../api/topology';
import { LabError } from '../errors';
import type { Handlers, LabContext, LabFeature } from '../feature';
import { findNode, masterOf, replicasOf } from '../topology';
import type { Endpoint, NodeMetrics, NodeStatus } from '../types';
import { LinkProxy } from './proxy';
import { SyncWatch } from './sync-watch';

const PROXY_HOST = '127.0.0.1';
/** How long a new proxy waits for the replica's link through it before applying the fault. */
const LINK_WAIT_MS = 5000;
/** A new proxy is not judged bypassed before this: INFO may still show the replica's previous master. */
const BYPASS_GRACE_MS = 2000;

interface Link {
  replica: string;
  master: string;
  proxy: LinkProxy;
  /** The counters last sent in a 'links' event, to send only changes. */
  lastSent: string;
  openedAt: number;
  /** Ticks in a row on which the replica named its master's own address rather than the proxy. */
  bypassTicks: number;
}

export class FaultsFeature implements LabFeature {
  private readonly links = new Map<string, Link>();
  private readonly syncs: SyncWatch;

  constructor(protected readonly ctx: LabContext) {
    this.syncs = new SyncWatch({
      logTail: (id, lines) => {
        const status = ctx.supervisor.status(id);
        if (!status || status.engine === 'remote') return undefined;
        return ctx.supervisor.logTail(id, lines);
      },
      resolve: (host, port) => this.nodeAt(host, port),
      name: (id) => this.nameOf(id),
      replicasOf: (id) => replicasOf(ctx.topology(), id),
      add: (event) => void ctx.timeline.add(event),
    });
  }

  readonly handlers: Partial<Handlers> = {
    'edge.fault': (p) => this.ctx.serial(() => this.applyFault(p.replica, p.fault)),
    'edge.heal': (p) => this.ctx.serial(() => this.heal(p.replica, p.direct)),
  };

  snapshot() {
    const links: Record<string, LinkRuntime> = {};
    for (const link of this.links.values()) links[link.replica] = this.runtimeOf(link);
    return { links };
  }

  replicationEndpoint(replicaId: string, master: TopologyNode): Endpoint | undefined {
    const link = this.links.get(replicaId);
    return link && link.master === master.id ? { host: PROXY_HOST, port: link.proxy.port } : undefined;
  }

  resolveEndpoint(host: string, port: number): string | undefined {
    if (!isLoopback(host)) return undefined;
    for (const link of this.links.values()) if (link.proxy.port === port) return link.master;
    return undefined;
  }

  onTick(_at: number, metrics: ReadonlyMap<string, NodeMetrics>): void {
    this.syncs.observe(metrics);
    const changed: Record<string, LinkRuntime> = {};
    for (const link of [...this.links.values()]) {
      if (this.bypassed(link, metrics.get(link.replica))) {
        const master = findNode(this.ctx.topology(), link.master);
        if (master) this.updateSpec(link.replica, { host: master.host, port: master.port });
        void this.drop(link, 'the replica was pointed straight at its master outside the lab');
        continue;
      }
      const runtime = this.runtimeOf(link);
      const key = `${runtime.bytesToReplica}/${runtime.bytesToMaster}/${runtime.connections}`;
      if (key === link.lastSent) continue;
      link.lastSent = key;
      changed[link.replica] = runtime;
    }
    if (Object.keys(changed).length > 0) this.ctx.emit('links', changed);
  }

  onNodeState(status: NodeStatus): void {
    // A new process counts its syncs from zero (a remote server attached has counted for a while).
    if (status.state === 'starting' && status.engine !== 'remote') this.syncs.restarted(status.id);
  }

  /** An edge removed or re-pointed to another master takes its proxy with it. */
  onTopology(topology: Topology): void {
    for (const link of [...this.links.values()]) {
      if (masterOf(topology, link.replica) === link.master) continue;
      void this.drop(link, 'the link was removed or re-pointed');
    }
  }

  async onNodeRemoved(id: string): Promise<void> {
    for (const link of [...this.links.values()])
      if (link.replica === id || link.master === id) await this.drop(link, 'its node was removed');
    this.syncs.forget(id);
  }

  async onClear(): Promise<void> {
    for (const link of [...this.links.values()]) await this.drop(link, undefined);
    this.syncs.forgetAll();
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.links.values()].map((link) => this.close(link)));
    this.links.clear();
  }

  // ---- requests ----

  private async applyFault(replicaId: string, fault: LinkFault): Promise<LinkRuntime> {
    const replica = this.ctx.node(replicaId);
    const masterId = masterOf(this.ctx.topology(), replicaId);
    if (masterId === undefined)
      throw new LabError(
        'refused',
        `${this.ctx.label(replicaId)} is not a replica: a fault goes on a replication link.`,
      );
    if (replica.engine === 'remote' && !isLoopback(replica.host))
      throw new LabError(
        'refused',
        `The lab's proxy listens on ${PROXY_HOST}: ${this.ctx.label(replicaId)} runs on another host and cannot reach it.`,
      );
    const master = this.ctx.node(masterId);
    let link = this.links.get(replicaId);
    if (link && link.master !== masterId) {
      await this.drop(link, 'the link was re-pointed');
      link = undefined;
    }
    const inserted = !link;
    if (!link) {
      link = await this.insertProxy(replicaId, master, fault);
    } else {
      link.proxy.setFault(fault);
    }
    this.ctx.timeline.add({
      kind: 'fault',
      nodeId: replicaId,
      edge: { replica: replicaId, master: masterId },
      level: fault.cut === 'none' && !fault.latencyMs && !fault.jitterMs && !fault.bandwidthKbps ? 'info' : 'warning',
      title: `Link ${master.name} → ${replica.name}: ${describeFault(fault)}${inserted ? ` (now through the lab's proxy ${PROXY_HOST}:${link.proxy.port})` : ''}`,
      details: faultDetails(fault, link.proxy.port),
    });
    const runtime = this.runtimeOf(link);
    this.ctx.emit('links', { [replicaId]: runtime });
    this.recordFault(replicaId, fault);
    return runtime;
  }

  /** The edge keeps its fault in the topology, so a saved file opens with it again. */
  private recordFault(replicaId: string, fault: LinkFault | undefined): void {
    const topology = this.ctx.topology();
    const keep = fault !== undefined && describeFault(fault) !== describeFault(NO_FAULT);
    const edge = topology.edges.find((candidate) => candidate.replica === replicaId);
    if (!edge || (!keep && !edge.fault)) return;
    this.ctx.setTopology({
      ...topology,
      edges: topology.edges.map((candidate) =>
        candidate !== edge
          ? candidate
          : keep
            ? { ...candidate, fault: { ...fault } }
            : { replica: candidate.replica, master: candidate.master },
      ),
    });
  }

  /** A topology file with faulted links: the faults are put back once its nodes run. */
  async onLoad(topology: Topology): Promise<void> {
    for (const edge of topology.edges) {
      if (!edge.fault) continue;
      try {
        await this.applyFault(edge.replica, edge.fault);
      } catch (error) {
        this.ctx.timeline.add({
          kind: 'fault',
          nodeId: edge.replica,
          edge: { replica: edge.replica, master: edge.master },
          level: 'warning',
          title: `The file's fault on the link to ${this.ctx.label(edge.replica)} could not be applied: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
    }
  }

  /** Opens the proxy, then REPLICAOF <proxy> on the replica (logged), the spec and the poller following. */
  private async insertProxy(replicaId: string, master: TopologyNode, fault: LinkFault): Promise<Link> {
    const proxy = await LinkProxy.open({ host: master.host, port: master.port }, { host: PROXY_HOST });
    const link: Link = {
      replica: replicaId,
      master: master.id,
      proxy,
      lastSent: '',
      openedAt: Date.now(),
      bypassTicks: 0,
    };
    // Known before the replica names the proxy, so no tick ever reads it as a stranger.
    this.links.set(replicaId, link);
    const endpoint = { host: PROXY_HOST, port: proxy.port };
    this.ctx.poller.setEndpointAlias(endpoint, { host: master.host, port: master.port });
    try {
      const reply = await this.ctx.command(replicaId, ['REPLICAOF', PROXY_HOST, String(proxy.port)]);
      if (reply.type === 'error')
        throw new LabError('failed', `${this.ctx.label(replicaId)} refused REPLICAOF: ${reply.value}`);
    } catch (error) {
      this.links.delete(replicaId);
      this.ctx.poller.removeEndpointAlias(endpoint);
      await proxy.close();
      throw error;
    }
    this.updateSpec(replicaId, endpoint);
    // The fault then hits a live link, as a partition would, rather than a replica still reconnecting.
    await this.linkThrough(replicaId, proxy.port, LINK_WAIT_MS);
    proxy.setFault(fault);
    return link;
  }

  /** Waits (at most `timeoutMs`) until the replica reports its link through `port` up. */
  private async linkThrough(replicaId: string, port: number, timeoutMs: number): Promise<boolean> {
    const state = this.ctx.runtime(replicaId)?.state;
    if (state !== 'up' && state !== 'syncing') return false;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const reply = await this.ctx.command(replicaId, ['INFO', 'replication'], { log: false }).catch(() => undefined);
      const text = reply && (reply.type === 'bulk' || reply.type === 'verbatim') ? reply.value : '';
      if (text.includes(`master_port:${port}\r\n`) && text.includes('master_link_status:up')) return true;
      await new Promise((wake) => setTimeout(wake, 100));
    }
    return false;
  }

  private async heal(replicaId: string, direct: boolean): Promise<Record<string, never>> {
    const replica = this.ctx.node(replicaId);
    const link = this.links.get(replicaId);
    if (!link) {
      if (masterOf(this.ctx.topology(), replicaId) === undefined)
        throw new LabError('refused', `${this.ctx.label(replicaId)} is not a replica: there is no link to heal.`);
      return {};
    }
    const master = this.ctx.node(link.master);
    const was = link.proxy.currentFault;
    link.proxy.setFault(NO_FAULT);
    this.recordFault(replicaId, undefined);
    if (direct) {
      const reply = await this.ctx.command(replicaId, ['REPLICAOF', master.host, String(master.port)]);
      if (reply.type === 'error')
        throw new LabError('failed', `${this.ctx.label(replicaId)} refused REPLICAOF: ${reply.value}`);
      this.updateSpec(replicaId, { host: master.host, port: master.port });
      await this.close(link);
      this.links.delete(replicaId);
    }
    this.ctx.timeline.add({
      kind: 'fault',
      nodeId: replicaId,
      edge: { replica: replicaId, master: master.id },
      title: `Link ${master.name} → ${replica.name} healed (was: ${describeFault(was)})${direct ? `; it goes straight to ${master.host}:${master.port} again, the proxy is closed` : ''}`,
      details: faultDetails(was, link.proxy.port),
    });
    this.ctx.emit('links', { [replicaId]: direct ? null : this.runtimeOf(link) });
    return {};
  }

  // ---- helpers ----

  /**
   * A REPLICAOF typed in a terminal can point the replica straight at its master: the
   * canvas's edge stays, the proxy no longer carries it. Seen on two ticks in a row
   * (an INFO sent just before the lab's own REPLICAOF still shows the old address).
   */
  private bypassed(link: Link, m: NodeMetrics | undefined): boolean {
    if (!m?.reachable || m.role !== 'replica' || m.masterHost === undefined || m.masterPort === undefined) return false;
    const throughProxy = isLoopback(m.masterHost) && m.masterPort === link.proxy.port;
    if (throughProxy || Date.now() - link.openedAt < BYPASS_GRACE_MS) {
      link.bypassTicks = 0;
      return false;
    }
    link.bypassTicks = this.nodeAt(m.masterHost, m.masterPort) === link.master ? link.bypassTicks + 1 : 0;
    return link.bypassTicks >= 2;
  }

  private runtimeOf(link: Link): LinkRuntime {
    return {
      replica: link.replica,
      master: link.master,
      proxy: { host: PROXY_HOST, port: link.proxy.port },
      fault: link.proxy.currentFault,
      ...link.proxy.stats(),
    };
  }

  /** Forgets a link and closes its proxy, telling the UI (and the timeline, when `why` is given). */
  private async drop(link: Link, why: string | undefined): Promise<void> {
    if (this.links.get(link.replica) !== link) return;
    this.links.delete(link.replica);
    await this.close(link);
    this.ctx.emit('links', { [link.replica]: null });
    this.recordFault(link.replica, undefined);
    if (why) {
      const topology = this.ctx.topology();
      const name = (id: string) => findNode(topology, id)?.name ?? id;
      this.ctx.timeline.add({
        kind: 'fault',
        nodeId: link.replica,
        edge: { replica: link.replica, master: link.master },
        title: `The lab's proxy for ${name(link.master)} → ${name(link.replica)} is closed: ${why}`,
      });
    }
  }

  private async close(link: Link): Promise<void> {
    this.ctx.poller.removeEndpointAlias({ host: PROXY_HOST, port: link.proxy.port });
    await link.proxy.close().catch(() => undefined);
  }

  /** The node's next start (restart, crash recovery) replicates from the same place. */
  private updateSpec(id: string, replicaOf: Endpoint): void {
    const node = findNode(this.ctx.topology(), id);
    if (node && node.engine !== 'remote' && this.ctx.supervisor.status(id))
      this.ctx.supervisor.updateSpec(id, { replicaOf });
  }

  /**
   * The lab node at `host:port` (a log line's replica address). A replica's first sync
   * comes before the lab draws it, so the supervisor's nodes count too.
   */
  private nodeAt(host: string, port: number): string | undefined {
    const local = (h: string) => (isLoopback(h) ? '127.0.0.1' : h);
    const at = (node: { host: string; port: number }) => node.port === port && local(node.host) === local(host);
    return this.ctx.topology().nodes.find(at)?.id ?? this.ctx.supervisor.list().find(at)?.id;
  }

  private nameOf(id: string): string {
    const node = findNode(this.ctx.topology(), id);
    if (node) return node.name;
    const status = this.ctx.supervisor.status(id);
    return status ? `${status.host}:${status.port}` : id;
  }
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
}

/** A fault in words: "cut both ways, latency 200 ms (+ up to 50 ms jitter)". */
export function describeFault(fault: LinkFault): string {
  const parts: string[] = [];
  if (fault.cut === 'both') parts.push('cut both ways');
  if (fault.cut === 'to-replica') parts.push("cut towards the replica (the master's stream stops)");
  if (fault.cut === 'to-master') parts.push("cut towards the master (the replica's ACKs stop)");
  if (fault.latencyMs || fault.jitterMs)
    parts.push(`latency ${fault.latencyMs} ms${fault.jitterMs ? ` (+ up to ${fault.jitterMs} ms jitter)` : ''}`);
  if (fault.bandwidthKbps) parts.push(`bandwidth capped at ${fault.bandwidthKbps} Kbps`);
  return parts.length ? parts.join(', ') : 'no fault';
}

function faultDetails(fault: LinkFault, proxyPort: number): Record<string, string | number> {
  return {
    cut: fault.cut,
    latencyMs: fault.latencyMs,
    jitterMs: fault.jitterMs,
    bandwidthKbps: fault.bandwidthKbps,
    proxy: `${PROXY_HOST}:${proxyPort}`,
  };
}
