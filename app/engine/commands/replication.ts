/**
 * The master's replication commands: SYNC, PSYNC and REPLCONF (replication.c).
 * The replica side (REPLICAOF, the handshake) arrives with the replication issue.
 */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, is, toInt } from './args.js';

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
  /** WAIT numreplicas timeout (waitCommand): block until enough replicas acknowledged our writes. */
  wait(c, argv) {
    const server = c.server;
    if (server.masterHost !== undefined) {
      c.error(
        'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is ' +
          'configured to be writable (which is not the default) writes to replicas are just local and are not ' +
          'propagated.',
      );
      return;
    }
    const wanted = toInt(argv[1]!);
    if (wanted === null) {
      c.error(ERR_NOT_INTEGER);
      return;
    }
    const timeout = toInt(argv[2]!);
    if (timeout === null) {
      c.error('ERR timeout is not an integer or out of range');
      return;
    }
    if (timeout < 0) {
      c.error('ERR timeout is negative');
      return;
    }
    const replication = server.replication;
    const offset = c.replicationOffsetAfterLastCommand;
    const acked = replication.countAcksByOffset(offset);
    // Inside MULTI/EXEC nothing may block: answer with what is known now.
    if (acked >= wanted || c.inMulti) {
      c.integer(acked);
      return;
    }
    replication.waitForAcks(c, offset, wanted, timeout === 0 ? 0 : Date.now() + timeout);
  },

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
        c.server.replication.serveWaitingClients();
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
