import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Topology } from '../../api/topology.js';
import { readTopologyFile, writeTopologyFile } from './topology-file.js';
import { parseTopologyYaml, topologyToYaml } from './topology-yaml.js';

const seed: Topology = {
  version: 1,
  sentinels: [],
  name: 'Seed: one master, two replicas',
  nodes: [
    {
      id: 'node-6379',
      name: 'redis_6379',
      engine: 'builtin',
      host: '127.0.0.1',
      port: 6379,
      position: { x: 340, y: 60 },
      settings: {},
    },
    {
      id: 'node-6380',
      name: 'redis_6380',
      engine: 'redis-server',
      host: '127.0.0.1',
      port: 6380,
      position: { x: 80, y: 260 },
      settings: { 'repl-backlog-size': '1mb', save: '3600 1 300 100', maxmemory: '100' },
    },
    {
      id: 'node-6381',
      name: 'redis_6381',
      engine: 'builtin',
      host: '127.0.0.1',
      port: 6381,
      position: { x: 600.5, y: 260 },
      settings: {},
    },
    {
      id: 'remote-1',
      name: 'prod "cache": yes',
      engine: 'remote',
      host: '10.0.0.5',
      port: 6379,
      position: { x: 0, y: 0 },
      settings: {},
      auth: { username: 'default', password: 'p#ss: word' },
    },
  ],
  edges: [
    { replica: 'node-6380', master: 'node-6379' },
    { replica: 'node-6381', master: 'node-6379' },
  ],
};

/** The seed's document with one line replaced (1-based), for error tests. */
function withLine(line: number, replacement: string): string {
  const lines = topologyToYaml(seed).split('\n');
  lines[line - 1] = replacement;
  return lines.join('\n');
}

function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`no line contains ${needle}`);
  return index + 1;
}

function errorOf(text: string) {
  const result = parseTopologyYaml(text, 'lab.yaml');
  if (result.ok) throw new Error('expected an error');
  return result.error;
}

