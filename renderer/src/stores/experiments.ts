/**
 * What the user does to the lab on purpose, as the lab reports it: the links that run
 * through the lab's proxy (and their faults), the Sentinels and what each one sees,
 * and the workloads with their stale-read meters. Also what the window shows of them:
 * the selected link or Sentinel, the open form, the guided scenario in progress.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowReactive, watch } from 'vue';
import type { LabSnapshot, LinkRuntime, SentinelRuntime, WorkloadStatus } from '@api/runtime';
import type { TopologySentinel } from '@api/topology';
import type { LabConnection } from '../api';
import { useLabStore } from './lab';
import { useUiStore } from './ui';
import type { ScenarioMemory } from '../lib/scenarios';

/** A form that asks for numbers before an action runs. */
export type ExperimentDialog =
  { kind: 'debug-sleep'; id: string } | { kind: 'client-pause'; id: string } | { kind: 'sentinels'; id: string };

export const useExperimentStore = defineStore('experiments', () => {
  const lab = useLabStore();
  const links = shallowReactive<Record<string, LinkRuntime>>({});
  const sentinels = shallowReactive<Record<string, SentinelRuntime>>({});
  const workloads = shallowReactive<Record<string, WorkloadStatus>>({});
  /** The replica whose link to its master the inspector shows. */
  const selectedLink = ref<string>();
  const selectedSentinel = ref<string>();
  const dialog = ref<ExperimentDialog>();
  const scenariosOpen = ref(false);
  const scenarioId = ref<string>();
  /** The servers the open scenario is about, and its steps done so far. */
  const scenarioMemory = ref<ScenarioMemory>({});
  const scenarioDone = ref<ReadonlySet<string>>(new Set());
  const unsubscribers: Array<() => void> = [];

  const topologySentinels = computed(() => lab.topology.sentinels ?? []);

  function sentinel(id: string): TopologySentinel | undefined {
    return topologySentinels.value.find((each) => each.id === id);
  }

  /** The node a Sentinel sees as master now (its view), else the one it was set to watch. */
  function watchedMaster(id: string): string | undefined {
    const view = sentinels[id]?.view;
    if (view) {
      const seen = lab.topology.nodes.find(
        (node) => node.port === view.master.port && sameHost(node.host, view.master.host),
      );
      if (seen) return seen.id;
    }
    return sentinel(id)?.master;
  }

  function replace<T>(target: Record<string, T>, values: Record<string, T> | undefined): void {
    for (const id of Object.keys(target)) if (!values || !(id in values)) delete target[id];
    for (const [id, value] of Object.entries(values ?? {})) target[id] = value;
  }

  function apply<T>(target: Record<string, T>, changes: Record<string, T | null>): void {
    for (const [id, value] of Object.entries(changes)) {
      if (value === null) delete target[id];
      else target[id] = value;
    }
  }

  function onSnapshot(snapshot: LabSnapshot): void {
    replace(links, snapshot.links);
    replace(sentinels, snapshot.sentinels);
    replace(workloads, snapshot.workloads);
  }

  /** Binds to a connection before the lab store loads its snapshot, so the first snapshot is seen. */
  function attach(connection: LabConnection): void {
    detach();
    unsubscribers.push(
      lab.onSnapshot(onSnapshot),
      connection.on('links', (changes) => apply(links, changes)),
      connection.on('sentinels', (changes) => apply(sentinels, changes)),
      connection.on('workload', (status) => {
        workloads[status.settings.masterId] = status;
      }),
    );
  }

  function detach(): void {
    for (const off of unsubscribers.splice(0)) off();
  }

  // One thing is inspected at a time (the inspectors clear these when a node is chosen).
  // The UI store is looked up on use: it reads the window, which unit tests do not have.
  function selectLink(replica: string | undefined): void {
    selectedLink.value = replica;
    if (replica) {
      selectedSentinel.value = undefined;
      useUiStore().selectedNodeId = undefined;
    }
  }

  function selectSentinel(id: string | undefined): void {
    selectedSentinel.value = id;
    if (id) {
      selectedLink.value = undefined;
      useUiStore().selectedNodeId = undefined;
    }
  }
  // What left the lab is no longer inspected.
  watch(
    () => lab.topology,
    (topology) => {
      if (selectedLink.value && !topology.edges.some((edge) => edge.replica === selectedLink.value))
        selectedLink.value = undefined;
      if (selectedSentinel.value && !(topology.sentinels ?? []).some((s) => s.id === selectedSentinel.value))
        selectedSentinel.value = undefined;
    },
  );

  return {
    links,
    sentinels,
    workloads,
    selectedLink,
    selectedSentinel,
    dialog,
    scenariosOpen,
    scenarioId,
    scenarioMemory,
    scenarioDone,
    topologySentinels,
    sentinel,
    watchedMaster,
    attach,
    detach,
    selectLink,
    selectSentinel,
    onSnapshot,
  };
});

/** 127.0.0.1 and localhost name the same machine (Sentinel reports the address it was given). */
function sameHost(a: string, b: string): boolean {
  const local = (host: string) => host === '127.0.0.1' || host === 'localhost' || host === '::1';
  return a === b || (local(a) && local(b));
}
