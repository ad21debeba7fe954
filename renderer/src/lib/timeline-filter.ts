/** The timeline as the panel shows it: merged without duplicates, filtered by kind, node and text. */
import type { TimelineEvent, TimelineKind } from '@api/runtime';

export interface TimelineFilter {
  /** Kinds to show; empty: every kind. */
  kinds: readonly TimelineKind[];
  /** Events about this node (as the node, or as either end of a link). */
  nodeId?: string;
  /** Case-insensitive, in the title, the sync explanation, the details and the node names. */
  text: string;
}

export const EMPTY_FILTER: TimelineFilter = { kinds: [], text: '' };

/** Adds events to a list sorted by seq, dropping the ones it already has and keeping the newest `limit`. */
export function mergeTimeline(
  current: readonly TimelineEvent[],
  incoming: readonly TimelineEvent[],
  limit: number,
): TimelineEvent[] {
  const last = current[current.length - 1]?.seq ?? -Infinity;
  let merged: TimelineEvent[];
  if (incoming.every((event, i) => event.seq > last && (i === 0 || event.seq > incoming[i - 1]!.seq))) {
    merged = current.concat(incoming); // the common case: one new event at the end
  } else {
    const bySeq = new Map(current.map((event) => [event.seq, event]));
    for (const event of incoming) bySeq.set(event.seq, event);
    merged = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }
  return merged.length > limit ? merged.slice(merged.length - limit) : merged;
}

export function involves(event: TimelineEvent, nodeId: string): boolean {
  return event.nodeId === nodeId || event.edge?.replica === nodeId || event.edge?.master === nodeId;
}

function searchText(event: TimelineEvent, nameOf: (id: string) => string | undefined): string {
  const parts = [event.title, event.kind];
  if (event.sync) parts.push(event.sync.mode, event.sync.reason, ...event.sync.evidence);
  if (event.details) for (const [name, value] of Object.entries(event.details)) parts.push(`${name} ${value}`);
  for (const id of [event.nodeId, event.edge?.replica, event.edge?.master]) {
    if (id) parts.push(id, nameOf(id) ?? '');
  }
  return parts.join('\n').toLowerCase();
}

export function filterTimeline(
  events: readonly TimelineEvent[],
  filter: TimelineFilter,
  nameOf: (id: string) => string | undefined = () => undefined,
): TimelineEvent[] {
  const kinds = filter.kinds.length ? new Set(filter.kinds) : undefined;
  const text = filter.text.trim().toLowerCase();
  return events.filter(
    (event) =>
      (!kinds || kinds.has(event.kind)) &&
      (!filter.nodeId || involves(event, filter.nodeId)) &&
      (!text || searchText(event, nameOf).includes(text)),
  );
}

/** The JSON a user downloads: the events as the lab sent them, with the filter that chose them. */
export function timelineExport(events: readonly TimelineEvent[], filter: TimelineFilter, exportedAt: number): string {
  return JSON.stringify(
    {
      exportedAt: new Date(exportedAt).toISOString(),
      filter: { kinds: filter.kinds, nodeId: filter.nodeId ?? null, text: filter.text },
      count: events.length,
      events,
    },
    null,
    2,
  );
}
