/**
 * Whether a replica's data set equals its master's: DEBUG DIGEST of both, taken
 * only when the replica has applied everything its master sent (its
 * slave_repl_offset equals the master's master_repl_offset) and neither offset
 * moved while the digests were taken (read before and after; retried a few
 * times, since a replica ping or one write is enough to move them).
 */
import type { ConsistencyState } from '../../api/runtime';
import type { RespConnection } from '../../resp/connection';
import type { RespValue } from '../../resp/reply-parser';
import { infoFields } from '../info-parse';
import { withTimeout } from '../node-connection';

const ATTEMPTS = 3;
const INFO_TIMEOUT_MS = 3000;
/** DEBUG DIGEST of 1M keys takes about 7.6 s on the built-in engine: the key limit keeps us far below. */
const DIGEST_TIMEOUT_MS = 30_000;

export interface PairSide {
  id: string;
  name: string;
  connection: RespConnection;
}

export interface PairOutcome {
  state: ConsistencyState['state'];
  reason?: string;
  digest?: string;
  masterDigest?: string;
  /** How long the DEBUG DIGEST calls kept the servers blocked, when they ran. */
  digestMs?: number;
}

interface Offsets {
  master: number;
  replica: number;
  linkUp: boolean;
  replicaRole: string;
}

export async function checkPair(replica: PairSide, master: PairSide): Promise<PairOutcome> {
  let lastMove = '';
  let digestMs = 0;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const before = await offsets(replica, master);
    if (before.replicaRole !== 'slave') return { state: 'unknown', reason: `${replica.name} is not replicating` };
    if (!before.linkUp) return { state: 'unknown', reason: `${replica.name}'s link to ${master.name} is down` };
    if (before.replica !== before.master) {
      return {
        state: 'pending',
        reason: `${before.master - before.replica} bytes of ${master.name}'s stream not applied yet (offsets ${before.replica} / ${before.master})`,
      };
    }
    const started = performance.now();
    const [replicaDigest, masterDigest] = await Promise.all([digest(replica), digest(master)]);
    digestMs += Math.round(performance.now() - started);
    for (const [side, reply] of [
      [replica, replicaDigest],
      [master, masterDigest],
    ] as const) {
      if (reply.type === 'error')
        return { state: 'unknown', reason: `${side.name} refused DEBUG DIGEST: ${reply.value}` };
    }
    const after = await offsets(replica, master);
    if (after.master === before.master && after.replica === before.replica) {
      const digestText = text(replicaDigest);
      const masterText = text(masterDigest);
      return {
        state: digestText === masterText ? 'equal' : 'differs',
        reason:
          digestText === masterText
            ? `digests equal at offset ${before.master}`
            : `digests differ at offset ${before.master}, with nothing in flight`,
        digest: digestText,
        masterDigest: masterText,
        digestMs,
      };
    }
    lastMove = `offsets moved during the check (${before.replica}/${before.master} → ${after.replica}/${after.master})`;
  }
  return { state: 'pending', reason: `writes in flight: ${lastMove}`, digestMs };
}

async function offsets(replica: PairSide, master: PairSide): Promise<Offsets> {
  const [replicaInfo, masterInfo] = await Promise.all([info(replica), info(master)]);
  return {
    master: Number(masterInfo.get('master_repl_offset') ?? -1),
    replica: Number(replicaInfo.get('slave_repl_offset') ?? -1),
    linkUp: replicaInfo.get('master_link_status') === 'up',
    replicaRole: replicaInfo.get('role') ?? '',
  };
}

async function info(side: PairSide): Promise<Map<string, string>> {
  const reply = await withTimeout(side.connection.send('INFO', 'replication'), INFO_TIMEOUT_MS, `INFO on ${side.name}`);
  if (reply.type === 'error') throw new Error(`${side.name}: ${reply.value}`);
  return infoFields(text(reply));
}

function digest(side: PairSide): Promise<RespValue> {
  return withTimeout(side.connection.send('DEBUG', 'DIGEST'), DIGEST_TIMEOUT_MS, `DEBUG DIGEST on ${side.name}`);
}

function text(value: RespValue): string {
  return value.type === 'bulk' || value.type === 'simple' || value.type === 'verbatim' ? value.value : '';
}