describe('topologyToYaml / parseTopologyYaml', () => {
  it('round-trips a topology exactly', () => {
    const text = topologyToYaml(seed);
    const back = parseTopologyYaml(text);
    expect(back).toEqual({ ok: true, topology: seed });
    expect(topologyToYaml((back as { topology: Topology }).topology)).toBe(text);
  });

  it('writes a readable document with a header and a stable key order', () => {
    const text = topologyToYaml(seed);
    expect(text.startsWith('# Replica Lab topology (schema version 1).\n')).toBe(true);
    expect(text).toContain('\nversion: 1\nname: "Seed: one master, two replicas"\nnodes:\n  - id: node-6379\n');
    expect(text).toContain('    position: { x: 340, y: 60 }\n');
    expect(text).toContain('  - { replica: node-6380, master: node-6379 }\n');
    // Settings sorted by name; a number-like value stays a string.
    expect(text).toMatch(/settings:\n {6}maxmemory: "100"\n {6}repl-backlog-size: 1mb\n {6}save: 3600 1 300 100\n/);
  });

  it('fills defaults and takes numbers and booleans in settings as redis.conf text', () => {
    const result = parseTopologyYaml(
      'version: 1\nnodes:\n  - id: a\n    name: a\n    engine: builtin\n    port: 7000\n' +
        '    settings: { maxmemory: 100, appendonly: true, masterauth: 0123, requirepass: 1e3 }\n',
    );
    expect(result.ok && result.topology).toEqual({
      version: 1,
      sentinels: [],
      name: 'Untitled lab',
      nodes: [
        {
          id: 'a',
          name: 'a',
          engine: 'builtin',
          host: '127.0.0.1',
          port: 7000,
          position: { x: 0, y: 0 },
          settings: { maxmemory: '100', appendonly: 'yes', masterauth: '0123', requirepass: '1e3' },
        },
      ],
      edges: [],
    });
  });

  it('reports a YAML syntax error with its line and the field it is in', () => {
    const text = topologyToYaml(seed);
    const line = lineOf(text, 'port: 6380');
    // The flow sequence is noticed unclosed on the next line, still inside nodes[1].port.
    const error = errorOf(withLine(line, '    port: [6380'));
    expect(error).toMatchObject({ code: 'invalid', line: line + 1, field: 'nodes[1].port' });
    expect(error.message).toMatch(/^lab\.yaml, line \d+, nodes\[1\]\.port: The YAML is not valid: Flow sequence/);

    // A line indented with a tab belongs to the node it is in, not to the key before it.
    const tab = errorOf(withLine(line, '\tport: 6380'));
    expect(tab).toMatchObject({ code: 'invalid', line, field: 'nodes[1]' });
    expect(tab.message).toContain('Tabs are not allowed as indentation');
  });

  it('refuses a setting redis-server would refuse, or one the lab writes itself, at its line', () => {
    const text = topologyToYaml(seed);
    const line = lineOf(text, 'maxmemory: "100"');
    const bad = errorOf(withLine(line, '      maxmemory: banana'));
    expect(bad).toMatchObject({ code: 'invalid', line, field: 'nodes[1].settings.maxmemory' });
    expect(bad.message).toBe(
      `lab.yaml, line ${line}, nodes[1].settings.maxmemory: ` +
        'redis-server would refuse "maxmemory banana": argument must be a memory value.',
    );
    const unknown = errorOf(withLine(line, '      max-memory: 100mb'));
    expect(unknown).toMatchObject({ line, field: 'nodes[1].settings.max-memory' });
    expect(unknown.message).toContain('Bad directive or wrong number of arguments');

    const managed = errorOf(withLine(line, '      port: 7000'));
    expect(managed).toMatchObject({ line, field: 'nodes[1].settings.port' });
    expect(managed.message).toContain('The setting "port" is managed by the lab');
  });

  it('checks settings against Redis only where Redis runs them', () => {
    const doc = (engine: string, settings: string) =>
      `version: 1\nnodes:\n  - { id: a, name: a, engine: ${engine}, port: 7000, settings: { ${settings} } }\n`;
    expect(parseTopologyYaml(doc('redis-server', 'loadmodule: /usr/lib/redis/x.so')).ok).toBe(true);
    expect(errorOf(doc('builtin', 'loadmodule: /usr/lib/redis/x.so'))).toMatchObject({
      line: 3,
      field: 'nodes[0].settings.loadmodule',
      message: expect.stringContaining('does not load Redis modules'),
    });
    // valkey-server has directives of its own; remote servers are configured elsewhere.
    expect(parseTopologyYaml(doc('valkey-server', 'extended-redis-compatibility: "yes"')).ok).toBe(true);
    expect(parseTopologyYaml(doc('remote', 'whatever: 1')).ok).toBe(true);
    expect(parseTopologyYaml(doc('remote', 'dir: /tmp')).ok).toBe(false);
  });

  it('reports a duplicate key with its line', () => {
    const text = topologyToYaml(seed);
    const line = lineOf(text, 'port: 6381');
    const error = errorOf(withLine(line, '    port: 6381\n    port: 6382'));
    expect(error).toMatchObject({ code: 'invalid', line: line + 1, field: 'nodes[2].port' });
  });

  it('reports a schema error with its line and field', () => {
    const text = topologyToYaml(seed);
    const line = lineOf(text, 'port: 6381');
    const error = errorOf(withLine(line, '    port: seventy'));
    expect(error).toMatchObject({ code: 'invalid', line, field: 'nodes[2].port' });
    expect(error.message).toBe(`lab.yaml, line ${line}, nodes[2].port: Expected number, received string.`);

    const engine = lineOf(text, 'engine: redis-server');
    expect(errorOf(withLine(engine, '    engine: docker'))).toMatchObject({ line: engine, field: 'nodes[1].engine' });
  });

  it('reports a missing field at its node and an unknown field at its key', () => {
    const text = topologyToYaml(seed);
    const portLine = lineOf(text, 'port: 6381');
    const missing = errorOf(withLine(portLine, ''));
    expect(missing).toMatchObject({ field: 'nodes[2].port', line: lineOf(text, 'id: node-6381') });
    expect(missing.message).toContain('"port" is required.');

    const unknown = errorOf(withLine(portLine, '    port: 6381\n    colour: red'));
    expect(unknown).toMatchObject({ field: 'nodes[2].colour', line: portLine + 1 });
    expect(unknown.message).toContain('"colour" is not a field here (the fields are id, name, engine');
  });

  it('reports a broken rule at the edge that breaks it', () => {
    const cycle: Topology = { ...seed, edges: [...seed.edges, { replica: 'node-6379', master: 'node-6381' }] };
    const text = topologyToYaml(cycle);
    const error = errorOf(text);
    // The first edge of the circle in file order is the one reported.
    expect(error).toMatchObject({ code: 'rule', field: 'edges[1]', line: lineOf(text, 'replica: node-6381') });
    expect(error.message).toContain('replication cannot go round in a circle');

    const unknown = topologyToYaml({ ...seed, edges: [{ replica: 'node-9999', master: 'node-6379' }] });
    expect(errorOf(unknown)).toMatchObject({
      code: 'rule',
      field: 'edges[0].replica',
      line: lineOf(unknown, 'node-9999'),
    });

    const clash = topologyToYaml({
      ...seed,
      nodes: [...seed.nodes, { ...seed.nodes[0]!, id: 'again', name: 'again' }],
    });
    const clashError = errorOf(clash);
    expect(clashError).toMatchObject({ code: 'rule', field: 'nodes[4].port' });
    expect(clashError.line).toBe(lineOf(clash, 'id: again') + 4);
  });

  it('says when the file comes from a newer version, or is not a topology', () => {
    const newer = topologyToYaml(seed).replace('version: 1', 'version: 2');
    const error = errorOf(newer);
    expect(error).toMatchObject({ field: 'version', line: lineOf(newer, 'version: 2') });
    expect(error.message).toContain('written by a newer Replica Lab (topology schema version 2)');
    expect(errorOf('').message).toContain('The file is empty');
    expect(errorOf('- a\n- b\n').message).toContain('A topology file is a YAML mapping');
    expect(errorOf('name: x\n').message).toContain('The file has no "version"');
  });
});

describe('readTopologyFile / writeTopologyFile', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes atomically and reads back', async () => {
    dir = mkdtempSync(join(tmpdir(), 'h-files-yaml-'));
    const path = join(dir, 'lab.yaml');
    await writeTopologyFile(path, seed);
    await writeTopologyFile(path, { ...seed, name: 'Second' });
    expect(readdirSync(dir)).toEqual(['lab.yaml']);
    expect(readFileSync(path, 'utf8')).toContain('name: Second');
    expect(await readTopologyFile(path)).toEqual({ ok: true, topology: { ...seed, name: 'Second' } });
    writeFileSync(path, topologyToYaml(seed).replace('port: 6381', 'port: 0'));
    const bad = await readTopologyFile(path);
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid', field: 'nodes[2].port' } });
    expect(!bad.ok && bad.error.message).toMatch(/^lab\.yaml, line \d+, nodes\[2\]\.port: /);
    const missing = await readTopologyFile(join(dir, 'none.yaml'));
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});
