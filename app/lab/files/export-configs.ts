/**
 * Export: a folder that reproduces a topology without Replica Lab, with the seed
 * walkthrough's own recipe. One `config/redis_<port>.conf` per node (port, pidfile
 * /var/run/redis_<port>.pid, logfile "logfile-<port>", dbfilename dump-<port>.rdb,
 * replicaof <masterip> <masterport>), started from the folder with
 * `redis-server ./config/redis_<port>.conf`, masters first.
 *
 * Choices:
 * - The files stay the seed's (`daemonize` is not in them): start.sh adds
 *   `--daemonize yes` so it returns, and docker-compose runs them in the foreground,
 *   as a container must.
 * - The seed's pidfile is /var/run/redis_<port>.pid, writable only by root. start.sh
 *   keeps it when /var/run is writable and otherwise passes `--pidfile` for a file in
 *   the folder (redis-server only warns when it cannot write a pid file, but stop.sh
 *   uses the file as its fallback).
 * - `dir ./`: dumps and logs land in the folder start.sh runs from (the folder itself).
 * - Remote nodes are not ours to start: they appear as comments, and a local replica
 *   of a remote master keeps its `replicaof` to that address.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Topology, TopologyNode } from '../../api/topology.js';
import { findNode, masterOf, nodeAddress } from '../topology.js';
import { confValue } from '../workspace.js';
import { checkNodeSettings, settingLine } from './node-settings.js';

export const EXPORT_IMAGE = 'redis:7.0';

/** The nodes an export starts (not remote), masters before their replicas (chains in order). */
export function startOrder(topology: Topology): TopologyNode[] {
  const local = topology.nodes.filter((node) => node.engine !== 'remote');
  const depth = (node: TopologyNode): number => {
    let levels = 0;
    const seen = new Set([node.id]);
    for (let up = masterOf(topology, node.id); up !== undefined && !seen.has(up); up = masterOf(topology, up)) {
      seen.add(up);
      levels++;
    }
    return levels;
  };
  return local
    .map((node, index) => ({ node, index, depth: depth(node) }))
    .sort((a, b) => a.depth - b.depth || a.index - b.index)
    .map((entry) => entry.node);
}

export function confFileName(port: number): string {
  return `redis_${port}.conf`;
}

export function renderExportConf(topology: Topology, node: TopologyNode): string {
  const problem = checkNodeSettings(node);
  if (problem) throw new Error(`${node.name}, setting "${problem.name}": ${problem.message}`);
  const port = node.port;
  const lines = [
    `# ${confFileName(port)}: node "${oneLine(node.name)}" of the topology "${oneLine(topology.name)}", exported by Replica Lab.`,
    '# Start it from the folder above config/, as the seed walkthrough does:',
    `#   redis-server ./config/${confFileName(port)}`,
    '',
    `port ${port}`,
    `bind ${confValue(node.host)}`,
    'dir ./',
    `pidfile /var/run/redis_${port}.pid`,
    `logfile "logfile-${port}"`,
    `dbfilename dump-${port}.rdb`,
  ];
  const masterId = masterOf(topology, node.id);
  const master = masterId === undefined ? undefined : findNode(topology, masterId);
  if (master) {
    lines.push('', '################################# REPLICATION #################################');
    lines.push(`replicaof ${confValue(master.host)} ${master.port}`);
  }
  const names = Object.keys(node.settings).sort();
  if (names.length > 0) {
    lines.push('', '# Node settings');
    for (const name of names) lines.push(settingLine(name, node.settings[name]!));
  }
  return lines.join('\n') + '\n';
}

function remoteNotes(topology: Topology, prefix: string): string[] {
  const remotes = topology.nodes.filter((node) => node.engine === 'remote');
  if (remotes.length === 0) return [];
  const lines = [`${prefix}Remote servers in the topology (attached, not started by this folder):`];
  for (const node of remotes) {
    const masterId = masterOf(topology, node.id);
    const master = masterId === undefined ? undefined : findNode(topology, masterId);
    const role = master ? `replica of ${nodeAddress(master)}` : 'master';
    lines.push(`${prefix}  ${oneLine(node.name)} at ${oneLine(nodeAddress(node))} (${oneLine(role)})`);
  }
  return lines;
}

