/**
 * Consistency: each replica's DEBUG DIGEST against its master's, and key-level diffs between two nodes.
 *
 * DEBUG DIGEST blocks the server while it reads every key (the built-in engine takes
 * about 7.6 s for a million keys), so the automatic checks, run on the poller's
 * ticks, digest data sets of up to AUTO_KEY_LIMIT keys and keep each server
 * blocked for at most BLOCKED_SHARE of its time; `consistency.check` digests up to
 * FORCED_KEY_LIMIT keys, now. Remote servers are never digested: the lab does not
 * block servers it does not manage.
 */
import type { ConsistencyState, DiffResult } from '../../api/runtime';
import type { TopologyNode } from '../../api/topology';
import type { RespConnection } from '../../resp/connection';
import { LabError } from '../errors';
import type { Handlers, LabContext, LabFeature } from '../feature';
import { connectNode, describeConnectionError } from '../node-connection';
import { findNode } from '../topology';
import { checkPair, type PairSide } from './digest-check';
import { diffNodes } from './key-diff';

/**
 * Keys digested automatically, per engine: DEBUG DIGEST took 1.2 s for 110k keys on
 * the built-in engine and 25 ms on redis-server 7.0 (this machine, 2 cores).
 */
export const AUTO_KEY_LIMIT = { builtin: 25_000, other: 500_000 } as const;
export const FORCED_KEY_LIMIT = 1_000_000;
const MIN_INTERVAL_MS = 2000;
const BLOCKED_SHARE = 0.05;
const CONNECT_TIMEOUT_MS = 2000;
const CLIENT_NAME = 'replica-lab:consistency';

export class ConsistencyFeature implements LabFeature {
  private readonly states = new Map<string, ConsistencyState>();
  /** The feature's own connections (not the poller's: a digest must not delay INFO), by node id. */
  private readonly connections = new Map<string, { where: string; connection: RespConnection }>();
  /** No automatic digest of this replica before then (epoch ms). */
  private readonly nextCheck = new Map<string, number>();
  private round: Promise<void> | undefined;
  /** Bumped on clear and dispose: a round that started before drops its results. */
  private generation = 0;
  private disposed = false;

  constructor(protected readonly ctx: LabContext) {}

  readonly handlers: Partial<Handlers> = {
    'consistency.check': async () => {
      await this.round?.catch(() => undefined);
      await this.runRound(true);
      return { consistency: this.snapshot().consistency };
    },
    'node.diff': async ({ a, b, limit, match }) => this.diff(a, b, limit, match),
  };

  snapshot(): { consistency: Record<string, ConsistencyState> } {
    return { consistency: Object.fromEntries(this.states) };
  }

  onTick(): void {
    if (this.round || this.disposed) return;
    void this.runRound(false).catch(() => undefined);
  }

  onNodeRemoved(id: string): void {
    this.states.delete(id);
    this.nextCheck.delete(id);
    this.drop(id);
  }

  onClear(): void {
    this.generation++;
    this.states.clear();
    this.nextCheck.clear();
    for (const id of [...this.connections.keys()]) this.drop(id);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.onClear();
    await this.round?.catch(() => undefined);
  }

  private runRound(forced: boolean): Promise<void> {
    const round = this.checkAll(forced).finally(() => {
      if (this.round === round) this.round = undefined;
    });
    this.round = round;
    return round;
  }

  private async checkAll(forced: boolean): Promise<void> {
    const generation = this.generation;
    const changed: Record<string, ConsistencyState> = {};
    const edges = this.ctx.topology().edges;
    for (const { replica, master } of edges) {
      if (!forced && Date.now() < (this.nextCheck.get(replica) ?? 0)) continue;
      const state = await this.checkEdge(replica, master, forced);
      if (generation !== this.generation) return;
      const previous = this.states.get(replica);
      this.states.set(replica, state);
      if (
        previous?.state !== state.state ||
        previous.reason !== state.reason ||
        previous.masterId !== state.masterId ||
        previous.digest !== state.digest
      )
        changed[replica] = state;
    }
    const replicas = new Set(this.ctx.topology().edges.map((edge) => edge.replica));
    for (const id of [...this.states.keys()]) if (!replicas.has(id)) this.states.delete(id);
    if (Object.keys(changed).length) this.ctx.emit('consistency', changed);
  }

