/**
 * The master's replication commands: SYNC, PSYNC, REPLCONF and WAIT (replication.c).
 * REPLICAOF and ROLE are in replicaof.ts, FAILOVER in failover.ts.
 */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import { rdbOnlyClients, replicaName } from '../replication/master.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, is, toInt } from './args.js';

/**
 * PSYNC <replid> <offset> FAILOVER from our master: it is handing its role over
 * to us. True when the command may go on (as a PSYNC to the new master we are).
 */
function acceptFailoverRequest(c: Client, replId: string): boolean {
  const server = c.server;
  server.log.warning(`Failover request received for replid ${replId}.`);
  if (server.masterHost === undefined) {
    c.error("ERR PSYNC FAILOVER can't be sent to a master.");
    return false;
  }
  if (replId.toLowerCase() !== server.replication.replId) {
    c.error('ERR PSYNC FAILOVER replid must match my replid.');
    return false;
  }
  server.replica.unsetMaster();
  server.log.notice(`MASTER MODE enabled (failover request from '${server.clientInfoLine(c)}')`);
  return true;
}

/** syncCommand()'s preconditions; true when the client may synchronise. */
function maySync(c: Client): boolean {
  const server = c.server;
  // Don't let replicas sync with us while we're failing over.
  if (server.replication.failover.state !== 'no-failover') {
    c.error("NOMASTERLINK Can't SYNC while failing over");
    return false;
  }
  // A replica can only pass on a stream it is receiving.
  if (server.masterHost !== undefined && server.replica.state !== 'connected') {
    c.error("NOMASTERLINK Can't SYNC while not connected with my master");
    return false;
  }
  if (c.out.length > 0) {
    c.error('ERR SYNC and PSYNC are invalid with pending output');
    return false;
  }
  return true;
}

/** SYNC and PSYNC (syncCommand). */
function sync(c: Client, argv: string[]): void {
  // A replica that sends SYNC again is ignored, as Redis does.
  if (c.isReplica) return;
  const server = c.server;
  const isPsync = is(argv[0], 'psync');
  if (isPsync && argv.length > 3 && is(argv[3], 'failover') && !acceptFailoverRequest(c, argv[1]!)) return;
  if (!maySync(c)) return;
  const replication = server.replication;
  server.log.notice(`Replica ${replicaName(c)} asks for synchronization`);
  if (isPsync) {
    const replId = argv[1]!;
    const offset = toInt(argv[2]!);
    if (offset === null) {
      c.error(ERR_NOT_INTEGER);
      server.log.warning(`Replica ${replicaName(c)} asks for synchronization but with a wrong offset`);
      return;
    }
    if (replication.tryPartialResync(c, replId, offset)) {
      server.stats.syncPartialOk++;
      return;
    }
    // "?" asks for a full resync on purpose: not a failed partial one.
    if (replId[0] !== '?') server.stats.syncPartialErr++;
  }
  replication.fullSync.begin(c, !isPsync);
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

  sync,
  psync: sync,

  replconf(c, argv) {
    if (argv.length % 2 === 0) {
      c.error(ERR_SYNTAX);
      return;
    }
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
        if (!c.isReplica) return;
        c.server.replication.acknowledged(c, toInt(value));
        return;
      } else if (is(option, 'getack')) {
        // Only a replica answers GETACK (with an ACK of its own); a master ignores it.
        if (c.server.masterHost !== undefined) c.server.replica.sendAck();
        return;
      } else if (is(option, 'rdb-only')) {
        // The client wants the snapshot only, not the stream after it (redis-cli --rdb).
        const rdbOnly = toInt(value);
        if (rdbOnly === null) {
          c.error(ERR_NOT_INTEGER);
          return;
        }
        if (rdbOnly < 0 || rdbOnly > 1) {
          c.error('ERR value is out of range, value must between 0 and 1');
          return;
        }
        if (rdbOnly === 1) rdbOnlyClients.add(c);
        else rdbOnlyClients.delete(c);
      } else if (is(option, 'rdb-filter-only')) {
        // Accepted: the engine only streams whole data sets.
      } else {
        c.error(`ERR Unrecognized REPLCONF option: ${option}`);
        return;
      }
    }
    c.ok();
  },
};
