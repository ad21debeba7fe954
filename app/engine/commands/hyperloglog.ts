/**
 * PFADD, PFCOUNT and PFMERGE (hyperloglog.c). The HLL itself, in Redis's byte
 * layout, is keyspace/hyperloglog.ts. PFCOUNT refreshes the cached cardinality
 * stored in the value, which makes it a write as far as replication goes (it bumps
 * `dirty`, so it is propagated), exactly as Redis does.
 */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import {
  countRegisters,
  emptyHll,
  ERR_INVALID_HLL,
  ERR_NOT_HLL,
  HLL_REGISTERS,
  HllBuffer,
  isHll,
} from '../keyspace/hyperloglog.js';
import { markRaw } from '../keyspace/string-encoding.js';
import { CommandError } from './args.js';
import { readString, writableString } from './strings.js';

/** isHLLObjectOrReply(): a string that is not an HLL is a WRONGTYPE error of its own. */
function checkHll(value: string | undefined): string | undefined {
  if (value !== undefined && !isHll(value)) throw new CommandError(ERR_NOT_HLL);
  return value;
}

function sparseMaxBytes(c: Client): number {
  return c.server.config.num('hll-sparse-max-bytes');
}

function pfadd(c: Client, argv: readonly string[]): void {
  const key = argv[1]!;
  const db = c.db;
  const current = checkHll(writableString(db, key));
  let updated = current === undefined ? 1 : 0;
  const hll = new HllBuffer(current ?? emptyHll());
  const limit = sparseMaxBytes(c);
  for (let j = 2; j < argv.length; j++) {
    const result = hll.add(argv[j]!, limit);
    if (result === -1) throw new CommandError(ERR_INVALID_HLL);
    updated += result;
  }
  if (updated !== 0) {
    hll.invalidateCache();
    const value = hll.toString();
    db.setKey(key, value, current !== undefined);
    markRaw(db, key, value);
    c.server.notify('$', 'pfadd', key, db.id);
    c.server.dirty += updated;
  }
  c.integer(updated !== 0 ? 1 : 0);
}

function pfcount(c: Client, argv: readonly string[]): void {
  const db = c.db;
  if (argv.length > 2) {
    const registers = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < argv.length; j++) {
      const value = checkHll(readString(db, argv[j]!));
      if (value === undefined) continue;
      if (!new HllBuffer(value).mergeInto(registers)) throw new CommandError(ERR_INVALID_HLL);
    }
    c.integer(countRegisters(registers));
    return;
  }
  const key = argv[1]!;
  const value = checkHll(readString(db, key));
  if (value === undefined) {
    c.integer(0);
    return;
  }
  const hll = new HllBuffer(value);
  if (hll.cacheValid) {
    c.integer(hll.cachedCardinality);
    return;
  }
  const card = hll.count();
  if (card === undefined) throw new CommandError(ERR_INVALID_HLL);
  hll.setCachedCardinality(card);
  // The refreshed cache is a modification that replicas and WATCHers must see.
  const updated = hll.toString();
  db.setKey(key, updated, true);
  markRaw(db, key, updated);
  c.server.dirty++;
  c.integer(card);
}

function pfmerge(c: Client, argv: readonly string[]): void {
  const db = c.db;
  const registers = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  for (let j = 1; j < argv.length; j++) {
    const value = checkHll(readString(db, argv[j]!));
    if (value === undefined) continue;
    const source = new HllBuffer(value);
    if (source.dense) useDense = true;
    if (!source.mergeInto(registers)) throw new CommandError(ERR_INVALID_HLL);
  }
  const key = argv[1]!;
  const current = checkHll(writableString(db, key));
  const target = new HllBuffer(current ?? emptyHll());
  if (useDense && !target.toDense()) throw new CommandError(ERR_INVALID_HLL);
  const limit = sparseMaxBytes(c);
  for (let j = 0; j < HLL_REGISTERS; j++) {
    if (registers[j] !== 0) target.set(j, registers[j]!, limit);
  }
  target.invalidateCache();
  const value = target.toString();
  db.setKey(key, value, current !== undefined);
  markRaw(db, key, value);
  // A merge is a mass add: Redis announces it as pfadd.
  c.server.notify('$', 'pfadd', key, db.id);
  c.server.dirty++;
  c.ok();
}

export const hyperloglogCommands: CommandModule = {
  pfadd: pfadd,
  pfcount: pfcount,
  pfmerge: pfmerge,
};
