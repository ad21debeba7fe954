/**
 * Where a workload writes and reads, from the topology: the pure half of following
 * a failover.
 */
import type { WorkloadSettings } from '../../api/runtime';
import type { Topology } from '../../api/topology';
import { findNode, masterOf, replicasOf } from '../topology';

/** Every node below `id` (its replicas, theirs, ...), nearest first. */
export function descendantsOf(topology: Topology, id: string): string[] {
  const found: string[] = [];
  const queue = [id];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const replica of replicasOf(topology, next)) {
      if (replica === id || found.includes(replica)) continue;
      found.push(replica);
      queue.push(replica);
    }
  }
  return found;
}

/** The master at the top of `id`'s chain (itself when it is a master). */
export function topMasterOf(topology: Topology, id: string): string {
  const seen = new Set<string>();
  let current = id;
  for (let master = masterOf(topology, current); master !== undefined; master = masterOf(topology, current)) {
    if (seen.has(master)) break;
    seen.add(master);
    current = master;
  }
  return current;
}

export function readTargets(topology: Topology, writer: string, readFrom: WorkloadSettings['readFrom']): string[] {
  if (readFrom === 'master') return [writer];
  const replicas = descendantsOf(topology, writer);
  return readFrom === 'all' ? [writer, ...replicas] : replicas;
}

/**
 * The node writes should go to now. The writer became a replica (FAILOVER, Sentinel
 * brought it back as one): the master at the top of its chain. The writer is down
 * and another node of its group is a master now (promoted, by hand or by Sentinel):
 * that node, the one with most replicas if there are several. Otherwise the writer.
 */
export function nextWriter(
  topology: Topology,
  writer: string,
  group: ReadonlySet<string>,
  isUp: (id: string) => boolean,
): string {
  if (!findNode(topology, writer)) return writer;
  if (masterOf(topology, writer) !== undefined) return topMasterOf(topology, writer);
  if (isUp(writer)) return writer;
  let best: string | undefined;
  let bestReplicas = -1;
  for (const id of group) {
    if (id === writer || !findNode(topology, id) || masterOf(topology, id) !== undefined || !isUp(id)) continue;
    const replicas = descendantsOf(topology, id).length;
    if (replicas > bestReplicas) {
      best = id;
      bestReplicas = replicas;
    }
  }
  return best ?? writer;
}