/**
 * Names and hosts are the user's text and land in comments of redis.conf, shell and
 * YAML files: a line break there would start a directive or a command.
 */
function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, ' ');
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function renderStartScript(topology: Topology): string {
  const nodes = startOrder(topology);
  return [
    '#!/bin/sh',
    `# Starts the topology "${oneLine(topology.name)}" with plain redis-server, as the seed walkthrough`,
    '# does: one `redis-server ./config/redis_<port>.conf` per node, masters first.',
    '# `--daemonize yes` makes each server run in the background, so the script returns.',
    '# REDIS_SERVER / REDIS_CLI choose other executables (e.g. valkey-server).',
    ...remoteNotes(topology, '# '),
    'set -e',
    'cd "$(dirname "$0")"',
    'REDIS_SERVER="${REDIS_SERVER:-redis-server}"',
    'REDIS_CLI="${REDIS_CLI:-redis-cli}"',
    "# The files name the seed's pidfile /var/run/redis_<port>.pid; without write access",
    '# there (not root), each server writes its pid file in this folder instead.',
    'if [ -w /var/run ]; then PIDDIR=/var/run; else PIDDIR="$PWD"; fi',
    '',
    ...nodes.map(
      (node) =>
        `"$REDIS_SERVER" ./config/${confFileName(node.port)} --daemonize yes --pidfile "$PIDDIR/redis_${node.port}.pid"`,
    ),
    '',
    '# A daemonized server reports a failed start (port in use, bad setting) only in its log.',
    'if command -v "$REDIS_CLI" >/dev/null 2>&1; then',
    '  failed=0',
    `  for target in ${nodes.map((node) => shellQuote(`${node.host}:${node.port}`)).join(' ')}; do`,
    '    host="${target%:*}"; port="${target##*:}"; tries=0',
    '    until "$REDIS_CLI" -h "$host" -p "$port" ping >/dev/null 2>&1; do',
    '      tries=$((tries + 1))',
    '      if [ "$tries" -ge 50 ]; then',
    '        echo "redis_$port did not start: see ./logfile-$port" >&2; failed=1; break',
    '      fi',
    '      sleep 0.1',
    '    done',
    '  done',
    '  [ "$failed" -eq 0 ] && echo "Started: ' + nodes.map((node) => `redis_${node.port}`).join(', ') + '"',
    '  exit "$failed"',
    'fi',
    '',
  ].join('\n');
}

export function renderStopScript(topology: Topology): string {
  const nodes = startOrder(topology).reverse();
  return [
    '#!/bin/sh',
    `# Stops the servers start.sh started for "${oneLine(topology.name)}", replicas first.`,
    '# SHUTDOWN saves a dump when the node has save points, as redis-server does on exit.',
    '# A server that refuses it (a password: set REDISCLI_AUTH, or a failed save) gets a',
    '# SIGTERM through the pid file start.sh chose.',
    'cd "$(dirname "$0")"',
    'REDIS_CLI="${REDIS_CLI:-redis-cli}"',
    'if [ -w /var/run ]; then PIDDIR=/var/run; else PIDDIR="$PWD"; fi',
    'command -v "$REDIS_CLI" >/dev/null 2>&1 || REDIS_CLI=false',
    'status=0',
    '',
    '# Any answer, even an error such as NOAUTH, means the server is still there.',
    'running() { "$REDIS_CLI" -h "$1" -p "$2" ping >/dev/null 2>&1; }',
    'gone_within() {',
    '  i=0',
    '  while [ "$i" -lt "$3" ]; do running "$1" "$2" || return 0; sleep 0.1; i=$((i + 1)); done',
    '  return 1',
    '}',
    'stop() {',
    '  "$REDIS_CLI" -h "$1" -p "$2" shutdown >/dev/null 2>&1',
    '  gone_within "$1" "$2" 20 && [ "$REDIS_CLI" != false ] && return 0',
    '  if [ -f "$PIDDIR/redis_$2.pid" ]; then kill "$(cat "$PIDDIR/redis_$2.pid")" 2>/dev/null; fi',
    '  gone_within "$1" "$2" 100 && return 0',
    '  echo "redis_$2 did not stop" >&2',
    '  status=1',
    '}',
    '',
    ...nodes.map((node) => `stop ${shellQuote(node.host)} ${node.port}`),
    'exit "$status"',
    '',
  ].join('\n');
}

