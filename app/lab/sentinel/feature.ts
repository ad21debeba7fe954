/**
 * Sentinel: real redis-sentinel processes the lab runs beside the nodes (Debian's
 * redis-sentinel), their view and their events.
 *
 * Each Sentinel runs from `<workspace>/sentinels/<port>/sentinel.conf` under a
 * supervisor of its own (app/lab/supervisor.ts with a sentinel.conf writer), so it
 * is started, stopped, told crashed with its log tail, and reaped after a killed
 * lab exactly as nodes are. Every tick the lab reads each Sentinel's view
 * (SENTINEL MASTER / REPLICAS) and sends it when it changed; each Sentinel's
 * events (`PSUBSCRIBE *`) become timeline sentences. When Sentinel fails over,
 * the servers' INFO changes and the lab's core makes the canvas follow; the
 * Sentinels' own `master` in the topology follows their +switch-master.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Results } from '../../api/contract';
import type { LabSnapshot, SentinelRuntime, SentinelView } from '../../api/runtime';
import type { Topology, TopologyNode, TopologySentinel } from '../../api/topology';
import { LabError, toApiError } from '../errors';
import type { Handlers, LabContext, LabFeature } from '../feature';
import { cliLine, replyLine } from '../node-command';
import { isPortFree } from '../ports';
import { NodeSupervisor } from '../supervisor';
import { findNode } from '../topology';
import type { Endpoint, NodeStatus } from '../types';
import { prepareSentinelFolder, type SentinelConfig } from './config';
import { detectSentinel, sentinelEngines, type SentinelAvailability } from './detect';
import { describeSentinelEvent } from './events';
import { SentinelLink } from './link';
import { parseSentinelView, stableViewKey } from './view';

/** Sentinel's own default port; the lab's Sentinels take the first free ones from there. */
export const DEFAULT_SENTINEL_PORT = 26379;
/** Where Sentinels are drawn: a column to the right of their master. */
const OFFSET = { x: 300, y: -40, step: 80 } as const;
/** +switch-master arrives from every Sentinel: one 'failover' event per switch. */
const SWITCH_DEDUP_MS = 60_000;

const OK = {} as Record<string, never>;

interface Watched {
  link: SentinelLink;
  viewKey: string;
  polling: boolean;
}

export class SentinelFeature implements LabFeature {
  private readonly availability: Promise<SentinelAvailability>;
  /** The availability once known, for the snapshot (which cannot wait). */
  private availabilityKnown: SentinelAvailability | undefined;
  /** The Sentinels' supervisor, opened at the first need (or at once when a previous lab may have left some running). */
  private processesOpening: Promise<NodeSupervisor> | undefined;
  private readonly runtimes = new Map<string, SentinelRuntime>();
  private readonly watched = new Map<string, Watched>();
  /** Sentinels whose next start writes a fresh sentinel.conf (created, or from an opened file). */
  private readonly fresh = new Set<string>();
  /** Sentinels being created: known to prepareFolder before they are in the topology. */
  private readonly pending = new Map<string, TopologySentinel>();
  private readonly switches = new Map<string, number>();
  private disposed = false;

  constructor(protected readonly ctx: LabContext) {
    this.availability = detectSentinel().then((found) => (this.availabilityKnown = found));
    // A lab killed with Sentinels running left their records: reap them now, not at the first request.
    if (existsSync(join(this.sentinelsDir, 'lab-processes.json'))) void this.processes.catch(() => undefined);
  }

  readonly handlers: Partial<Handlers> = {
    'sentinel.create': (p) => this.ctx.serial(() => this.create(p)),
    'sentinel.remove': (p) => this.ctx.serial(() => this.remove(p.id)),
    'sentinel.stop': (p) => this.operate(p.id, 'stop'),
    'sentinel.start': (p) => this.operate(p.id, 'start'),
    'sentinel.failover': (p) => this.failover(p.id),
    'sentinel.view': async (p) => ({ view: await this.fetchView(this.sentinel(p.id)) }),
    'sentinel.move': async (p) => {
      const moves = new Map(p.moves.map((move) => [move.id, move.position]));
      const topology = this.ctx.topology();
      this.ctx.setTopology({
        ...topology,
        sentinels: topology.sentinels.map((s) => (moves.has(s.id) ? { ...s, position: moves.get(s.id)! } : s)),
      });
      return OK;
    },
  };

