/**
 * The lab as the renderer knows it: the snapshot taken at start (and again after a
 * reconnect), kept current by the lab's events. Metrics live in their own shallow
 * map so a poll tick re-renders the cards whose numbers changed and nothing else.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowReactive, shallowRef } from 'vue';
import type { Method, Params, Results } from '@api/contract';
import type { CommandLogEntry, EngineInfo, LabSnapshot, NodeMetrics, NodeRuntime } from '@api/runtime';
import type { Topology, TopologyNode } from '@api/topology';
import { toLabError, type ConnectionState, type HostKind, type LabConnection } from '../api';

const LOG_LIMIT = 2000;
/** Requests that only read: they do not count as work in progress. */
const READ_ONLY = new Set<Method>(['lab.snapshot', 'node.info', 'node.logTail', 'node.configGet', 'topology.toYaml']);

/**
 * A replica's link as the UI shows it: `up` and `syncing` as INFO says; `connecting`
 * when both servers run but the link is not up yet (handshake, or waiting for the
 * master's diskless-sync delay); `down` when either end is not running.
 */
export type LinkState = 'up' | 'syncing' | 'connecting' | 'down';

export const useLabStore = defineStore('lab', () => {
  const connection = shallowRef<LabConnection>();
  const connectionState = ref<ConnectionState>('connecting');
  const loaded = ref(false);
  const host = ref<HostKind>('web');
  const workspace = ref('');
  const topologyFile = ref<string>();
  const topology = shallowRef<Topology>({ version: 1, name: 'Untitled lab', nodes: [], edges: [], sentinels: [] });
  const runtime = shallowReactive<Record<string, NodeRuntime>>({});
  const metrics = shallowReactive<Record<string, NodeMetrics>>({});
  /** Node ids whose replication offset moved at the last tick: their incoming edge is animated. */
  const flowing = shallowReactive<Record<string, boolean>>({});
  const engines = shallowRef<EngineInfo[]>([]);
  const log = shallowRef<CommandLogEntry[]>([]);
  const loadError = ref<string>();
  /** Requests that change the lab and have not answered yet (the toolbar shows a busy sign). */
  const busy = ref(0);
  const unsubscribers: Array<() => void> = [];
  /** Other stores that read parts of the snapshot (the timeline, consistency): called after each load. */
  const snapshotListeners = new Set<(snapshot: LabSnapshot) => void>();

  function onSnapshot(listener: (snapshot: LabSnapshot) => void): () => void {
    snapshotListeners.add(listener);
    return () => snapshotListeners.delete(listener);
  }

  const nodesById = computed(() => new Map(topology.value.nodes.map((node) => [node.id, node])));
  const masterOf = computed(() => new Map(topology.value.edges.map((edge) => [edge.replica, edge.master])));

  function replicasOf(id: string): string[] {
    return topology.value.edges.filter((edge) => edge.master === id).map((edge) => edge.replica);
  }

  function node(id: string): TopologyNode | undefined {
    return nodesById.value.get(id);
  }

  /** The link of a replica to its master as the replica reports it. */
  function linkState(replicaId: string): LinkState {
    const state = runtime[replicaId]?.state;
    const sample = metrics[replicaId];
    if (state === 'syncing' || sample?.syncInProgress) return 'syncing';
    if ((state === 'up' || state === 'down') && sample?.linkStatus === 'up') return 'up';
    const master = masterOf.value.get(replicaId);
    const masterState = master ? runtime[master]?.state : undefined;
    const running = (s: string | undefined) => s === 'up' || s === 'syncing';
    if (running(state) && running(masterState) && sample?.reachable) return 'connecting';
    return 'down';
  }

  function applyRuntime(id: string, value: NodeRuntime | null): void {
    if (value === null) {
      delete runtime[id];
      delete metrics[id];
      delete flowing[id];
      return;
    }
    const { metrics: sample, ...rest } = value;
    runtime[id] = rest as NodeRuntime;
    if (sample) applyMetrics(id, sample);
    else if (value.state !== 'up' && value.state !== 'syncing') {
      delete metrics[id];
      flowing[id] = false;
    }
  }

  function applyMetrics(id: string, sample: NodeMetrics): void {
    const previous = metrics[id];
    const offset = sample.replicaOffset ?? sample.masterReplOffset;
    const before = previous ? (previous.replicaOffset ?? previous.masterReplOffset) : offset;
    flowing[id] = offset !== before;
    metrics[id] = sample;
  }

  function appendLog(entries: CommandLogEntry[]): void {
    const next = [...log.value, ...entries];
    log.value = next.length > LOG_LIMIT ? next.slice(next.length - LOG_LIMIT) : next;
  }

  async function loadSnapshot(): Promise<void> {
    if (!connection.value) return;
    try {
      const snapshot = await connection.value.request('lab.snapshot', {});
      host.value = connection.value.host === 'fake' ? 'fake' : snapshot.host;
      workspace.value = snapshot.workspace;
      topologyFile.value = snapshot.topologyFile;
      topology.value = snapshot.topology;
      engines.value = snapshot.engines;
      for (const id of Object.keys(runtime)) if (!(id in snapshot.nodes)) applyRuntime(id, null);
      for (const [id, value] of Object.entries(snapshot.nodes)) applyRuntime(id, value);
      log.value = snapshot.log.slice(-LOG_LIMIT);
      loadError.value = undefined;
      for (const listener of snapshotListeners) listener(snapshot);
      loaded.value = true;
    } catch (error) {
      loadError.value = toLabError(error).message;
    }
  }

  /** Binds the store to a connection: events first, then the snapshot, so nothing is missed. */
  async function attach(next: LabConnection): Promise<void> {
    detach();
    connection.value = next;
    connectionState.value = next.state;
    unsubscribers.push(
      next.on('topology', (value) => {
        topology.value = value;
      }),
      next.on('nodes', (changes) => {
        for (const [id, value] of Object.entries(changes)) applyRuntime(id, value);
      }),
      next.on('metrics', (batch) => {
        for (const [id, sample] of Object.entries(batch)) if (runtime[id]) applyMetrics(id, sample);
      }),
      next.on('log', (entry) => appendLog([entry])),
      next.onConnection((state) => {
        connectionState.value = state;
        if (state === 'open') void loadSnapshot();
      }),
    );
    await loadSnapshot();
  }

  function detach(): void {
    for (const off of unsubscribers.splice(0)) off();
  }

  /** Sends a request; failures come back as LabRequestError (the caller decides how to show them). */
  async function request<M extends Method>(method: M, params: Params<M>): Promise<Results[M]> {
    if (!connection.value) throw toLabError(new Error('The lab is not connected.'));
    const changes = !READ_ONLY.has(method);
    if (changes) busy.value++;
    try {
      return await connection.value.request(method, params);
    } catch (error) {
      throw toLabError(error);
    } finally {
      if (changes) busy.value--;
    }
  }

  return {
    connection,
    connectionState,
    loaded,
    loadError,
    busy,
    host,
    workspace,
    topologyFile,
    topology,
    runtime,
    metrics,
    flowing,
    engines,
    log,
    masterOf,
    node,
    replicasOf,
    linkState,
    attach,
    detach,
    request,
    loadSnapshot,
    onSnapshot,
  };
});
