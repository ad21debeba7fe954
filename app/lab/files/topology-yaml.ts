/**
 * A topology as one YAML document: what "Save" writes and "Open" reads. Writing
 * keeps a fixed key order so a saved file diffs cleanly; reading checks the YAML,
 * the schema (app/api/topology.ts) and the model's rules (checkTopology), and a
 * problem is reported with the line and the field it is at, so the user can fix
 * the file by hand. Reading has no effects: the caller replaces the lab only on `ok`.
 */
import { Document, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { ApiError } from '../../api/contract.js';
import { TOPOLOGY_VERSION, topologySchema, type Topology, type TopologyNode } from '../../api/topology.js';
import { checkTopology, type RuleViolation } from '../topology.js';
import { checkNodeSettings } from './node-settings.js';

export type TopologyParseResult = { ok: true; topology: Topology } | { ok: false; error: ApiError };

type PathSegment = string | number;

const HEADER =
  ` Replica Lab topology (schema version ${TOPOLOGY_VERSION}).\n` +
  ` Nodes are servers; each edge makes "replica" run REPLICAOF "master".\n` +
  ` Edit freely: Replica Lab checks every field when it opens the file.`;

export function topologyToYaml(topology: Topology): string {
  const doc = new Document({
    version: topology.version,
    name: topology.name,
    nodes: topology.nodes.map(plainNode),
    edges: topology.edges.map((edge) => ({
      replica: edge.replica,
      master: edge.master,
      ...(edge.fault ? { fault: { ...edge.fault } } : {}),
    })),
    // Only when there are some: a file without Sentinels reads as before.
    ...(topology.sentinels.length > 0 ? { sentinels: topology.sentinels.map((s) => ({ ...s })) } : {}),
  });
  doc.commentBefore = HEADER;
  // Positions and edges are short records: one line each reads better than a block.
  const nodes = doc.get('nodes', true);
  if (isSeq(nodes)) {
    for (const node of nodes.items) {
      const position = isMap(node) ? node.get('position', true) : undefined;
      if (isMap(position)) position.flow = true;
    }
  }
  const edges = doc.get('edges', true);
  if (isSeq(edges)) for (const edge of edges.items) if (isMap(edge)) edge.flow = true;
  const sentinels = doc.get('sentinels', true);
  if (isSeq(sentinels)) {
    for (const sentinel of sentinels.items) {
      const position = isMap(sentinel) ? sentinel.get('position', true) : undefined;
      if (isMap(position)) position.flow = true;
    }
  }
  return doc.toString({ lineWidth: 0 });
}

/** A node's fields in a fixed order; settings sorted by name; empty optional parts left out. */
function plainNode(node: TopologyNode): Record<string, unknown> {
  const plain: Record<string, unknown> = {
    id: node.id,
    name: node.name,
    engine: node.engine,
    host: node.host,
    port: node.port,
    position: { x: node.position.x, y: node.position.y },
  };
  const names = Object.keys(node.settings).sort();
  if (names.length > 0) plain.settings = Object.fromEntries(names.map((name) => [name, node.settings[name]]));
  if (node.auth) {
    const auth: Record<string, string> = {};
    if (node.auth.username !== undefined) auth.username = node.auth.username;
    if (node.auth.password !== undefined) auth.password = node.auth.password;
    plain.auth = auth;
  }
  return plain;
}

/** Reads a topology document. `fileName` only names the file in the error sentence. */
export function parseTopologyYaml(text: string, fileName?: string): TopologyParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  const fail = (code: ApiError['code'], sentence: string, line: number, path: PathSegment[]): TopologyParseResult => {
    const field = path.length > 0 ? fieldName(path) : undefined;
    const where = [fileName, `line ${line}`, field].filter((part) => part !== undefined).join(', ');
    const error: ApiError = { code, message: `${where}: ${sentence}`, line };
    if (field !== undefined) error.field = field;
    return { ok: false, error };
  };

  const syntax = doc.errors[0];
  if (syntax) {
    const offset = syntax.pos[0];
    return fail('invalid', yamlSentence(syntax.message), lineAt(offset), pathAtOffset(doc.contents, offset));
  }

  const data: unknown = doc.toJS();
  if (data === null || data === undefined) {
    return fail('invalid', `The file is empty: a topology file starts with "version: ${TOPOLOGY_VERSION}".`, 1, []);
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    return fail('invalid', 'A topology file is a YAML mapping with version, name, nodes and edges.', 1, []);
  }
  const nodeLine = (path: PathSegment[], preferKey = false): number => {
    const found = nodeAtPath(doc.contents, path, preferKey);
    return found?.range ? lineAt(found.range[0]) : 1;
  };

  const version = (data as Record<string, unknown>).version;
  if (version !== TOPOLOGY_VERSION) {
    const sentence =
      typeof version === 'number' && Number.isInteger(version) && version > TOPOLOGY_VERSION
        ? `This file was written by a newer Replica Lab (topology schema version ${version}); ` +
          `this version reads version ${TOPOLOGY_VERSION}. Update Replica Lab to open it.`
        : version === undefined
          ? `The file has no "version": a topology file starts with "version: ${TOPOLOGY_VERSION}".`
          : `"version" is ${JSON.stringify(version)}: this Replica Lab reads topology schema version ${TOPOLOGY_VERSION}.`;
    return fail('invalid', sentence, nodeLine(version === undefined ? [] : ['version']), ['version']);
  }

  const parsed = topologySchema.safeParse(coerceSettings(data as Record<string, unknown>, doc.contents));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.filter((part): part is PathSegment => typeof part !== 'symbol');
    if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) {
      const key = issue.keys[0]!;
      const keyPath = [...path, key];
      const known = knownFields(path);
      const sentence = `"${key}" is not a field here${known ? ` (the fields are ${known})` : ''}.`;
      return fail('invalid', sentence, nodeLine(keyPath, true), keyPath);
    }
    return fail('invalid', schemaSentence(issue.message, path), nodeLine(path), path);
  }

  const topology = parsed.data;
  for (const [index, node] of topology.nodes.entries()) {
    const problem = checkNodeSettings(node);
    if (problem) {
      const path = ['nodes', index, 'settings', problem.name];
      return fail('invalid', problem.message, nodeLine(path), path);
    }
  }
  const violation = checkTopology(topology)[0];
  if (violation) {
    const path = violationPath(topology, violation);
    return fail('rule', violation.message, nodeLine(path), path);
  }
  return { ok: true, topology };
}

