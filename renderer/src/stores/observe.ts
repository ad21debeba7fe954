/**
 * What the lab shows over time, beside the lab store's present: each node's metrics
 * over the last minutes (charts, sparklines), the timeline of events, each replica's
 * consistency with its master, and the diff dialog's pair of nodes.
 *
 * The samples live in plain arrays (a hundred nodes over ten minutes is 60,000 of
 * them): a per-node version number is what components depend on, so a tick
 * re-renders the sparklines of the nodes that got a sample and nothing else.
 */
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowReactive, shallowRef, watch } from 'vue';
import type { ConsistencyState, LabSnapshot, MetricsSample, NodeMetrics, TimelineEvent } from '@api/runtime';
import type { LabConnection } from '../api';
import { useLabStore } from './lab';
import { HISTORY_WINDOW_MS, mergeHistory, tickSamples, trimBefore } from '../lib/metric-series';
import { EMPTY_FILTER, mergeTimeline, type TimelineFilter } from '../lib/timeline-filter';
import { assignColors } from '../lib/node-colors';

/** Events the panel keeps (the lab keeps its own list: `timeline.list`). */
export const TIMELINE_LIMIT = 5000;
/** With no metrics event for this long, live nodes get their last values again, so lines reach "now". */
const QUIET_TICK_MS = 1500;

export const useObserveStore = defineStore('observe', () => {
  const lab = useLabStore();
  // markRaw: the store must not wrap 60,000 samples in reactive proxies.
  const series = markRaw(new Map<string, MetricsSample[]>());
  /** Bumped when a node's series changes: what sparklines and charts watch. */
  const versions = shallowReactive<Record<string, number>>({});
  /** Bumped at every tick (any node): what the charts watch. */
  const tick = ref(0);
  const timeline = shallowRef<TimelineEvent[]>([]);
  /** Whether `timeline.list` answered (else the list holds the snapshot's last events only). */
  const timelineComplete = ref(false);
  const consistency = shallowReactive<Record<string, ConsistencyState>>({});
  const checking = ref(false);
  /** The two nodes the diff dialog compares; undefined: the dialog is closed. */
  const diffPair = ref<{ a: string; b: string }>();
  /** The nodes the charts draw, as the user picked them; undefined: the selected nodes, else all. */
  const chartPick = ref<string[]>();
  const chartWindowMs = ref(5 * 60_000);
  const timelineFilter = ref<TimelineFilter>({ ...EMPTY_FILTER });
  let colorMap = new Map<string, string>();
  // Reads the previous assignment so a node keeps its colour when others come and go.
  const colors = computed(() => {
    colorMap = assignColors(
      lab.topology.nodes.map((node) => node.id),
      colorMap,
    );
    return colorMap;
  });

  const unsubscribers: Array<() => void> = [];
  let lastTickAt = 0;
  let quietTimer: ReturnType<typeof setInterval> | undefined;

  function colorOf(id: string): string {
    return colors.value.get(id) ?? '#8a94a6';
  }

  function samplesOf(id: string): readonly MetricsSample[] {
    return series.get(id) ?? [];
  }

  function live(id: string): boolean {
    const state = lab.runtime[id]?.state;
    return state === 'up' || state === 'syncing';
  }

  function record(at: number, batch: Record<string, NodeMetrics>): void {
    lastTickAt = at;
    const cutoff = at - HISTORY_WINDOW_MS;
    for (const [id, sample] of tickSamples(at, batch, lab.metrics, live)) {
      let samples = series.get(id);
      if (!samples) series.set(id, (samples = []));
      const previous = samples[samples.length - 1];
      if (previous && previous.at >= at) continue;
      samples.push(sample);
      if (samples[0]!.at < cutoff) trimBefore(samples, cutoff);
      versions[id] = (versions[id] ?? 0) + 1;
    }
    tick.value++;
  }

  function forget(id: string): void {
    series.delete(id);
    delete versions[id];
    delete consistency[id];
  }

  async function loadHistory(): Promise<void> {
    const reply = await lab.request('metrics.history', {}).catch(() => undefined);
    if (!reply) return;
    for (const [id, history] of Object.entries(reply.series)) {
      if (!lab.node(id)) continue;
      series.set(id, mergeHistory(history, series.get(id) ?? []));
      versions[id] = (versions[id] ?? 0) + 1;
    }
    tick.value++;
  }

  async function loadTimeline(): Promise<void> {
    const reply = await lab.request('timeline.list', {}).catch(() => undefined);
    if (!reply) return;
    timeline.value = mergeTimeline(timeline.value, reply.events, TIMELINE_LIMIT);
    timelineComplete.value = true;
  }

  function applyConsistency(changes: Record<string, ConsistencyState>): void {
    for (const [id, state] of Object.entries(changes)) consistency[id] = state;
  }

  function onSnapshot(snapshot: LabSnapshot): void {
    timeline.value = mergeTimeline([], snapshot.timeline ?? [], TIMELINE_LIMIT);
    timelineComplete.value = false;
    for (const id of Object.keys(consistency)) if (!(id in (snapshot.consistency ?? {}))) delete consistency[id];
    applyConsistency(snapshot.consistency ?? {});
    void loadHistory();
    void loadTimeline();
  }

  /** Binds to a connection before the lab store loads its snapshot, so the first snapshot is seen. */
  function attach(connection: LabConnection): void {
    detach();
    unsubscribers.push(
      lab.onSnapshot(onSnapshot),
      connection.on('metrics', (batch) => record(Date.now(), batch)),
      connection.on('nodes', (changes) => {
        for (const [id, value] of Object.entries(changes)) if (value === null) forget(id);
      }),
      connection.on('timeline', (event) => {
        timeline.value = mergeTimeline(timeline.value, [event], TIMELINE_LIMIT);
      }),
      connection.on('consistency', applyConsistency),
    );
    quietTimer = setInterval(() => {
      const now = Date.now();
      if (now - lastTickAt >= QUIET_TICK_MS && Object.keys(lab.metrics).length) record(now, {});
    }, 1000);
  }

  function detach(): void {
    for (const off of unsubscribers.splice(0)) off();
    clearInterval(quietTimer);
  }

  async function clearTimeline(): Promise<void> {
    await lab.request('timeline.clear', {});
    timeline.value = [];
  }

  async function checkConsistency(): Promise<void> {
    checking.value = true;
    try {
      const reply = await lab.request('consistency.check', {});
      applyConsistency(reply.consistency);
    } finally {
      checking.value = false;
    }
  }

  /** Opens the diff dialog for a node: against its master, or (a master) its first replica. */
  function openDiff(id: string, other?: string): void {
    const partner = other ?? lab.masterOf.get(id) ?? lab.replicasOf(id)[0];
    const fallback = lab.topology.nodes.find((node) => node.id !== id)?.id ?? id;
    diffPair.value = { a: id, b: partner ?? fallback };
  }

  // A node that leaves the topology takes its history with it (a new node may reuse the id).
  watch(
    () => lab.topology.nodes,
    (nodes) => {
      const ids = new Set(nodes.map((node) => node.id));
      for (const id of [...series.keys()]) if (!ids.has(id)) forget(id);
    },
  );

  return {
    versions,
    tick,
    timeline,
    timelineComplete,
    consistency,
    checking,
    diffPair,
    chartPick,
    chartWindowMs,
    timelineFilter,
    colors,
    colorOf,
    samplesOf,
    series: series as ReadonlyMap<string, readonly MetricsSample[]>,
    record,
    attach,
    detach,
    loadHistory,
    loadTimeline,
    clearTimeline,
    checkConsistency,
    openDiff,
  };
});
