/**
 * A key-level diff between two nodes' data sets (database 0, the one the lab uses):
 * SCAN both, then per key TYPE, PTTL and a fingerprint of the value, pipelined in
 * batches. The fingerprint is DEBUG DIGEST-VALUE (the built-in engine and Redis 7
 * both answer it; many keys per call); where DEBUG is refused on either side, DUMP,
 * which only compares equal for values encoded alike.
 */
import type { Socket } from 'node:net';
import type { KeyDifference } from '../../api/runtime';
import type { RespConnection } from '../../resp/connection';
import type { RespValue } from '../../resp/reply-parser';
import { quoteRepr } from '../../resp/repr';
import { infoFields } from '../info-parse';

const SCAN_COUNT = 1000;
const BATCH = 1000;
const BATCHES_IN_FLIGHT = 4;
/** TTLs closer than this are the same TTL read a moment apart. */
const TTL_TOLERANCE_MS = 2000;
const PREVIEW_ITEMS = 3;
const PREVIEW_CHARS = 40;

export interface DiffOptions {
  limit: number;
  match?: string;
}

export interface KeyDiff {
  differences: KeyDifference[];
  keysA: number;
  keysB: number;
  truncated: boolean;
  /** How values were compared. */
  fingerprint: 'DEBUG DIGEST-VALUE' | 'DUMP';
}

interface KeyFacts {
  /** Known from the start with DUMP; with DIGEST-VALUE (which mixes in the type) read only for keys that differ. */
  type?: string;
  pttl: number;
  fingerprint: string;
}

/** A digest of no value: the key went away between SCAN and DIGEST-VALUE. */
const NO_DIGEST = '0'.repeat(40);

export async function diffNodes(a: RespConnection, b: RespConnection, options: DiffOptions): Promise<KeyDiff> {
  const [keysA, keysB] = await Promise.all([scanAll(a, options.match), scanAll(b, options.match)]);
  const all = [...new Set([...keysA, ...keysB])].sort();
  const fingerprint = (await digestValueWorks(a)) && (await digestValueWorks(b)) ? 'DEBUG DIGEST-VALUE' : 'DUMP';
  // No key with a TTL on a node: no PTTL to ask it (one command per key saved, the bulk of the work).
  const [expiresA, expiresB] = await Promise.all([hasExpires(a), hasExpires(b)]);
  const found: { key: string; kind: KeyDifference['kind']; factsA?: KeyFacts; factsB?: KeyFacts }[] = [];
  let truncated = false;
  // A few batches in flight, so neither server waits for the round trip between two of them.
  const fetch = (start: number) => {
    const batch = all.slice(start, start + BATCH);
    const facts = Promise.all([
      keyFacts(a, batch, keysA, fingerprint, expiresA),
      keyFacts(b, batch, keysB, fingerprint, expiresB),
    ]);
    facts.catch(() => undefined); // awaited below, unless the diff stopped early
    return { batch, facts };
  };
  const inFlight: ReturnType<typeof fetch>[] = [];
  let next = 0;
  for (; next < all.length && inFlight.length < BATCHES_IN_FLIGHT; next += BATCH) inFlight.push(fetch(next));
  while (inFlight.length && !truncated) {
    const { batch, facts } = inFlight.shift()!;
    const [factsA, factsB] = await facts;
    if (next < all.length) {
      inFlight.push(fetch(next));
      next += BATCH;
    }
    for (let i = 0; i < batch.length; i++) {
      const kind = compare(factsA[i], factsB[i]);
      if (!kind) continue;
      if (found.length === options.limit) {
        truncated = true;
        break;
      }
      found.push({ key: batch[i]!, kind, factsA: factsA[i], factsB: factsB[i] });
    }
  }
  await Promise.all([
    readTypes(
      a,
      found.flatMap((f) => (f.factsA ? [[f.key, f.factsA] as const] : [])),
    ),
    readTypes(
      b,
      found.flatMap((f) => (f.factsB ? [[f.key, f.factsB] as const] : [])),
    ),
  ]);
  for (const f of found)
    if ((f.kind === 'value' || f.kind === 'ttl') && f.factsA!.type !== f.factsB!.type) f.kind = 'type';
  const [summariesA, summariesB] = await Promise.all([
    summaries(
      a,
      found.map((f) => (f.factsA ? { key: f.key, type: f.factsA.type! } : undefined)),
    ),
    summaries(
      b,
      found.map((f) => (f.factsB ? { key: f.key, type: f.factsB.type! } : undefined)),
    ),
  ]);
  const differences = found.map((f, i): KeyDifference => {
    const withTtl = f.kind === 'ttl';
    return {
      key: f.key,
      kind: f.kind,
      a: summariesA[i] !== undefined ? summariesA[i] + (withTtl ? `, ${ttlText(f.factsA!.pttl)}` : '') : undefined,
      b: summariesB[i] !== undefined ? summariesB[i] + (withTtl ? `, ${ttlText(f.factsB!.pttl)}` : '') : undefined,
    };
  });
  return { differences, keysA: keysA.size, keysB: keysB.size, truncated, fingerprint };
}

