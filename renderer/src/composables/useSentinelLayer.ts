/**
 * The Sentinels on the canvas: mirrors topology.sentinels into Vue Flow nodes of their
 * own type, each with a dashed edge to the node it currently sees as master (from its
 * view: after a failover the line moves to the new master). Drags become sentinel.move.
 */
import { watch } from 'vue';
import { useVueFlow, type GraphNode } from '@vue-flow/core';
import { useLabStore } from '../stores/lab';
import { useExperimentStore } from '../stores/experiments';
import { useLabActions } from './useLabActions';

const NODE_PREFIX = 'sentinel:';
const EDGE_PREFIX = 'watch:';

export function sentinelFlowId(id: string): string {
  return NODE_PREFIX + id;
}

/** The Sentinel id of a Vue Flow node, or undefined for a server's card. */
export function sentinelIdOf(flowId: string): string | undefined {
  return flowId.startsWith(NODE_PREFIX) ? flowId.slice(NODE_PREFIX.length) : undefined;
}

export function useSentinelLayer() {
  const lab = useLabStore();
  const experiments = useExperimentStore();
  const { attempt } = useLabActions();
  const { nodes, edges, addNodes, removeNodes, findNode, addEdges, removeEdges } = useVueFlow('lab');

  function sync(): void {
    const sentinels = experiments.topologySentinels;
    const wanted = new Map(sentinels.map((sentinel) => [sentinelFlowId(sentinel.id), sentinel]));
    const stale = nodes.value.filter((node) => node.type === 'sentinel' && !wanted.has(node.id)).map((n) => n.id);
    if (stale.length) removeNodes(stale, false);
    const added = [];
    for (const [flowId, sentinel] of wanted) {
      const existing = findNode(flowId);
      if (!existing) added.push({ id: flowId, type: 'sentinel', position: { ...sentinel.position }, data: {} });
      else if (
        !existing.dragging &&
        (existing.position.x !== sentinel.position.x || existing.position.y !== sentinel.position.y)
      )
        existing.position = { ...sentinel.position };
    }
    if (added.length) addNodes(added);

    // One edge per Sentinel, to the master it sees; re-created when that master changes.
    const targets = new Map<string, string>();
    for (const sentinel of sentinels) {
      const master = experiments.watchedMaster(sentinel.id);
      if (master && lab.node(master)) targets.set(EDGE_PREFIX + sentinel.id, master);
    }
    const staleEdges = edges.value
      .filter((edge) => edge.type === 'sentinel' && targets.get(edge.id) !== edge.target)
      .map((edge) => edge.id);
    if (staleEdges.length) removeEdges(staleEdges);
    const present = new Set(edges.value.map((edge) => edge.id));
    const newEdges = [];
    for (const [id, target] of targets) {
      if (present.has(id)) continue;
      const source = sentinelFlowId(id.slice(EDGE_PREFIX.length));
      newEdges.push({ id, type: 'sentinel', source, target, selectable: false, updatable: false, focusable: false });
    }
    if (newEdges.length) addEdges(newEdges);
  }

  // Sentinel edges need both ends on the canvas: run after the server cards are mirrored.
  watch([() => lab.topology, () => ({ ...experiments.sentinels })], () => queueMicrotask(sync), { immediate: true });

  /** Positions of dragged Sentinels go to the lab; the rest of the drag is the canvas's. */
  async function moveDragged(dragged: GraphNode[]): Promise<void> {
    const moves = dragged.flatMap((node) => {
      const id = sentinelIdOf(node.id);
      return id ? [{ id, position: { x: Math.round(node.position.x), y: Math.round(node.position.y) } }] : [];
    });
    if (moves.length) await attempt(() => lab.request('sentinel.move', { moves }));
  }

  return { moveDragged };
}