/**
 * redis.conf values are strings, but YAML reads `maxmemory: 100` as a number and
 * `appendonly: true` as a boolean: take them as the text the user meant. A number
 * keeps the digits as written (a password `0123` stays `0123`, not 123).
 */
function coerceSettings(data: Record<string, unknown>, root: YamlNode | null): Record<string, unknown> {
  if (!Array.isArray(data.nodes)) return data;
  const nodes = data.nodes.map((node: unknown, index: number) => {
    if (typeof node !== 'object' || node === null || !('settings' in node)) return node;
    const settings = (node as { settings: unknown }).settings;
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) return node;
    const asText = (name: string, value: unknown): unknown => {
      if (typeof value === 'boolean') return value ? 'yes' : 'no';
      if (typeof value !== 'number') return value;
      const scalar = nodeAtPath(root, ['nodes', index, 'settings', name], false);
      return isScalar(scalar) && typeof scalar.source === 'string' ? scalar.source : String(value);
    };
    const text = Object.fromEntries(Object.entries(settings).map(([name, value]) => [name, asText(name, value)]));
    return { ...node, settings: text };
  });
  return { ...data, nodes };
}

function knownFields(path: PathSegment[]): string | undefined {
  const fields =
    path.length === 0
      ? ['version', 'name', 'nodes', 'edges']
      : path.length === 2 && path[0] === 'nodes'
        ? ['id', 'name', 'engine', 'host', 'port', 'position', 'settings', 'auth']
        : path.length === 2 && path[0] === 'edges'
          ? ['replica', 'master']
          : path.length === 3 && path[2] === 'position'
            ? ['x', 'y']
            : path.length === 3 && path[2] === 'auth'
              ? ['username', 'password']
              : undefined;
  return fields?.join(', ');
}