  snapshot(): Partial<LabSnapshot> {
    const known = this.availabilityKnown;
    return {
      sentinels: Object.fromEntries([...this.runtimes].map(([id, runtime]) => [id, structuredClone(runtime)])),
      ...(known
        ? {
            sentinelEngine: {
              available: known.available,
              description: known.description,
              ...(known.version ? { version: known.version } : {}),
            },
          }
        : {}),
    };
  }

  /** Every tick: the events subscription is kept up, and each running Sentinel's view read. */
  onTick(): void {
    for (const [id, watched] of this.watched) {
      if (this.runtimes.get(id)?.state !== 'up') continue;
      watched.link.ensureSubscribed();
      if (watched.polling) continue;
      watched.polling = true;
      void this.refreshView(id, watched).finally(() => (watched.polling = false));
    }
  }

  /** A master going away takes its Sentinels with it. */
  async onNodeRemoved(id: string): Promise<void> {
    for (const sentinel of this.ctx.topology().sentinels.filter((s) => s.master === id)) {
      await this.remove(sentinel.id);
    }
  }

  async onClear(): Promise<void> {
    if (!this.processesOpening) return;
    const processes = await this.processes;
    const ids = new Set([...this.runtimes.keys(), ...this.ctx.topology().sentinels.map((s) => s.id)]);
    await Promise.all([...ids].map((id) => this.forget(processes, id)));
  }

  /** A topology file's Sentinels start once its nodes run, each from a fresh sentinel.conf. */
  async onLoad(topology: Topology): Promise<void> {
    for (const sentinel of topology.sentinels) {
      this.fresh.add(sentinel.id);
      await this.startProcess(sentinel).catch(() => undefined); // shown crashed, with the reason
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const watched of this.watched.values()) watched.link.close();
    this.watched.clear();
    const processes = await this.processesOpening?.catch(() => undefined);
    await processes?.dispose();
  }

  // ---- requests ----

  private async create(params: {
    masterId: string;
    count: number;
    quorum: number;
    downAfterMs: number;
    failoverTimeoutMs: number;
    masterName: string;
    port?: number;
  }): Promise<Results['sentinel.create']> {
    const availability = await this.availability;
    if (!availability.available) throw new LabError('refused', `Cannot run Sentinel: ${availability.description}.`);
    const master = this.ctx.node(params.masterId);
    if (params.quorum > params.count) {
      throw new LabError(
        'invalid',
        `A quorum of ${params.quorum} needs at least ${params.quorum} Sentinels; ${params.count} were asked for.`,
      );
    }
    const existing = this.ctx.topology().sentinels;
    const clash = existing.find((s) => s.masterName === params.masterName && s.master !== master.id);
    if (clash) {
      throw new LabError(
        'refused',
        `The name "${params.masterName}" already names another master's Sentinels (${clash.name}); pick another master name.`,
      );
    }
    const ports = await this.freePorts(params.port ?? DEFAULT_SENTINEL_PORT, params.count);
    const already = existing.filter((s) => s.master === master.id).length;
    const created: TopologySentinel[] = ports.map((port, index) => ({
      id: this.freshId(port),
      name: `sentinel_${port}`,
      port,
      position: {
        x: master.position.x + OFFSET.x,
        y: master.position.y + OFFSET.y + (already + index) * OFFSET.step,
      },
      master: master.id,
      masterName: params.masterName,
      quorum: params.quorum,
      downAfterMs: params.downAfterMs,
      failoverTimeoutMs: params.failoverTimeoutMs,
    }));
    try {
      for (const sentinel of created) {
        this.pending.set(sentinel.id, sentinel);
        this.fresh.add(sentinel.id);
        await this.startProcess(sentinel);
      }
    } catch (error) {
      // All or nothing: the Sentinels already started go again, and the canvas never shows half a group.
      const processes = await this.processes;
      for (const sentinel of created) await this.forget(processes, sentinel.id);
      throw error;
    } finally {
      for (const sentinel of created) this.pending.delete(sentinel.id);
    }
    const topology = this.ctx.topology();
    this.ctx.setTopology({ ...topology, sentinels: [...topology.sentinels, ...created] });
    this.ctx.timeline.add({
      kind: 'sentinel',
      nodeId: master.id,
      title:
        `${created.length} Sentinel${created.length === 1 ? '' : 's'} (${ports.join(', ')}) now watch ${master.name} ` +
        `as ${params.masterName}: quorum ${params.quorum}, down-after ${params.downAfterMs} ms, failover-timeout ${params.failoverTimeoutMs} ms`,
    });
    return { ids: created.map((s) => s.id) };
  }

