/**
 * Key specs (Redis 7.0's way of describing where a command's keys are): the
 * interpreter of db.c's getKeysUsingKeySpecs(), the native getkeys procs some
 * commands still rely on (SORT, ZUNIONSTORE, EVAL, ...), and the legacy
 * (first, last, step) range plus the `movablekeys` flag that COMMAND INFO shows,
 * computed as server.c's populateCommandLegacyRangeSpec() does.
 */
import type { Command, KeySpecMeta } from '../command-table.js';

/** CMD_KEY_* flags, in the order addReplyFlagsForKeyArgs() prints them. */
export const KEY_FLAG_NAMES = [
  ['RO', 'RO'],
  ['RW', 'RW'],
  ['OW', 'OW'],
  ['RM', 'RM'],
  ['ACCESS', 'access'],
  ['UPDATE', 'update'],
  ['INSERT', 'insert'],
  ['DELETE', 'delete'],
  ['NOT_KEY', 'not_key'],
  ['INCOMPLETE', 'incomplete'],
  ['VARIABLE_FLAGS', 'variable_flags'],
] as const;

export const KEY_RO = 1 << 0;
export const KEY_RW = 1 << 1;
export const KEY_OW = 1 << 2;
export const KEY_RM = 1 << 3;
export const KEY_ACCESS = 1 << 4;
export const KEY_UPDATE = 1 << 5;
export const KEY_INSERT = 1 << 6;
export const KEY_DELETE = 1 << 7;
export const KEY_NOT_KEY = 1 << 8;
export const KEY_INCOMPLETE = 1 << 9;
export const KEY_VARIABLE_FLAGS = 1 << 10;
const ALL_KEY_FLAGS = (1 << KEY_FLAG_NAMES.length) - 1;

/** The reply names ("RW", "access", ...) of a key-flag bitmask, in Redis's order. */
export function keyFlagNames(flags: number): string[] {
  const names: string[] = [];
  KEY_FLAG_NAMES.forEach(([, reply], bit) => {
    if (flags & (1 << bit)) names.push(reply);
  });
  return names;
}

function keyFlagsOf(spec: KeySpecMeta): number {
  let flags = 0;
  for (const name of spec.flags ?? []) {
    const bit = KEY_FLAG_NAMES.findIndex(([json]) => json === name);
    if (bit >= 0) flags |= 1 << bit;
  }
  return flags;
}

/** A key argument: its index in argv and how the command accesses it. */
export interface KeyReference {
  pos: number;
  flags: number;
}

/** A key spec compiled from the metadata, with its flags as a bitmask. */
interface CompiledSpec {
  flags: number;
  begin: { kind: 'index'; pos: number } | { kind: 'keyword'; keyword: string; startfrom: number } | { kind: 'unknown' };
  find:
    | { kind: 'range'; lastkey: number; step: number; limit: number }
    | { kind: 'keynum'; keynumidx: number; firstkey: number; step: number }
    | { kind: 'unknown' };
}

/** What COMMAND INFO needs besides the metadata: legacy range and movablekeys. */
export interface CommandKeyInfo {
  specs: CompiledSpec[];
  firstKey: number;
  lastKey: number;
  keyStep: number;
  movableKeys: boolean;
}

const compiled = new WeakMap<Command, CommandKeyInfo>();

export function keyInfo(cmd: Command): CommandKeyInfo {
  let info = compiled.get(cmd);
  if (!info) {
    info = compileKeyInfo(cmd.meta.key_specs ?? []);
    compiled.set(cmd, info);
  }
  return info;
}

function compileSpec(spec: KeySpecMeta): CompiledSpec {
  const bs = spec.begin_search;
  const fk = spec.find_keys;
  return {
    flags: keyFlagsOf(spec),
    begin: bs.index
      ? { kind: 'index', pos: bs.index.pos }
      : bs.keyword
        ? { kind: 'keyword', keyword: bs.keyword.keyword, startfrom: bs.keyword.startfrom }
        : { kind: 'unknown' },
    find: fk.range
      ? { kind: 'range', lastkey: fk.range.lastkey, step: fk.range.step, limit: fk.range.limit }
      : fk.keynum
        ? { kind: 'keynum', keynumidx: fk.keynum.keynumidx, firstkey: fk.keynum.firstkey, step: fk.keynum.step }
        : { kind: 'unknown' },
  };
}

