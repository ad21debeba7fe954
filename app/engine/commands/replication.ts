/**
 * The master's replication commands: SYNC, PSYNC and REPLCONF (replication.c).
 * The replica side (REPLICAOF, the handshake) arrives with the replication issue.
 */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import { ERR_SYNTAX, is, toInt } from './args.js';

/** syncCommand()'s preconditions; true when the client may synchronise. */
function maySync(c: Client): boolean {
  // A replica that sends SYNC again is ignored, as Redis does.
  if (c.isReplica) return false;
  // A replica can only pass on a stream it is receiving.
  if (c.server.masterHost !== undefined && c.server.replica.state !== 'connected') {
    c.error("NOMASTERLINK Can't SYNC while not connected with my master");
    return false;
  }
  if (c.out.length > 0) {
    c.error('ERR SYNC and PSYNC are invalid with pending output');
    return false;
  }
  return true;
}

export const replicationCommands: CommandModule = {
  sync(c) {
    if (!maySync(c)) return;
    c.server.log.notice(`Replica ${c.addr} asks for synchronization`);
    c.server.replication.fullSync(c, '');
  },

  psync(c, argv) {
    if (!maySync(c)) return;
    const replication = c.server.replication;
    const replId = argv[1]!;
    const offset = toInt(argv[2]!);
    c.server.log.notice(`Replica ${c.addr} asks for synchronization`);
    if (offset !== null && replication.tryPartialResync(c, replId, offset)) return;
    replication.fullSync(c, `+FULLRESYNC ${replication.replId} ${replication.offset}\r\n`);
  },

  replconf(c, argv) {
    if (argv.length % 2 === 0) {
      c.error(ERR_SYNTAX);
      return;
    }
    const link = c.server.replication.replicas.get(c);
    for (let j = 1; j < argv.length; j += 2) {
      const option = argv[j]!;
      const value = argv[j + 1]!;
      if (is(option, 'listening-port')) {
        const port = toInt(value);
        if (port === null) {
          c.error('ERR value is not an integer or out of range');
          return;
        }
        c.replicaListeningPort = port;
      } else if (is(option, 'ip-address')) {
        c.replicaAnnouncedIp = value;
      } else if (is(option, 'capa')) {
        if (is(value, 'eof')) c.replicaCapabilities.add('eof');
        else if (is(value, 'psync2')) c.replicaCapabilities.add('psync2');
      } else if (is(option, 'ack')) {
        // ACKs get no reply: they only tell the master how far the replica got.
        const offset = toInt(value);
        if (link && offset !== null && offset > link.ackOffset) link.ackOffset = offset;
        if (link) link.ackTime = Date.now();
        return;
      } else if (is(option, 'getack')) {
        // Only a replica answers GETACK (with an ACK of its own); a master ignores it.
        if (c.server.masterHost !== undefined) c.server.replica.sendAck();
        return;
      } else if (is(option, 'rdb-only') || is(option, 'rdb-filter-only')) {
        // Accepted: the engine only streams whole data sets.
      } else {
        c.error(`ERR Unrecognized REPLCONF option: ${option}`);
        return;
      }
    }
    c.ok();
  },
};
