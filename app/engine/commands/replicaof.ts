/**
 * REPLICAOF / SLAVEOF and ROLE (replication.c replicaofCommand, roleCommand).
 * The state changes themselves live in replication/replica.ts.
 */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import { is } from './args.js';

function replicaof(c: Client, argv: string[]): void {
  const server = c.server;
  // In cluster mode replication follows the cluster's own configuration.
  if (server.config.bool('cluster-enabled')) {
    c.error('ERR REPLICAOF not allowed in cluster mode.');
    return;
  }
  if (server.replication.failover.state !== 'no-failover') {
    c.error('ERR REPLICAOF not allowed while failing over.');
    return;
  }
  const host = argv[1]!;
  const portText = argv[2]!;
  if (is(host, 'no') && is(portText, 'one')) {
    if (server.masterHost !== undefined) {
      server.replica.unsetMaster();
      server.log.notice(`MASTER MODE enabled (user request from '${server.clientInfoLine(c)}')`);
    }
    c.ok();
    return;
  }
  // Switching masters frees every replica, this client included.
  if (c.isReplica) {
    c.error('ERR Command is not valid when client is a replica.');
    return;
  }
  const port = parsePort(portText);
  if (port === undefined) {
    c.error('ERR Invalid master port');
    return;
  }
  if (
    server.masterHost !== undefined &&
    server.masterHost.toLowerCase() === host.toLowerCase() &&
    server.replica.masterPort === port
  ) {
    server.log.notice(
      'REPLICAOF would result into synchronization with the master we are already connected with. ' +
        'No operation performed.',
    );
    c.simple('OK Already connected to specified master');
    return;
  }
  server.replica.setMaster(host, port);
  server.log.notice(`REPLICAOF ${host}:${port} enabled (user request from '${server.clientInfoLine(c)}')`);
  c.ok();
}

/** getRangeLongFromObjectOrReply(0, 65535): a whole decimal number in range. */
function parsePort(text: string): number | undefined {
  if (!/^-?\d+$/.test(text) || text.length > 20) return undefined;
  const n = Number(text);
  return n >= 0 && n <= 65535 ? n : undefined;
}

function role(c: Client): void {
  const server = c.server;
  const repl = server.replication;
  if (server.masterHost === undefined) {
    const online = [...repl.replicas.values()].filter((link) => link.state === 'online');
    c.arrayLen(3);
    c.bulk('master');
    c.integer(repl.offset);
    c.arrayLen(online.length);
    for (const link of online) {
      const addr = link.client.addr;
      c.arrayLen(3);
      c.bulk(link.client.replicaAnnouncedIp || addr.slice(0, addr.lastIndexOf(':')));
      c.bulk(String(link.listeningPort));
      c.bulk(String(link.ackOffset));
    }
    return;
  }
  const replica = server.replica;
  c.arrayLen(5);
  c.bulk('slave');
  c.bulk(server.masterHost);
  c.integer(replica.masterPort);
  c.bulk(replicaStateName(replica.state, replica.inHandshake()));
  c.integer(replica.masterClient ? replica.appliedOffset() : -1);
}

function replicaStateName(state: string, inHandshake: boolean): string {
  if (inHandshake) return 'handshake';
  switch (state) {
    case 'none':
      return 'none';
    case 'connect':
      return 'connect';
    case 'connecting':
      return 'connecting';
    case 'transfer':
      return 'sync';
    case 'connected':
      return 'connected';
    default:
      return 'unknown';
  }
}

export const replicaofCommands: CommandModule = {
  replicaof,
  slaveof: replicaof,
  role,
};