/** populateCommandLegacyRangeSpec(): glue consecutive plain range specs into (first, last, step). */
function compileKeyInfo(metaSpecs: readonly KeySpecMeta[]): CommandKeyInfo {
  const specs = metaSpecs.map(compileSpec);
  const info: CommandKeyInfo = { specs, firstKey: 0, lastKey: 0, keyStep: 0, movableKeys: false };
  if (specs.length === 0) return info;
  const isRangeAtIndex = (s: CompiledSpec) => s.begin.kind === 'index' && s.find.kind === 'range';
  if (specs.length === 1 && isRangeAtIndex(specs[0]!)) {
    const s = specs[0]!;
    const pos = (s.begin as { pos: number }).pos;
    const range = s.find as { lastkey: number; step: number };
    info.firstKey = pos;
    info.lastKey = range.lastkey >= 0 ? range.lastkey + pos : range.lastkey;
    info.keyStep = range.step;
    if (s.flags & KEY_INCOMPLETE) info.movableKeys = true;
    return info;
  }
  let firstKey = Number.MAX_SAFE_INTEGER;
  // Redis compares lastkey as unsigned so that a negative (relative-to-end) index wins.
  let lastKey = 0;
  let prevLastKey = 0;
  const asUnsigned = (n: number) => (n < 0 ? n + 2 ** 32 : n);
  for (const s of specs) {
    if (!isRangeAtIndex(s)) {
      info.movableKeys = true;
      continue;
    }
    const pos = (s.begin as { pos: number }).pos;
    const range = s.find as { lastkey: number; step: number };
    if (range.step !== 1 || (prevLastKey && prevLastKey !== pos - 1)) {
      info.movableKeys = true;
      continue;
    }
    if (s.flags & KEY_INCOMPLETE) info.movableKeys = true;
    firstKey = Math.min(firstKey, pos);
    const absLast = range.lastkey >= 0 ? range.lastkey + pos : range.lastkey;
    lastKey = asUnsigned(lastKey) >= asUnsigned(absLast) ? lastKey : absLast;
    prevLastKey = lastKey;
  }
  if (firstKey === Number.MAX_SAFE_INTEGER) {
    info.movableKeys = true;
    return info;
  }
  info.firstKey = firstKey;
  info.lastKey = lastKey;
  info.keyStep = 1;
  return info;
}

/**
 * getKeysUsingKeySpecs(): the keys the specs locate in argv, or null when a spec
 * cannot be applied (unknown, incomplete, or out of bounds for this argv).
 */
export function getKeysUsingKeySpecs(
  cmd: Command,
  argv: readonly string[],
  options: { includeNotKeys?: boolean; returnPartial?: boolean } = {},
): KeyReference[] | null {
  const argc = argv.length;
  const keys: KeyReference[] = [];
  for (const spec of keyInfo(cmd).specs) {
    if (spec.flags & KEY_NOT_KEY && !options.includeNotKeys) continue;
    const outcome = applySpec(spec, argv, argc, cmd.arity, keys);
    if (outcome === 'skipped') continue;
    if (outcome === 'invalid' || spec.flags & KEY_INCOMPLETE) {
      if (options.returnPartial) continue;
      return null;
    }
  }
  return keys;
}

/** Appends the keys one spec finds; 'skipped' when its keyword is absent from argv. */
function applySpec(
  spec: CompiledSpec,
  argv: readonly string[],
  argc: number,
  arity: number,
  keys: KeyReference[],
): 'found' | 'skipped' | 'invalid' {
  let first = 0;
  if (spec.begin.kind === 'index') {
    first = spec.begin.pos;
  } else if (spec.begin.kind === 'keyword') {
    const { keyword, startfrom } = spec.begin;
    const start = startfrom > 0 ? startfrom : argc + startfrom;
    const end = startfrom > 0 ? argc - 1 : 1;
    const lowered = keyword.toLowerCase();
    for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
      if (i >= argc || i < 1) break;
      if (argv[i]!.toLowerCase() === lowered) {
        first = i + 1;
        break;
      }
    }
    // A missing keyword means this spec has no keys in this argv: not an error.
    if (!first) return 'skipped';
  } else {
    return 'invalid';
  }
  let last: number;
  let step: number;
  if (spec.find.kind === 'range') {
    step = spec.find.step;
    if (spec.find.lastkey >= 0) last = first + spec.find.lastkey;
    else if (!spec.find.limit) last = argc + spec.find.lastkey;
    else last = first + (Math.floor((argc - first) / spec.find.limit) + spec.find.lastkey);
  } else if (spec.find.kind === 'keynum') {
    step = spec.find.step;
    if (spec.find.keynumidx >= argc) return 'invalid';
    const numkeysText = argv[first + spec.find.keynumidx];
    if (numkeysText === undefined || !/^(0|[1-9][0-9]{0,17})$/.test(numkeysText)) return 'invalid';
    const numkeys = Number(numkeysText);
    first += spec.find.firstkey;
    last = first + numkeys - 1;
  } else {
    return 'invalid';
  }
  if (last >= argc || last < first || first >= argc) return 'invalid';
  for (let i = first; i <= last; i += step) {
    // Variadic commands have no dispatch-time arity check: leave the error to the command.
    if (i >= argc || i < first) {
      if (arity < 0) continue;
      return 'invalid';
    }
    keys.push({ pos: i, flags: spec.flags });
  }
  return 'found';
}

