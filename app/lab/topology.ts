/**
 * The topology model's rules and pure operations. A topology is plain data
 * (app/api/topology.ts); everything here returns a new value or a sentence saying
 * which rule a change breaks, so the canvas, the files and the supervisor all follow
 * one source of truth and a refused change touches nothing.
 *
 * The rules are Redis's: a replica has exactly one master (REPLICAOF replaces the
 * previous one), replication never goes round in a circle (Redis would accept it and
 * every node would wait forever for a sync that cannot complete), and chains are fine
 * (a replica of a replica receives the exact stream its master receives).
 */
import type { ReplicationEdge, Topology, TopologyNode } from '../api/topology';

export type TopologyRule = 'self' | 'one-master' | 'cycle' | 'unknown-node' | 'duplicate-id' | 'duplicate-address';

export interface RuleViolation {
  rule: TopologyRule;
  /** One sentence naming the nodes, the rule and why it exists. */
  message: string;
  nodes: string[];
}

export function nodeAddress(node: Pick<TopologyNode, 'host' | 'port'>): string {
  return `${node.host}:${node.port}`;
}

/** How a node is named in a sentence: its name when the user gave one, else its address. */
function describe(topology: Topology, id: string): string {
  const node = findNode(topology, id);
  if (!node) return id;
  const address = nodeAddress(node);
  return node.name === address || node.name === String(node.port) ? address : `${node.name} (${address})`;
}

export function findNode(topology: Topology, id: string): TopologyNode | undefined {
  return topology.nodes.find((node) => node.id === id);
}

export function masterOf(topology: Topology, replicaId: string): string | undefined {
  return topology.edges.find((edge) => edge.replica === replicaId)?.master;
}

export function replicasOf(topology: Topology, masterId: string): string[] {
  return topology.edges.filter((edge) => edge.master === masterId).map((edge) => edge.replica);
}

/** The masters above a node, nearest first; stops at a cycle rather than looping. */
export function upstreamOf(topology: Topology, id: string): string[] {
  const path: string[] = [];
  const seen = new Set([id]);
  for (let current = masterOf(topology, id); current !== undefined; current = masterOf(topology, current)) {
    if (seen.has(current)) break;
    seen.add(current);
    path.push(current);
  }
  return path;
}

/** Every rule `edge` would break if added (a replica that already has a master is re-pointed, not refused). */
export function checkNewEdge(topology: Topology, edge: ReplicationEdge): RuleViolation | undefined {
  for (const id of [edge.replica, edge.master]) {
    if (!findNode(topology, id)) {
      return { rule: 'unknown-node', message: `There is no node "${id}" in this topology.`, nodes: [id] };
    }
  }
  if (edge.replica === edge.master) {
    return {
      rule: 'self',
      message: `${describe(topology, edge.replica)} cannot replicate from itself: a replica copies another server.`,
      nodes: [edge.replica],
    };
  }
  const above = upstreamOf(topology, edge.master);
  if (above.includes(edge.replica)) {
    const through = above.slice(0, above.indexOf(edge.replica));
    const via = through.length ? ` (through ${through.map((id) => describe(topology, id)).join(', ')})` : '';
    return {
      rule: 'cycle',
      message:
        `${describe(topology, edge.replica)} cannot replicate from ${describe(topology, edge.master)}: ` +
        `${describe(topology, edge.master)} already replicates${via} from ${describe(topology, edge.replica)}, ` +
        `and replication cannot go round in a circle.`,
      nodes: [edge.replica, edge.master, ...through],
    };
  }
  return undefined;
}