/** The kind of difference; 'value' may still turn out to be 'type' once the types are read. */
function compare(a: KeyFacts | undefined, b: KeyFacts | undefined): KeyDifference['kind'] | undefined {
  if (!a && !b) return undefined;
  if (!a) return 'missing-a';
  if (!b) return 'missing-b';
  if (a.type !== undefined && a.type !== b.type) return 'type';
  // DIGEST-VALUE mixes in whether the key has a TTL (not the TTL itself): with a TTL on one
  // side only, the digests cannot tell the values apart, so that is the difference reported.
  if (a.pttl < 0 !== b.pttl < 0) return 'ttl';
  if (a.fingerprint !== b.fingerprint) return 'value';
  if (a.pttl >= 0 && Math.abs(a.pttl - b.pttl) > TTL_TOLERANCE_MS) return 'ttl';
  return undefined;
}

async function scanAll(connection: RespConnection, match: string | undefined): Promise<Set<string>> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const args = ['SCAN', cursor, 'COUNT', String(SCAN_COUNT)];
    if (match !== undefined) args.push('MATCH', match);
    const reply = await connection.send(...args);
    if (reply.type === 'error') throw new Error(`SCAN: ${reply.value}`);
    if (reply.type !== 'array' || reply.items.length !== 2) throw new Error('SCAN: unexpected reply');
    cursor = text(reply.items[0]!);
    const batch = reply.items[1]!;
    if (batch.type === 'array') for (const item of batch.items) keys.add(text(item));
  } while (cursor !== '0');
  return keys;
}

async function digestValueWorks(connection: RespConnection): Promise<boolean> {
  const reply = await connection.send('DEBUG', 'DIGEST-VALUE', '__replica_lab_probe__');
  return reply.type === 'array';
}

async function hasExpires(connection: RespConnection): Promise<boolean> {
  const reply = await connection.send('INFO', 'keyspace');
  const db0 = infoFields(text(reply)).get('db0') ?? '';
  return !/expires=0(,|$)/.test(db0) && db0 !== '';
}

/** PTTL and the fingerprint (and with DUMP the type) of each key this node has (undefined: it has not, or no longer). */
async function keyFacts(
  connection: RespConnection,
  batch: string[],
  present: ReadonlySet<string>,
  fingerprint: KeyDiff['fingerprint'],
  expires: boolean,
): Promise<(KeyFacts | undefined)[]> {
  const keys = batch.filter((key) => present.has(key));
  if (keys.length === 0) return batch.map(() => undefined);
  const byDump = fingerprint === 'DUMP';
  const socket: Socket = connection.socket;
  socket.cork();
  const types = byDump ? keys.map((key) => connection.send('TYPE', key)) : [];
  const ttls = expires || byDump ? keys.map((key) => connection.send('PTTL', key)) : [];
  const prints = byDump
    ? keys.map((key) => connection.send('DUMP', key))
    : [connection.send('DEBUG', 'DIGEST-VALUE', ...keys)];
  socket.uncork();
  const [typeReplies, ttlReplies, printReplies] = await Promise.all([
    Promise.all(types),
    Promise.all(ttls),
    Promise.all(prints),
  ]);
  const digests = byDump ? printReplies : printReplies[0]?.type === 'array' ? printReplies[0].items : [];
  const byKey = new Map<string, KeyFacts>();
  keys.forEach((key, i) => {
    const type = byDump ? text(typeReplies[i]!) : undefined;
    const pttl = ttlReplies.length ? integer(ttlReplies[i]!) : -1;
    const print = digests[i] ? text(digests[i]) : '';
    if (type === 'none' || pttl === -2 || print === NO_DIGEST) return; // gone since SCAN (expired or deleted)
    byKey.set(key, { type, pttl, fingerprint: print });
  });
  return batch.map((key) => byKey.get(key));
}

/** TYPE of the keys whose type is not known yet. */
async function readTypes(connection: RespConnection, entries: (readonly [string, KeyFacts])[]): Promise<void> {
  const unknown = entries.filter(([, facts]) => facts.type === undefined);
  const socket: Socket = connection.socket;
  socket.cork();
  const replies = unknown.map(([key]) => connection.send('TYPE', key));
  socket.uncork();
  const types = await Promise.all(replies);
  unknown.forEach(([, facts], i) => (facts.type = text(types[i]!)));
}

