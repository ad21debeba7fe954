/**
 * The guided scenarios: one per reason the seed gives for replication (redundancy,
 * recovery, load balancing, the base of high availability). Each is a short list of
 * steps; a step has an action the panel can run for the user ("Do it") and a test on
 * the lab's state that says it happened, whoever did it (the panel, the canvas or a
 * terminal). The words live in the i18n files under `scenarios.<scenario>.<step>`.
 */
import type { LinkRuntime, NodeMetrics, NodeState, SentinelRuntime, WorkloadStatus } from '@api/runtime';
import type { Topology } from '@api/topology';

/** What a step's test may look at: the lab as the renderer's stores hold it. */
export interface LabView {
  topology: Topology;
  state(id: string): NodeState | undefined;
  metrics(id: string): NodeMetrics | undefined;
  workloads: Record<string, WorkloadStatus>;
  links: Record<string, LinkRuntime>;
  sentinels: Record<string, SentinelRuntime>;
}

/**
 * The servers a scenario is about, fixed when they are first seen: the master, and the
 * replica it will lose to (or read from). They keep their ids when roles change.
 */
export interface ScenarioMemory {
  master?: string;
  replica?: string;
  /** The other replicas of the master when it was chosen. */
  siblings?: string[];
}

/** What "Do it" runs (ScenarioPanel.vue turns each into lab requests). */
export type StepAction =
  | 'seed'
  | 'write'
  | 'kill-master'
  | 'inspect-replica'
  | 'promote'
  | 'write-new-master'
  | 'split-reads'
  | 'slow-link'
  | 'open-workload'
  | 'heal-link'
  | 'add-sentinels'
  | 'open-timeline'
  | 'start-old-master';

export interface ScenarioStep {
  id: string;
  action?: StepAction;
  done(view: LabView, memory: ScenarioMemory): boolean;
}

export interface Scenario {
  id: 'redundancy' | 'recovery' | 'load-balancing' | 'high-availability';
  icon: 'copy' | 'restart' | 'activity' | 'eye';
  steps: ScenarioStep[];
}

const running = (state: NodeState | undefined) => state === 'up' || state === 'syncing';
const masterOf = (view: LabView, id: string) => view.topology.edges.find((edge) => edge.replica === id)?.master;
const replicasOf = (view: LabView, id: string) =>
  view.topology.edges.filter((edge) => edge.master === id).map((edge) => edge.replica);
const portOf = (view: LabView, id: string) => view.topology.nodes.find((node) => node.id === id)?.port ?? 0;

/** A replica that reports itself a master, with no master on the canvas. */
function isMaster(view: LabView, id: string | undefined): boolean {
  if (!id || masterOf(view, id)) return false;
  return running(view.state(id)) && view.metrics(id)?.role !== 'replica';
}

/**
 * Fills the memory from the lab when it is still empty: the master with most replicas.
 * Replicas that join that master later (the seed's arrive one by one) become siblings.
 */
export function remember(view: LabView, memory: ScenarioMemory): ScenarioMemory {
  if (memory.master && view.topology.nodes.some((node) => node.id === memory.master)) {
    const known = new Set([memory.replica, ...(memory.siblings ?? [])]);
    const joined = replicasOf(view, memory.master)
      .filter((id) => !known.has(id))
      .sort((a, b) => portOf(view, a) - portOf(view, b));
    if (!joined.length) return memory;
    const replica = memory.replica ?? joined[0];
    return { ...memory, replica, siblings: [...(memory.siblings ?? []), ...joined.filter((id) => id !== replica)] };
  }
  const candidates = view.topology.nodes
    .map((node) => ({ id: node.id, replicas: replicasOf(view, node.id) }))
    .filter((each) => each.replicas.length > 0 && !masterOf(view, each.id))
    .sort((a, b) => b.replicas.length - a.replicas.length || portOf(view, a.id) - portOf(view, b.id));
  const chosen = candidates[0];
  if (!chosen) return {};
  const replicas = [...chosen.replicas].sort((a, b) => portOf(view, a) - portOf(view, b));
  return { master: chosen.id, replica: replicas[0], siblings: replicas.slice(1) };
}

/** One master with at least one replica whose link is up. */
const seeded: ScenarioStep = {
  id: 'seed',
  action: 'seed',
  done: (view, memory) => !!memory.master && !!memory.replica && view.metrics(memory.replica)?.linkStatus === 'up',
};

const written: ScenarioStep = {
  id: 'write',
  action: 'write',
  done: (view, memory) => !!memory.master && (view.metrics(memory.master)?.keys ?? 0) > 0,
};