/** Every rule the whole topology breaks: what a topology file is checked against. */
export function checkTopology(topology: Topology): RuleViolation[] {
  const violations: RuleViolation[] = [];
  const ids = new Set<string>();
  const addresses = new Map<string, string>();
  for (const node of topology.nodes) {
    if (ids.has(node.id)) {
      violations.push({
        rule: 'duplicate-id',
        message: `Two nodes have the id "${node.id}": every node needs its own.`,
        nodes: [node.id],
      });
    }
    ids.add(node.id);
    const address = nodeAddress(node);
    const other = addresses.get(address);
    if (other !== undefined) {
      violations.push({
        rule: 'duplicate-address',
        message: `${describe(topology, other)} and ${node.name} both use ${address}: two servers cannot listen on one port.`,
        nodes: [other, node.id],
      });
    } else addresses.set(address, node.id);
  }
  const mastersByReplica = new Map<string, string>();
  for (const edge of topology.edges) {
    const earlier = mastersByReplica.get(edge.replica);
    if (earlier !== undefined && earlier !== edge.master) {
      violations.push({
        rule: 'one-master',
        message:
          `${describe(topology, edge.replica)} replicates from both ${describe(topology, earlier)} and ` +
          `${describe(topology, edge.master)}: a replica has one master (REPLICAOF replaces the previous one).`,
        nodes: [edge.replica, earlier, edge.master],
      });
      continue;
    }
    mastersByReplica.set(edge.replica, edge.master);
    const rest: Topology = { ...topology, edges: topology.edges.filter((other) => other !== edge) };
    const problem = checkNewEdge(rest, edge);
    if (problem && !violations.some((v) => v.rule === problem.rule && sameNodes(v.nodes, problem.nodes))) {
      violations.push(problem);
    }
  }
  return violations;
}

function sameNodes(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}

/** `replica` replicates from `master` (replacing any master it had). Throws the rule's sentence if refused. */
export function connect(topology: Topology, edge: ReplicationEdge): Topology {
  const problem = checkNewEdge(topology, edge);
  if (problem) throw new TopologyRuleError(problem);
  return { ...topology, edges: [...topology.edges.filter((e) => e.replica !== edge.replica), { ...edge }] };
}

/** `replica` becomes a master again (REPLICAOF NO ONE); it keeps its data. */
export function disconnect(topology: Topology, replicaId: string): Topology {
  return { ...topology, edges: topology.edges.filter((edge) => edge.replica !== replicaId) };
}

export function addNode(topology: Topology, node: TopologyNode): Topology {
  const next = { ...topology, nodes: [...topology.nodes, node] };
  const problem = checkTopology(next).find((v) => v.nodes.includes(node.id));
  if (problem) throw new TopologyRuleError(problem);
  return next;
}

/** Removes a node with its edges; its replicas keep their data and become masters. */
export function removeNode(topology: Topology, id: string): Topology {
  return {
    ...topology,
    nodes: topology.nodes.filter((node) => node.id !== id),
    edges: topology.edges.filter((edge) => edge.replica !== id && edge.master !== id),
  };
}

export function updateNode(topology: Topology, id: string, change: Partial<Omit<TopologyNode, 'id'>>): Topology {
  return { ...topology, nodes: topology.nodes.map((node) => (node.id === id ? { ...node, ...change } : node)) };
}

export class TopologyRuleError extends Error {
  constructor(readonly violation: RuleViolation) {
    super(violation.message);
    this.name = 'TopologyRuleError';
  }
}

export const LAYOUT = { columnWidth: 260, rowHeight: 240, origin: { x: 80, y: 60 } } as const;

/**
 * Masters above their replicas: each tree is laid out level by level, a parent
 * centred over its children, trees side by side in the order their roots appear.
 */
export function autoLayout(topology: Topology): Topology {
  const positions = new Map<string, { x: number; y: number }>();
  let nextColumn = 0;
  const place = (id: string, depth: number, visiting: Set<string>): number => {
    visiting.add(id);
    const children = replicasOf(topology, id).filter((child) => !visiting.has(child));
    let column: number;
    if (children.length === 0) column = nextColumn++;
    else {
      const columns = children.map((child) => place(child, depth + 1, visiting));
      column = (columns[0]! + columns[columns.length - 1]!) / 2;
    }
    positions.set(id, {
      x: LAYOUT.origin.x + column * LAYOUT.columnWidth,
      y: LAYOUT.origin.y + depth * LAYOUT.rowHeight,
    });
    return column;
  };
  const visiting = new Set<string>();
  for (const node of topology.nodes) {
    if (masterOf(topology, node.id) === undefined) place(node.id, 0, visiting);
  }
  // Nodes in a cycle (only possible in a file that failed validation) still get a place.
  for (const node of topology.nodes) if (!positions.has(node.id)) place(node.id, 0, visiting);
  return {
    ...topology,
    nodes: topology.nodes.map((node) => ({ ...node, position: positions.get(node.id) ?? node.position })),
  };
}