  private async remove(id: string): Promise<Record<string, never>> {
    this.sentinel(id);
    await this.forget(await this.processes, id);
    const topology = this.ctx.topology();
    this.ctx.setTopology({ ...topology, sentinels: topology.sentinels.filter((s) => s.id !== id) });
    return OK;
  }

  private async operate(id: string, operation: 'start' | 'stop'): Promise<Record<string, never>> {
    const sentinel = this.sentinel(id);
    if (operation === 'start') {
      await this.startProcess(sentinel);
    } else {
      const processes = await this.processes;
      const line = cliLine({ host: '127.0.0.1', port: sentinel.port }, ['SHUTDOWN']);
      try {
        if (processes.status(id)) await processes.stop(id);
        this.ctx.record({ command: line, ok: true });
      } catch (error) {
        this.ctx.record({ command: line, ok: false, result: toApiError(error).message });
        throw error;
      }
    }
    return OK;
  }

  private async failover(id: string): Promise<Results['sentinel.failover']> {
    const sentinel = this.sentinel(id);
    const args = ['SENTINEL', 'FAILOVER', sentinel.masterName];
    const line = cliLine({ host: '127.0.0.1', port: sentinel.port }, args);
    let reply;
    try {
      reply = await this.linkOf(sentinel).send(args);
    } catch (error) {
      const message = `Sentinel ${sentinel.name} did not answer: ${error instanceof Error ? error.message : String(error)}`;
      this.ctx.record({ command: line, ok: false, result: message });
      throw new LabError('failed', message);
    }
    this.ctx.record({ command: line, ok: reply.type !== 'error', result: replyLine(reply) });
    if (reply.type === 'error')
      throw new LabError('failed', `${sentinel.name} refused SENTINEL FAILOVER: ${reply.value}`);
    this.ctx.timeline.add({
      kind: 'sentinel',
      level: 'warning',
      nodeId: sentinel.master,
      title: `${sentinel.name} was asked to fail over ${sentinel.masterName} now (SENTINEL FAILOVER, no agreement needed)`,
    });
    return { reply: replyLine(reply) };
  }

  // ---- processes ----

  private get sentinelsDir(): string {
    return join(this.ctx.workspace, 'sentinels');
  }

  private get processes(): Promise<NodeSupervisor> {
    this.processesOpening ??= this.openProcesses();
    return this.processesOpening;
  }

  private async openProcesses(): Promise<NodeSupervisor> {
    const availability = await this.availability;
    const processes = await NodeSupervisor.open({
      workspace: this.sentinelsDir,
      // Only builtin nodes use the host's Node executable; Sentinels never do.
      host: { nodeExecutable: process.execPath, builtinEntry: '' },
      engines: sentinelEngines(availability),
      prepareFolder: (dir, spec, port) =>
        prepareSentinelFolder(dir, this.configOf(spec.id, port), this.fresh.delete(spec.id)),
    });
    processes.on('state', (status) => this.onProcessState(status));
    if (this.disposed) await processes.dispose();
    return processes;
  }

  private async startProcess(sentinel: TopologySentinel): Promise<void> {
    const processes = await this.processes;
    const availability = await this.availability;
    const line = `${availability.executable ?? 'redis-sentinel'} sentinels/${sentinel.port}/sentinel.conf`;
    const status = processes.status(sentinel.id);
    if (status && (status.state === 'up' || status.state === 'starting')) return;
    this.runtimes.set(sentinel.id, {
      id: sentinel.id,
      port: sentinel.port,
      state: 'starting',
      masterName: sentinel.masterName,
    });
    try {
      await processes.start({ id: sentinel.id, engine: 'redis-server', port: sentinel.port });
      this.ctx.record({ command: line, ok: true, result: `pid ${processes.status(sentinel.id)?.pid ?? '?'}` });
    } catch (error) {
      this.ctx.record({ command: line, ok: false, result: toApiError(error).message });
      throw new LabError('failed', sentinelSentence(toApiError(error).message));
    }
  }

  /** Stops the process, closes the lab's connections and forgets the Sentinel (its folder stays). */
  private async forget(processes: NodeSupervisor, id: string): Promise<void> {
    this.watched.get(id)?.link.close();
    this.watched.delete(id);
    if (processes.status(id)) await processes.remove(id).catch(() => undefined);
    const wasKnown = this.runtimes.delete(id);
    if (wasKnown) this.ctx.emit('sentinels', { [id]: null });
  }