/** A native getkeys proc (db.c *GetKeys), for commands whose specs cannot say it all. */
type GetKeysProc = (argv: readonly string[]) => KeyReference[];

/** genericGetKeys(): [destkey] numkeys key [key ...] layouts. */
function genericGetKeys(storeKeyOfs: number, keyCountOfs: number, firstKeyOfs: number, keyStep: number): GetKeysProc {
  return (argv) => {
    const num = atoi(argv[keyCountOfs] ?? '');
    if (num < 1 || num > Math.floor((argv.length - firstKeyOfs) / keyStep)) return [];
    const keys: KeyReference[] = [];
    for (let i = 0; i < num; i++) keys.push({ pos: firstKeyOfs + i * keyStep, flags: 0 });
    if (storeKeyOfs) keys.push({ pos: storeKeyOfs, flags: 0 });
    return keys;
  };
}

/** C's atoi(): leading digits, 0 when there are none. */
function atoi(text: string): number {
  const m = /^\s*([+-]?\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

const sortGetKeys: GetKeysProc = (argv) => {
  const keys: KeyReference[] = [{ pos: 1, flags: KEY_RO | KEY_ACCESS }];
  const skips: Record<string, number> = { limit: 2, get: 1, by: 1 };
  let store: KeyReference | undefined;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!.toLowerCase();
    const skip = skips[arg];
    if (skip !== undefined) i += skip;
    else if (arg === 'store' && i + 1 < argv.length) store = { pos: i + 1, flags: KEY_OW | KEY_UPDATE };
  }
  if (store) keys.push(store);
  return keys;
};

const migrateGetKeys: GetKeysProc = (argv) => {
  let first = 3;
  let num = 1;
  const skipKeywords: Record<string, number> = { copy: 0, replace: 0, auth: 1, auth2: 2 };
  if (argv.length > 6) {
    for (let i = 6; i < argv.length; i++) {
      const arg = argv[i]!.toLowerCase();
      if (arg === 'keys') {
        if (argv[3]!.length > 0) {
          num = 0;
        } else {
          first = i + 1;
          num = argv.length - first;
        }
        break;
      }
      i += skipKeywords[arg] ?? 0;
    }
  }
  const keys: KeyReference[] = [];
  for (let i = 0; i < num; i++) keys.push({ pos: first + i, flags: KEY_RW | KEY_ACCESS | KEY_DELETE });
  return keys;
};

const georadiusGetKeys: GetKeysProc = (argv) => {
  let stored = -1;
  for (let i = 5; i < argv.length; i++) {
    const arg = argv[i]!.toLowerCase();
    if ((arg === 'store' || arg === 'storedist') && i + 1 < argv.length) {
      stored = i + 1;
      i++;
    }
  }
  const keys: KeyReference[] = [{ pos: 1, flags: 0 }];
  if (stored !== -1) keys.push({ pos: stored, flags: 0 });
  return keys;
};

const xreadGetKeys: GetKeysProc = (argv) => {
  let streamsPos = -1;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!.toLowerCase();
    if (arg === 'block' || arg === 'count') i++;
    else if (arg === 'group') i += 2;
    else if (arg === 'noack') continue;
    else {
      if (arg === 'streams') streamsPos = i;
      break;
    }
  }
  const num = streamsPos === -1 ? 0 : argv.length - streamsPos - 1;
  if (streamsPos === -1 || num === 0 || num % 2 !== 0) return [];
  const keys: KeyReference[] = [];
  for (let i = streamsPos + 1; i < argv.length - num / 2; i++) keys.push({ pos: i, flags: 0 });
  return keys;
};