export function renderDockerCompose(topology: Topology): string {
  const nodes = startOrder(topology);
  const lines = [
    `# The topology "${oneLine(topology.name)}" with the official ${EXPORT_IMAGE} image, one service per node.`,
    "# network_mode: host puts every server on this machine's network, so the config files",
    '# work unchanged: `bind 127.0.0.1` and `replicaof 127.0.0.1 <port>` mean this machine,',
    '# exactly as in the seed walkthrough (on a bridge network 127.0.0.1 would be the',
    '# container itself). Host networking needs Docker on Linux (or Docker Desktop 4.34+',
    '# with host networking turned on).',
    '# Servers run in the foreground (no daemonize), as a container must, and log to',
    '# `docker compose logs` (--logfile ""); each keeps its dump in its own volume,',
    "# mounted at the image's working directory /data.",
    ...remoteNotes(topology, '# '),
    'services:',
  ];
  for (const node of nodes) {
    const masterId = masterOf(topology, node.id);
    const master = masterId === undefined ? undefined : findNode(topology, masterId);
    lines.push(
      `  redis_${node.port}:`,
      `    image: ${EXPORT_IMAGE}`,
      '    network_mode: host',
      `    command: ["redis-server", "/usr/local/etc/redis/${confFileName(node.port)}", "--logfile", ""]`,
      '    volumes:',
      `      - ./config/${confFileName(node.port)}:/usr/local/etc/redis/${confFileName(node.port)}:ro`,
      `      - data_${node.port}:/data`,
    );
    if (master && master.engine !== 'remote') lines.push('    depends_on:', `      - redis_${master.port}`);
  }
  if (nodes.length > 0) {
    lines.push('volumes:');
    for (const node of nodes) lines.push(`  data_${node.port}: {}`);
  }
  return lines.join('\n') + '\n';
}

export function renderReadme(topology: Topology): string {
  const nodes = startOrder(topology);
  const roles = nodes.map((node) => {
    const masterId = masterOf(topology, node.id);
    const master = masterId === undefined ? undefined : findNode(topology, masterId);
    return oneLine(
      `  redis_${node.port}  ${nodeAddress(node)}  ${master ? `replica of ${nodeAddress(master)}` : 'master'}`,
    );
  });
  return [
    `"${oneLine(topology.name)}", exported by Replica Lab.`,
    '',
    ...roles,
    ...remoteNotes(topology, ''),
    '',
    'Run with redis-server:  ./start.sh  (then redis-cli -p <port> info replication),  ./stop.sh',
    'Run with Docker:        docker compose up -d  /  docker compose down',
    'Open in Replica Lab:    "Import config folder" on this folder.',
    '',
  ].join('\n');
}

/**
 * Writes the folder; returns the files written, relative to `dir`. Existing files of
 * the same names are replaced; nothing else in `dir` is touched.
 */
export async function exportConfigFolder(topology: Topology, dir: string): Promise<string[]> {
  const files: [name: string, text: string, mode: number][] = [];
  const byPort = new Map<number, TopologyNode>();
  for (const node of startOrder(topology)) {
    const other = byPort.get(node.port);
    if (other) {
      throw new Error(
        `${other.name} (${nodeAddress(other)}) and ${node.name} (${nodeAddress(node)}) share port ${node.port}: ` +
          `the export names each file after its port (redis_${node.port}.conf), so every exported node needs its own port.`,
      );
    }
    byPort.set(node.port, node);
    files.push([join('config', confFileName(node.port)), renderExportConf(topology, node), 0o644]);
  }
  files.push(['start.sh', renderStartScript(topology), 0o755]);
  files.push(['stop.sh', renderStopScript(topology), 0o755]);
  files.push(['docker-compose.yml', renderDockerCompose(topology), 0o644]);
  files.push(['README.txt', renderReadme(topology), 0o644]);
  await mkdir(join(dir, 'config'), { recursive: true });
  for (const [name, text, mode] of files) {
    const path = join(dir, name);
    await writeFile(path, text, { mode });
    // writeFile's mode applies only to a new file; an old start.sh must become executable too.
    await chmod(path, mode);
  }
  return files.map(([name]) => name);
}