  private onProcessState(status: NodeStatus): void {
    const sentinel = this.known(status.id);
    if (!sentinel) return;
    const previous = this.runtimes.get(status.id);
    const runtime: SentinelRuntime = {
      id: status.id,
      port: status.port,
      state: status.state,
      masterName: sentinel.masterName,
      ...(status.pid !== undefined ? { pid: status.pid } : {}),
      ...(status.error !== undefined ? { error: sentinelSentence(status.error) } : {}),
      ...(status.state === 'up' && previous?.view ? { view: previous.view } : {}),
    };
    this.runtimes.set(status.id, runtime);
    if (status.state === 'up' && !this.watched.has(status.id)) {
      const link = new SentinelLink(status.port, (event, message) => this.onSentinelEvent(status.id, event, message));
      this.watched.set(status.id, { link, viewKey: '', polling: false });
      link.ensureSubscribed();
    }
    if (status.state !== 'up' && status.state !== 'starting') {
      const watched = this.watched.get(status.id);
      if (watched) watched.viewKey = '';
    }
    this.ctx.emit('sentinels', { [status.id]: structuredClone(runtime) });
    if (previous?.state !== status.state) this.processEvent(sentinel, status);
  }

  private processEvent(sentinel: TopologySentinel, status: NodeStatus): void {
    const name = sentinel.name;
    if (status.state === 'up') {
      this.ctx.timeline.add({ kind: 'sentinel', title: `${name} started (pid ${status.pid ?? '?'})` });
    } else if (status.state === 'stopped') {
      this.ctx.timeline.add({ kind: 'sentinel', title: `${name} stopped` });
    } else if (status.state === 'crashed') {
      this.ctx.timeline.add({
        kind: 'sentinel',
        level: 'error',
        title: `${name} crashed: ${sentinelSentence(status.error ?? 'it exited')}`,
        details: status.logTail ? { logTail: status.logTail.join('\n') } : undefined,
      });
    }
  }

  // ---- views and events ----

  private async refreshView(id: string, watched: Watched): Promise<void> {
    const sentinel = this.known(id);
    if (!sentinel) return;
    const view = await this.fetchView(sentinel).catch(() => undefined);
    const runtime = this.runtimes.get(id);
    if (!view || !runtime || runtime.state !== 'up') return;
    this.followMaster(sentinel, { host: view.master.host, port: view.master.port });
    const key = stableViewKey(view);
    runtime.view = view;
    if (key === watched.viewKey) return;
    watched.viewKey = key;
    this.ctx.emit('sentinels', { [id]: structuredClone(runtime) });
  }

  private async fetchView(sentinel: TopologySentinel): Promise<SentinelView | undefined> {
    const state = this.runtimes.get(sentinel.id)?.state;
    if (state !== 'up') return undefined;
    const link = this.linkOf(sentinel);
    const [master, replicas] = await Promise.all([
      link.send(['SENTINEL', 'MASTER', sentinel.masterName]),
      link.send(['SENTINEL', 'REPLICAS', sentinel.masterName]),
    ]);
    return parseSentinelView(master, replicas);
  }

  private onSentinelEvent(id: string, event: string, message: string): void {
    const sentinel = this.known(id);
    if (!sentinel || this.disposed) return;
    const described = describeSentinelEvent(sentinel.name, event, message, (host, port) => {
      const node = this.nodeAt(host, port);
      return node ? this.ctx.topology().nodes.find((n) => n.id === node)?.name : undefined;
    });
    const subject = described.instance ?? (described.switchMaster ? { ...described.switchMaster.to } : undefined);
    const nodeId = subject ? this.nodeAt(subject.host, subject.port) : undefined;
    this.ctx.timeline.add({
      kind: 'sentinel',
      level: described.level,
      title: described.title,
      ...(nodeId ? { nodeId } : {}),
      details: { sentinel: sentinel.name, event, message },
    });
    const change = described.switchMaster;
    if (change && change.masterName === sentinel.masterName) {
      this.followMaster(sentinel, change.to);
      this.failoverEvent(change.masterName, change.from, change.to);
    }
  }