const setGetKeys: GetKeysProc = (argv) => {
  for (let i = 3; i < argv.length; i++) {
    if (argv[i]!.toLowerCase() === 'get') return [{ pos: 1, flags: KEY_RW | KEY_ACCESS | KEY_UPDATE }];
  }
  return [{ pos: 1, flags: KEY_OW | KEY_UPDATE }];
};

const bitfieldGetKeys: GetKeysProc = (argv) => {
  let readonly = true;
  for (let i = 2; i < argv.length; i++) {
    const remaining = argv.length - i - 1;
    const arg = argv[i]!.toLowerCase();
    if (arg === 'get' && remaining >= 2) {
      i += 2;
    } else if ((arg === 'set' || arg === 'incrby') && remaining >= 3) {
      readonly = false;
      break;
    } else if (arg === 'overflow' && remaining >= 1) {
      i += 1;
    } else {
      readonly = false;
      break;
    }
  }
  return [{ pos: 1, flags: readonly ? KEY_RO | KEY_ACCESS : KEY_RW | KEY_ACCESS | KEY_UPDATE }];
};

/** The get_keys_function of Redis's command JSON files (stripped from our metadata). */
const GETKEYS_PROCS: Record<string, GetKeysProc> = {
  bitfield: bitfieldGetKeys,
  blmpop: genericGetKeys(0, 2, 3, 1),
  bzmpop: genericGetKeys(0, 2, 3, 1),
  eval: genericGetKeys(0, 2, 3, 1),
  eval_ro: genericGetKeys(0, 2, 3, 1),
  evalsha: genericGetKeys(0, 2, 3, 1),
  evalsha_ro: genericGetKeys(0, 2, 3, 1),
  fcall: genericGetKeys(0, 2, 3, 1),
  fcall_ro: genericGetKeys(0, 2, 3, 1),
  georadius: georadiusGetKeys,
  georadiusbymember: georadiusGetKeys,
  lmpop: genericGetKeys(0, 1, 2, 1),
  migrate: migrateGetKeys,
  set: setGetKeys,
  sintercard: genericGetKeys(0, 1, 2, 1),
  sort: sortGetKeys,
  sort_ro: () => [{ pos: 1, flags: KEY_RO | KEY_ACCESS }],
  xread: xreadGetKeys,
  xreadgroup: xreadGetKeys,
  zdiff: genericGetKeys(0, 1, 2, 1),
  zdiffstore: genericGetKeys(1, 2, 3, 1),
  zinter: genericGetKeys(0, 1, 2, 1),
  zintercard: genericGetKeys(0, 1, 2, 1),
  zinterstore: genericGetKeys(1, 2, 3, 1),
  zmpop: genericGetKeys(0, 1, 2, 1),
  zunion: genericGetKeys(0, 1, 2, 1),
  zunionstore: genericGetKeys(1, 2, 3, 1),
};

/** Flags missing from at least one spec (inverted), or present in any (plain), as getAllKeySpecsFlags(). */
function allSpecsFlags(cmd: Command, inverted: boolean): number {
  let flags = 0;
  for (const s of keyInfo(cmd).specs) flags |= inverted ? ~s.flags & ALL_KEY_FLAGS : s.flags;
  return flags;
}

/** doesCommandHaveKeys(). */
export function commandHasKeys(cmd: Command): boolean {
  return GETKEYS_PROCS[cmd.fullName] !== undefined || (allSpecsFlags(cmd, true) & KEY_NOT_KEY) !== 0;
}

/**
 * getKeysFromCommandWithSpecs(): the key positions of argv (argv[0] is the command
 * name), by key specs when they are reliable, else by the command's getkeys proc.
 * Returns an empty array when the command has no keys in this argv.
 */
export function getKeysFromCommand(cmd: Command, argv: readonly string[]): KeyReference[] {
  const hasKeySpec = (allSpecsFlags(cmd, true) & KEY_NOT_KEY) !== 0;
  const hasVariableFlags = (allSpecsFlags(cmd, false) & KEY_VARIABLE_FLAGS) !== 0;
  if (hasKeySpec && !hasVariableFlags) {
    const keys = getKeysUsingKeySpecs(cmd, argv);
    if (keys) return keys;
  }
  const proc = GETKEYS_PROCS[cmd.fullName];
  return proc ? proc(argv) : [];
}

/** The key names of argv, in the order the specs give them. */
export function commandKeyNames(cmd: Command, argv: readonly string[]): string[] {
  return getKeysFromCommand(cmd, argv).map((k) => argv[k.pos]!);
}