const masterKilled: ScenarioStep = {
  id: 'kill',
  action: 'kill-master',
  done: (view, memory) => {
    const state = memory.master ? view.state(memory.master) : undefined;
    return state === 'crashed' || state === 'stopped';
  },
};

export const SCENARIOS: Scenario[] = [
  {
    id: 'redundancy',
    icon: 'copy',
    steps: [
      seeded,
      written,
      masterKilled,
      {
        id: 'find',
        action: 'inspect-replica',
        // The replica still answers with the keys while its master is gone.
        done: (view, memory) =>
          !!memory.replica &&
          !running(view.state(memory.master ?? '')) &&
          running(view.state(memory.replica)) &&
          (view.metrics(memory.replica)?.keys ?? 0) > 0,
      },
    ],
  },
  {
    id: 'recovery',
    icon: 'restart',
    steps: [
      seeded,
      masterKilled,
      {
        id: 'promote',
        action: 'promote',
        done: (view, memory) => isMaster(view, memory.replica),
      },
      {
        id: 'siblings',
        // Siblings re-pointed to the new master (nothing to do when there were none).
        done: (view, memory) =>
          isMaster(view, memory.replica) &&
          (memory.siblings ?? []).every((id) => masterOf(view, id) === memory.replica),
      },
      {
        id: 'write-again',
        action: 'write-new-master',
        done: (view, memory) =>
          isMaster(view, memory.replica) && !!memory.replica && !!view.workloads[memory.replica]?.running,
      },
    ],
  },
  {
    id: 'load-balancing',
    icon: 'activity',
    steps: [
      seeded,
      {
        id: 'split',
        action: 'split-reads',
        done: (view, memory) => {
          const workload = memory.master ? view.workloads[memory.master] : undefined;
          return !!workload?.running && workload.settings.readFrom !== 'master' && workload.settings.readShare > 0;
        },
      },
      {
        id: 'slow',
        action: 'slow-link',
        done: (view, memory) => {
          const fault = memory.replica ? view.links[memory.replica]?.fault : undefined;
          return !!fault && (fault.latencyMs > 0 || fault.cut !== 'none' || fault.bandwidthKbps > 0);
        },
      },
      {
        id: 'stale',
        action: 'open-workload',
        done: (view, memory) => {
          const workload = memory.master ? view.workloads[memory.master] : undefined;
          return !!workload?.reads.some((read) => read.nodeId === memory.replica && read.stale > 0);
        },
      },
      {
        id: 'heal',
        action: 'heal-link',
        done: (view, memory) => {
          const link = memory.replica ? view.links[memory.replica] : undefined;
          return !link || (link.fault.cut === 'none' && link.fault.latencyMs === 0 && link.fault.bandwidthKbps === 0);
        },
      },
    ],
  },
  {
    id: 'high-availability',
    icon: 'eye',
    steps: [
      seeded,
      {
        id: 'sentinels',
        action: 'add-sentinels',
        done: (view, memory) => {
          const watching = (view.topology.sentinels ?? []).filter(
            (sentinel) => sentinel.master === memory.master || (!!memory.replica && sentinel.master === memory.replica),
          );
          return watching.length > 0 && watching.some((sentinel) => view.sentinels[sentinel.id]?.state === 'up');
        },
      },
      masterKilled,
      {
        id: 'switch',
        action: 'open-timeline',
        // Sentinel promoted one of the master's replicas.
        done: (view, memory) => [memory.replica, ...(memory.siblings ?? [])].some((id) => isMaster(view, id)),
      },
      {
        id: 'rejoin',
        action: 'start-old-master',
        // The old master, started again, is turned into a replica of the new one by Sentinel.
        done: (view, memory) =>
          !!memory.master &&
          running(view.state(memory.master)) &&
          (!!masterOf(view, memory.master) || view.metrics(memory.master)?.role === 'replica'),
      },
    ],
  },
];

/**
 * Which steps are done. A step ticks only after the steps before it (healing a link
 * means nothing before it was slowed), and stays done once it was (`previously`), so
 * killing the master for step 3 does not untick step 1 whose links then go down.
 */
export function progress(
  scenario: Scenario,
  view: LabView,
  memory: ScenarioMemory,
  previously: ReadonlySet<string> = new Set(),
): Set<string> {
  const done = new Set(previously);
  for (const step of scenario.steps) {
    if (done.has(step.id)) continue;
    if (!step.done(view, memory)) break;
    done.add(step.id);
  }
  return done;
}

/** The first step not done yet: the one the panel points at. */
export function currentStep(scenario: Scenario, done: ReadonlySet<string>): ScenarioStep | undefined {
  return scenario.steps.find((step) => !done.has(step.id));
}
