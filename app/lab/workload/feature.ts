/**
 * Workloads: writes to a master, reads from its replicas, and the stale-read meter.
 * One workload per master (by the id it was started on); it follows a failover to
 * the node that is the group's master now, and says so in the timeline.
 */
import type { WorkloadSettings, WorkloadStatus } from '../../api/runtime';
import type { Topology } from '../../api/topology';
import { LabError } from '../errors';
import type { Handlers, LabContext, LabFeature } from '../feature';
import { findNode, masterOf } from '../topology';
import type { NodeStatus } from '../types';
import { WorkloadRunner } from './runner';
import { descendantsOf, nextWriter, readTargets } from './targets';

const OK = {} as Record<string, never>;

interface Workload {
  runner: WorkloadRunner;
  /** Every node seen below the writer while it was a master: where a promoted master is looked for. */
  group: Set<string>;
}

export class WorkloadFeature implements LabFeature {
  private readonly workloads = new Map<string, Workload>();

  constructor(protected readonly ctx: LabContext) {}

  readonly handlers: Partial<Handlers> = {
    'workload.start': async (settings) => this.start(settings),
    'workload.stop': async ({ masterId }) => {
      const workload = this.workloads.get(masterId);
      if (!workload?.runner.isRunning)
        throw new LabError('not-found', `No workload runs on ${this.ctx.label(masterId)}.`);
      await this.stop(masterId, 'stopped');
      return OK;
    },
  };

  snapshot(): { workloads: Record<string, WorkloadStatus> } {
    const workloads: Record<string, WorkloadStatus> = {};
    for (const [id, workload] of this.workloads) workloads[id] = workload.runner.status();
    return { workloads };
  }

  onTopology(topology: Topology): void {
    for (const [masterId, workload] of this.workloads) if (workload.runner.isRunning) this.follow(masterId, topology);
  }

  onNodeState(status: NodeStatus): void {
    if (status.state === 'up' || status.state === 'starting') return;
    for (const [masterId, workload] of this.workloads)
      if (workload.runner.isRunning && workload.group.has(status.id)) this.follow(masterId, this.ctx.topology());
  }

  async onNodeRemoved(id: string): Promise<void> {
    for (const [masterId, workload] of [...this.workloads]) {
      if (workload.runner.writer === id && workload.runner.isRunning)
        await this.stop(masterId, 'its master was removed');
      workload.runner.forget(id);
      workload.group.delete(id);
      if (masterId === id && !workload.runner.isRunning) this.workloads.delete(masterId);
    }
  }

  async onClear(): Promise<void> {
    await this.stopAll('the lab was cleared');
    this.workloads.clear();
  }

  async dispose(): Promise<void> {
    await this.stopAll('the lab closed');
  }

  private async start(settings: WorkloadSettings): Promise<WorkloadStatus> {
    const master = this.ctx.node(settings.masterId);
    const topology = this.ctx.topology();
    const above = masterOf(topology, master.id);
    if (above !== undefined)
      throw new LabError(
        'refused',
        `${this.ctx.label(master.id)} is a replica of ${this.ctx.label(above)}: a workload writes to a master.`,
      );
    const state = this.ctx.runtime(master.id)?.state;
    if (state !== 'up' && state !== 'syncing')
      throw new LabError('refused', `${this.ctx.label(master.id)} is not running (${state ?? 'unknown'}).`);
    const restarted = this.workloads.get(master.id)?.runner.isRunning === true;
    if (restarted) await this.stop(master.id, undefined);
    const reads = readTargets(topology, master.id, settings.readFrom);
    const runner = new WorkloadRunner({ ...settings }, master.id, reads, {
      address: (id) => {
        const node = findNode(this.ctx.topology(), id);
        return node ? this.ctx.address(node) : undefined;
      },
      label: (id) => this.ctx.label(id),
      report: (status) => this.ctx.emit('workload', status),
    });
    this.workloads.set(master.id, {
      runner,
      group: new Set([master.id, ...descendantsOf(topology, master.id)]),
    });
    const readsFrom =
      reads.length === 0 ? 'no node to read from' : `reads from ${reads.map((id) => this.name(id)).join(', ')}`;
    this.ctx.timeline.add({
      kind: 'workload',
      nodeId: master.id,
      title: `Workload ${restarted ? 'restarted' : 'started'} on ${this.name(master.id)}: ${settings.ratePerSec} ops/s, ${Math.round(settings.readShare * 100)}% reads (${readsFrom}), ${settings.keySpace} keys of ${settings.valueSize} bytes`,
      details: { ...settings },
    });
    return runner.status();
  }

  private async stop(masterId: string, why: string | undefined): Promise<void> {
    const workload = this.workloads.get(masterId);
    if (!workload?.runner.isRunning) return;
    await workload.runner.stop();
    if (why === undefined) return;
    const status = workload.runner.status();
    this.ctx.timeline.add({
      kind: 'workload',
      nodeId: masterId,
      level: why === 'stopped' ? 'info' : 'warning',
      title: `Workload on ${this.name(masterId)} ${why === 'stopped' ? 'stopped' : `stopped: ${why}`} (${status.writes} writes, ${status.reads.reduce((sum, read) => sum + read.reads, 0)} reads, ${status.reads.reduce((sum, read) => sum + read.stale, 0)} stale)`,
    });
  }

  private async stopAll(why: string): Promise<void> {
    for (const masterId of [...this.workloads.keys()]) await this.stop(masterId, why);
  }

  /** Writes and reads follow the topology: a failover moves them to the group's master now. */
  private follow(masterId: string, topology: Topology): void {
    const workload = this.workloads.get(masterId)!;
    const { runner } = workload;
    const previous = runner.writer;
    const isUp = (id: string) => {
      const state = this.ctx.runtime(id)?.state;
      return state === 'up' || state === 'syncing';
    };
    const writer = nextWriter(topology, previous, workload.group, isUp);
    if (masterOf(topology, writer) === undefined && isUp(writer)) {
      for (const id of [writer, ...descendantsOf(topology, writer)]) workload.group.add(id);
    }
    runner.retarget(writer, readTargets(topology, writer, runner.settings.readFrom));
    if (writer !== previous) {
      const why =
        masterOf(topology, previous) !== undefined
          ? `${this.name(previous)} is a replica now`
          : `${this.name(previous)} is down`;
      this.ctx.timeline.add({
        kind: 'workload',
        nodeId: writer,
        level: 'warning',
        title: `Workload follows the failover: writes now go to ${this.name(writer)} (${why})`,
        details: { from: previous, to: writer },
      });
    }
  }

  private name(id: string): string {
    return findNode(this.ctx.topology(), id)?.name ?? id;
  }
}