  private async checkEdge(replicaId: string, masterId: string, forced: boolean): Promise<ConsistencyState> {
    const base = { nodeId: replicaId, masterId, checkedAt: Date.now() };
    const replica = findNode(this.ctx.topology(), replicaId);
    const master = findNode(this.ctx.topology(), masterId);
    if (!replica || !master) return { ...base, state: 'unknown', reason: 'not in the lab' };
    const remote = [replica, master].find((node) => node.engine === 'remote');
    if (remote)
      return {
        ...base,
        state: 'unknown',
        reason: `${remote.name} is a remote server: the lab does not run DEBUG DIGEST (it blocks the server) on servers it does not manage`,
      };
    for (const node of [replica, master]) {
      const state = this.ctx.runtime(node.id)?.state;
      if (state === 'syncing') return { ...base, state: 'pending', reason: `${node.name} is syncing` };
      if (state !== 'up') return { ...base, state: 'unknown', reason: `${node.name} is ${state ?? 'not running'}` };
    }
    for (const node of [replica, master]) {
      const keys = this.ctx.runtime(node.id)?.metrics?.keys ?? 0;
      const autoLimit = node.engine === 'builtin' ? AUTO_KEY_LIMIT.builtin : AUTO_KEY_LIMIT.other;
      if (keys > (forced ? FORCED_KEY_LIMIT : autoLimit))
        return {
          ...base,
          state: 'unknown',
          reason: `${node.name} has ${keys} keys: DEBUG DIGEST blocks the server while it reads every key, so the lab digests ${forced ? `at most ${FORCED_KEY_LIMIT} keys` : `only up to ${autoLimit} keys on ${node.engine} by itself (Check now: up to ${FORCED_KEY_LIMIT})`}`,
        };
    }
    let outcome;
    try {
      const [replicaSide, masterSide] = await Promise.all([this.side(replica), this.side(master)]);
      outcome = await checkPair(replicaSide, masterSide);
    } catch (error) {
      this.drop(replicaId);
      this.drop(masterId);
      return { ...base, state: 'unknown', reason: describeConnectionError(error) };
    }
    if (outcome.digestMs !== undefined)
      this.nextCheck.set(replicaId, Date.now() + Math.max(MIN_INTERVAL_MS, outcome.digestMs / BLOCKED_SHARE));
    else if (outcome.state === 'unknown') this.nextCheck.set(replicaId, Date.now() + MIN_INTERVAL_MS);
    return {
      ...base,
      checkedAt: Date.now(),
      state: outcome.state,
      reason: outcome.reason,
      digest: outcome.digest,
      masterDigest: outcome.masterDigest,
    };
  }

  /** The feature's connection to `node`, (re)connected when needed. */
  private async side(node: TopologyNode): Promise<PairSide> {
    const address = this.ctx.address(node);
    const where = `${address.host}:${address.port}`;
    const existing = this.connections.get(node.id);
    if (existing && existing.where === where && !existing.connection.closed)
      return { id: node.id, name: node.name, connection: existing.connection };
    existing?.connection.destroy();
    const generation = this.generation;
    const connection = await connectNode(address, CONNECT_TIMEOUT_MS, CLIENT_NAME);
    if (this.disposed || generation !== this.generation) {
      connection.destroy();
      throw new Error('the lab was cleared');
    }
    this.connections.set(node.id, { where, connection });
    return { id: node.id, name: node.name, connection };
  }

  private drop(id: string): void {
    this.connections.get(id)?.connection.destroy();
    this.connections.delete(id);
  }

  private async diff(a: string, b: string, limit: number, match: string | undefined): Promise<DiffResult> {
    const nodeA = this.ctx.node(a);
    const nodeB = this.ctx.node(b);
    if (a === b) throw new LabError('invalid', 'A diff needs two different nodes.');
    const started = performance.now();
    const open = async (node: TopologyNode) => {
      try {
        return await connectNode(this.ctx.address(node), CONNECT_TIMEOUT_MS, 'replica-lab:diff');
      } catch (error) {
        throw new LabError('failed', `${this.ctx.label(node.id)}: ${describeConnectionError(error)}`);
      }
    };
    const connectionA = await open(nodeA);
    try {
      const connectionB = await open(nodeB);
      try {
        const result = await diffNodes(connectionA, connectionB, { limit, match });
        const tookMs = Math.round(performance.now() - started);
        this.ctx.record({
          command: `# diff of ${nodeA.name} and ${nodeB.name}${match ? ` (keys matching ${match})` : ''}: ${result.differences.length}${result.truncated ? '+' : ''} differences in ${result.keysA} / ${result.keysB} keys, values compared with ${result.fingerprint}, ${tookMs} ms`,
          ok: true,
        });
        return {
          a,
          b,
          differences: result.differences,
          keysA: result.keysA,
          keysB: result.keysB,
          truncated: result.truncated,
          tookMs,
        };
      } finally {
        connectionB.destroy();
      }
    } catch (error) {
      if (error instanceof LabError) throw error;
      throw new LabError('failed', `The diff failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      connectionA.destroy();
    }
  }
}