  /** One 'failover' event per switch, whichever Sentinel reports it first. */
  private failoverEvent(masterName: string, from: Endpoint, to: Endpoint): void {
    const key = `${masterName} ${from.host}:${from.port} ${to.host}:${to.port}`;
    const now = Date.now();
    if (now - (this.switches.get(key) ?? 0) < SWITCH_DEDUP_MS) return;
    this.switches.set(key, now);
    const label = (e: Endpoint) => {
      const id = this.nodeAt(e.host, e.port);
      return (id && findNode(this.ctx.topology(), id)?.name) ?? `${e.host}:${e.port}`;
    };
    const nodeId = this.nodeAt(to.host, to.port);
    this.ctx.timeline.add({
      kind: 'failover',
      level: 'warning',
      ...(nodeId ? { nodeId } : {}),
      title: `Sentinel failed over ${masterName}: ${label(to)} is the master now, in place of ${label(from)}`,
      details: { masterName, from: `${from.host}:${from.port}`, to: `${to.host}:${to.port}` },
    });
  }

  /** The Sentinel's `master` in the topology follows the master it now watches. */
  private followMaster(sentinel: TopologySentinel, address: Endpoint): void {
    const nodeId = this.nodeAt(address.host, address.port);
    if (nodeId === undefined || nodeId === sentinel.master) return;
    const topology = this.ctx.topology();
    if (!topology.sentinels.some((s) => s.id === sentinel.id)) return;
    this.ctx.setTopology({
      ...topology,
      sentinels: topology.sentinels.map((s) => (s.id === sentinel.id ? { ...s, master: nodeId } : s)),
    });
  }

  // ---- helpers ----

  private configOf(id: string, port: number): SentinelConfig {
    const sentinel = this.known(id);
    if (!sentinel) throw new Error(`There is no Sentinel ${id} in this lab.`);
    const master = this.ctx.node(sentinel.master);
    const address = this.ctx.address(master);
    return {
      port,
      masterName: sentinel.masterName,
      master: { host: address.host === 'localhost' ? '127.0.0.1' : address.host, port: address.port },
      quorum: sentinel.quorum,
      downAfterMs: sentinel.downAfterMs,
      failoverTimeoutMs: sentinel.failoverTimeoutMs,
      authPass: masterPassword(master),
    };
  }

  private linkOf(sentinel: TopologySentinel): SentinelLink {
    const watched = this.watched.get(sentinel.id);
    if (!watched || this.runtimes.get(sentinel.id)?.state !== 'up') {
      throw new LabError('refused', `${sentinel.name} is not running.`);
    }
    return watched.link;
  }

  /** The Sentinel of the topology (or one being created), or a not-found error. */
  private sentinel(id: string): TopologySentinel {
    const sentinel = this.known(id);
    if (!sentinel) throw new LabError('not-found', `There is no Sentinel ${id} in this lab.`);
    return sentinel;
  }

  private known(id: string): TopologySentinel | undefined {
    return this.pending.get(id) ?? this.ctx.topology().sentinels.find((s) => s.id === id);
  }

  private nodeAt(host: string, port: number): string | undefined {
    const local = (h: string) => (h === 'localhost' || h === '::1' ? '127.0.0.1' : h);
    return this.ctx.topology().nodes.find((node) => node.port === port && local(node.host) === local(host))?.id;
  }

  private freshId(port: number): string {
    const taken = new Set([...this.ctx.topology().sentinels.map((s) => s.id), ...this.pending.keys()]);
    const nodes = new Set(this.ctx.topology().nodes.map((n) => n.id));
    for (let n = 1; ; n++) {
      const id = n === 1 ? `sentinel-${port}` : `sentinel-${port}-${n}`;
      if (!taken.has(id) && !nodes.has(id)) return id;
    }
  }

  /** `count` free ports from `base` up, never one a node or Sentinel of the lab holds. */
  private async freePorts(base: number, count: number): Promise<number[]> {
    const topology = this.ctx.topology();
    const held = new Set([...topology.nodes.map((n) => n.port), ...topology.sentinels.map((s) => s.port)]);
    const ports: number[] = [];
    for (let port = base; port <= 65535 && ports.length < count; port++) {
      if (!held.has(port) && (await isPortFree(port))) ports.push(port);
    }
    if (ports.length < count) throw new LabError('failed', `No ${count} free ports from ${base} up for Sentinels.`);
    return ports;
  }
}

function masterPassword(master: TopologyNode): string | undefined {
  return master.settings['requirepass'] ?? master.auth?.password;
}

/** The supervisor speaks of nodes; these are Sentinels. */
function sentinelSentence(message: string): string {
  return message.replace(/\bNode (\S+)/g, 'Sentinel $1').replace(/\bnode (\S+)/g, 'Sentinel $1');
}