/** zod's message, made a sentence that says which field is missing when one is. */
function schemaSentence(message: string, path: PathSegment[]): string {
  const last = path[path.length - 1];
  if (/received undefined/.test(message) && last !== undefined) return `"${String(last)}" is required.`;
  const text = message.replace(/^Invalid input: /, '');
  return text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? '' : '.');
}

/** The yaml library's message without its own position (we give the line separately). */
function yamlSentence(message: string): string {
  const text = message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
  return `The YAML is not valid: ${text}${/[.!?]$/.test(text) ? '' : '.'}`;
}

/** Where in the file a broken rule is: the edge (or node) that breaks it. */
function violationPath(topology: Topology, violation: RuleViolation): PathSegment[] {
  const [first, second] = violation.nodes;
  const lastIndex = <T>(items: T[], test: (item: T) => boolean): number => {
    for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return i;
    return -1;
  };
  switch (violation.rule) {
    case 'duplicate-id':
      return ['nodes', lastIndex(topology.nodes, (node) => node.id === first), 'id'];
    case 'duplicate-address':
      return ['nodes', lastIndex(topology.nodes, (node) => node.id === second), 'port'];
    case 'unknown-node': {
      const index = topology.edges.findIndex((edge) => edge.replica === first || edge.master === first);
      if (index < 0) return ['edges'];
      return ['edges', index, topology.edges[index]!.replica === first ? 'replica' : 'master'];
    }
    case 'self':
      return ['edges', topology.edges.findIndex((edge) => edge.replica === first && edge.master === first)];
    case 'one-master':
      return ['edges', lastIndex(topology.edges, (edge) => edge.replica === first)];
    case 'cycle':
      return ['edges', topology.edges.findIndex((edge) => edge.replica === first && edge.master === second)];
  }
}

/** `nodes[2].port`, `nodes[0].settings.maxmemory`. */
function fieldName(path: PathSegment[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/** The deepest node along `path` that exists (a missing field points at its parent). */
function nodeAtPath(root: YamlNode | null, path: PathSegment[], preferKey: boolean): YamlNode | undefined {
  let current: YamlNode | undefined = root ?? undefined;
  for (let i = 0; i < path.length && current; i++) {
    const part = path[i]!;
    const isLast = i === path.length - 1;
    if (isSeq(current) && typeof part === 'number') {
      const item = current.items[part];
      if (!item || typeof item !== 'object') break;
      current = item as YamlNode;
    } else if (isMap(current)) {
      const pair = current.items.find((item) => isScalar(item.key) && String(item.key.value) === String(part));
      if (!pair) break;
      const key = isScalar(pair.key) ? pair.key : undefined;
      if (isLast && preferKey && key) return key;
      if (!pair.value || typeof pair.value !== 'object') return key ?? current;
      current = pair.value as YamlNode;
    } else break;
  }
  return current;
}

/** The field path of the innermost key or item that contains `offset` (for YAML syntax errors). */
function pathAtOffset(root: YamlNode | null, offset: number): PathSegment[] {
  const path: PathSegment[] = [];
  let current: unknown = root;
  for (;;) {
    if (isSeq(current)) {
      const index = current.items.findIndex((item) => containsOffset(item, offset));
      if (index < 0) break;
      path.push(index);
      current = current.items[index];
    } else if (isMap(current)) {
      const pair = current.items.find(
        (item) => isPair(item) && (containsOffset(item.key, offset) || containsOffset(item.value, offset)),
      );
      if (!pair || !isScalar(pair.key)) break;
      path.push(String(pair.key.value));
      current = pair.value;
    } else break;
  }
  return path;
}

/** A scalar holds only its value; a collection also the comments and blank lines it ends with. */
function containsOffset(node: unknown, offset: number): boolean {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  if (range === undefined) return false;
  return range[0] <= offset && offset <= (isScalar(node) ? range[1] : range[2]);
}