/** `string (11 bytes) "hello world"`, `list (3 items) ["a", "b", "c"]`, for each key given. */
async function summaries(
  connection: RespConnection,
  keys: ({ key: string; type: string } | undefined)[],
): Promise<(string | undefined)[]> {
  const socket: Socket = connection.socket;
  socket.cork();
  const pending = keys.map((entry) => (entry ? summary(connection, entry.key, entry.type) : undefined));
  socket.uncork();
  return Promise.all(pending);
}

async function summary(connection: RespConnection, key: string, type: string): Promise<string> {
  const [lengthCommand, previewCommand, unit] = PREVIEWS[type] ?? [undefined, undefined, ''];
  if (!lengthCommand || !previewCommand) return type;
  const [lengthReply, previewReply] = await Promise.all([
    connection.send(lengthCommand, key),
    connection.send(...previewCommand(key)),
  ]);
  const length = integer(lengthReply);
  const lengthText = `${length} ${length === 1 ? unit.replace(/s$/, '') : unit}`;
  if (type === 'string')
    return `string (${lengthText}) ${preview(text(previewReply))}${length > PREVIEW_CHARS ? '…' : ''}`;
  const items = previewItems(type, previewReply);
  const more = length > items.length ? ', …' : '';
  return `${type} (${lengthText}) ${type === 'list' || type === 'zset' ? '[' : '{'}${items.join(', ')}${more}${type === 'list' || type === 'zset' ? ']' : '}'}`;
}

type PreviewSpec = [lengthCommand: string, preview: (key: string) => string[], unit: string];

const PREVIEWS: Record<string, PreviewSpec> = {
  string: ['STRLEN', (key) => ['GETRANGE', key, '0', String(PREVIEW_CHARS - 1)], 'bytes'],
  list: ['LLEN', (key) => ['LRANGE', key, '0', String(PREVIEW_ITEMS - 1)], 'items'],
  hash: ['HLEN', (key) => ['HSCAN', key, '0', 'COUNT', String(PREVIEW_ITEMS)], 'fields'],
  set: ['SCARD', (key) => ['SSCAN', key, '0', 'COUNT', String(PREVIEW_ITEMS)], 'members'],
  zset: ['ZCARD', (key) => ['ZRANGE', key, '0', String(PREVIEW_ITEMS - 1), 'WITHSCORES'], 'members'],
  stream: ['XLEN', (key) => ['XRANGE', key, '-', '+', 'COUNT', '1'], 'entries'],
};

function previewItems(type: string, reply: RespValue): string[] {
  const flat = (value: RespValue): string[] =>
    value.type === 'array' || value.type === 'set'
      ? value.items.flatMap(flat)
      : value.type === 'map'
        ? value.entries.flat().flatMap(flat)
        : [text(value)];
  if (type === 'list') return flat(reply).map(preview);
  if (type === 'stream') {
    const entry = reply.type === 'array' ? reply.items[0] : undefined;
    return entry?.type === 'array' ? [text(entry.items[0]!)] : [];
  }
  // SSCAN / HSCAN: [cursor, items]; a cursor of 0 ends the scan, the items are what we preview.
  const items =
    type === 'set' || type === 'hash' ? (reply.type === 'array' ? flat(reply.items[1] ?? reply) : []) : flat(reply);
  if (type === 'set') return items.slice(0, PREVIEW_ITEMS).map(preview);
  const pairs: string[] = [];
  for (let i = 0; i + 1 < items.length && pairs.length < PREVIEW_ITEMS; i += 2)
    pairs.push(
      type === 'zset' ? `${preview(items[i]!)}: ${items[i + 1]}` : `${preview(items[i]!)}: ${preview(items[i + 1]!)}`,
    );
  return pairs;
}

/** A byte string as redis-cli prints it, cut short. */
function preview(bytes: string): string {
  return quoteRepr(bytes.length > PREVIEW_CHARS ? bytes.slice(0, PREVIEW_CHARS) : bytes);
}

function ttlText(pttl: number): string {
  return pttl < 0 ? 'no ttl' : `ttl ${(pttl / 1000).toFixed(1)} s`;
}

function text(value: RespValue): string {
  if (value.type === 'bulk' || value.type === 'simple' || value.type === 'verbatim' || value.type === 'error')
    return value.value;
  if (value.type === 'integer' || value.type === 'double') return value.text;
  return '';
}

function integer(value: RespValue): number {
  return value.type === 'integer' ? value.value : -2;
}
