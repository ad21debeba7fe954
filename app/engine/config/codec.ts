/**
 * Parsing and printing of parameter values: the `set` and `get` halves of
 * config.c's type interfaces (bool, string, enum, numeric) and of its special
 * configs (save, bind, dir, client-output-buffer-limit, ...). A value is kept
 * as the string CONFIG GET prints; `parseValue` turns directive/CONFIG SET
 * arguments into that string or throws a ValueError with Redis's text.
 */
import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  asSigned64,
  asUnsigned64,
  formatPercentile,
  memtoull,
  octalOverflows,
  string2d,
  string2ll,
  strtollWhole,
} from './numbers.js';
import { MEMORY, MULTI_ARG, OCTAL, PERCENT, type EnumParam, type NumericParam, type ParamDef } from './params.js';

/** A value rejected by a parameter's setter; `message` is Redis's error string. */
export class ValueError extends Error {}

export interface ParseContext {
  /** The parameter's current value (multi-part parameters update only what is given). */
  current: string;
  /** Directory relative paths (`dir`) are resolved against. */
  cwd: string;
  /**
   * While reading a config file the first `save` line replaces the defaults and
   * the following ones accumulate (setConfigSaveOption's reading_config_file).
   */
  appendSave: boolean;
}

const ACTIVE_DEFRAG_UNAVAILABLE =
  'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc ' +
  'like the one shipped by default with the Redis source distribution';

export function parseValue(def: ParamDef, args: readonly string[], ctx: ParseContext): string {
  switch (def.kind) {
    case 'bool': {
      const value = parseBool(args[0]!);
      // isValidActiveDefrag(): like Debian's build (no HAVE_DEFRAG), there is no defragmenter.
      if (def.name === 'activedefrag' && value === 'yes') throw new ValueError(ACTIVE_DEFRAG_UNAVAILABLE);
      return value;
    }
    case 'string':
      validateString(def.name, args[0]!);
      return args[0]!;
    case 'enum':
      return parseEnum(def, args);
    case 'numeric':
      return parseNumeric(def, args[0]!);
    case 'special':
      return parseSpecial(def.name, args, ctx);
  }
}

/** performInterfaceSet(): CONFIG SET splits a multi-arg value on single spaces. */
export function splitSetValue(def: ParamDef, value: string): string[] {
  if (!(def.flags & MULTI_ARG)) return [value];
  // sdssplitlen() of an empty string yields no tokens.
  return value === '' ? [] : value.split(' ');
}

function parseBool(text: string): string {
  const lowered = text.toLowerCase();
  if (lowered === 'yes' || lowered === 'no') return lowered;
  throw new ValueError("argument must be 'yes' or 'no'");
}

function validateString(name: string, value: string): void {
  const isPath = value.includes('/') || value.includes('\\');
  switch (name) {
    case 'dbfilename':
      if (isPath) throw new ValueError("dbfilename can't be a path, just a filename");
      return;
    case 'appendfilename':
      if (value === '') throw new ValueError("appendfilename can't be empty");
      if (isPath) throw new ValueError("appendfilename can't be a path, just a filename");
      return;
    case 'appenddirname':
      if (value === '') throw new ValueError("appenddirname can't be empty");
      if (isPath) throw new ValueError("appenddirname can't be a path, just a dirname");
      return;
    case 'cluster-announce-hostname':
      if (value.length >= 256) throw new ValueError('Hostnames must be less than 256 characters');
      if (!/^[A-Za-z0-9.-]*$/.test(value)) {
        throw new ValueError('Hostnames may only contain alphanumeric characters, hyphens or dots');
      }
      return;
    case 'proc-title-template':
      if (!isValidProcTitleTemplate(value)) {
        throw new ValueError('template format is invalid or contains unknown variables');
      }
      return;
  }
}

/** validateProcTitleTemplate(): sdstemplate() expansion must succeed and not be blank. */
function isValidProcTitleTemplate(template: string): boolean {
  const variables: Record<string, string> = {
    title: '',
    'listen-addr': '*:6379',
    'server-mode': '',
    'config-file': '-',
    port: '6379',
    'tls-port': '0',
    unixsocket: '',
  };
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c === '{') {
      if (template[i + 1] === '{') {
        out += '{';
        i++;
        continue;
      }
      const end = template.indexOf('}', i + 1);
      if (end === -1) return false;
      const value = variables[template.slice(i + 1, end)];
      if (value === undefined) return false;
      out += value;
      i = end;
    } else if (c === '}') {
      if (template[i + 1] !== '}') return false;
      out += '}';
      i++;
    } else {
      out += c;
    }
  }
  return out.trim() !== '';
}

// ------------------------------------------------------------------- enums

function enumError(def: EnumParam): ValueError {
  // Redis builds it in a 256-byte buffer (LOADBUF_SIZE): longer lists are cut.
  const text = 'argument(s) must be one of the following: ' + def.values.map(([n]) => n).join(', ');
  return new ValueError(text.slice(0, 255));
}

/** configEnumGetValue(): multi-arg enums (shutdown-on-sig*) OR their flags together. */
export function enumValueOf(def: EnumParam, args: readonly string[]): number | null {
  const bitflags = (def.flags & MULTI_ARG) !== 0;
  if (args.length === 0 || (!bitflags && args.length !== 1)) return null;
  let value = 0;
  for (const arg of args) {
    const lowered = arg.toLowerCase();
    let matched = false;
    for (const [name, v] of def.values) {
      if (name === lowered) {
        value |= v;
        matched = true;
      }
    }
    if (!matched) return null;
  }
  return value;
}

/** configEnumGetName(): the first exact match, else the flags high to low, else "unknown". */
export function enumNameOf(def: EnumParam, value: number): string {
  const bitflags = (def.flags & MULTI_ARG) !== 0;
  const names: string[] = [];
  let unmatched = value;
  for (const [name, v] of def.values) {
    if (value === v) return name;
    if (bitflags && v !== 0 && v === (unmatched & v)) {
      names.push(name);
      unmatched &= ~v;
    }
  }
  return names.length === 0 || unmatched !== 0 ? 'unknown' : names.join(' ');
}

function parseEnum(def: EnumParam, args: readonly string[]): string {
  const value = enumValueOf(def, args);
  if (value === null) throw enumError(def);
  if (def.name.startsWith('shutdown-on-sig') && value & 1 && value & 2) {
    throw new ValueError("shutdown options SAVE and NOSAVE can't be used simultaneously");
  }
  return enumNameOf(def, value);
}

// ----------------------------------------------------------------- numbers

const UNSIGNED_TYPES = new Set(['ulonglong', 'uint', 'size_t']);

/** numericParseString() then numericBoundaryCheck(); returns CONFIG GET's text. */
function parseNumeric(def: NumericParam, text: string): string {
  const value = parseNumericText(def, text);
  checkBounds(def, value);
  return formatNumeric(def, value);
}

/** The value as the `long long` Redis stores (percentages are negative). */
function parseNumericText(def: NumericParam, text: string): bigint {
  if (def.format & MEMORY) {
    const bytes = memtoull(text);
    if (bytes !== null) return asSigned64(bytes);
  }
  if (def.format & PERCENT && text.length > 1 && text.endsWith('%')) {
    const pct = string2ll(text.slice(0, -1));
    if (pct !== null && pct >= 0n) return -pct;
  }
  if (def.format & OCTAL) {
    const octal = strtollWhole(text, 8);
    if (octal !== null && !octalOverflows(text)) return octal;
  }
  if (def.format === 0) {
    const integer = string2ll(text);
    if (integer !== null) return integer;
  }
  if (def.format & MEMORY && def.format & PERCENT) throw new ValueError('argument must be a memory or percent value');
  if (def.format & MEMORY) throw new ValueError('argument must be a memory value');
  if (def.format & OCTAL) throw new ValueError("argument couldn't be parsed as an octal number");
  throw new ValueError("argument couldn't be parsed into an integer");
}

function checkBounds(def: NumericParam, value: bigint): void {
  if (UNSIGNED_TYPES.has(def.ctype)) {
    const v = asUnsigned64(value);
    const lo = asUnsigned64(def.min);
    const hi = asUnsigned64(def.max);
    if (v > hi || v < lo) {
      const fmt = (n: bigint) => (def.format & OCTAL ? n.toString(8) : String(n));
      throw new ValueError(`argument must be between ${fmt(lo)} and ${fmt(hi)} inclusive`);
    }
    return;
  }
  if (def.format & PERCENT && value < 0n) {
    if (value < def.min) throw new ValueError(`percentage argument must be less or equal to ${-def.min}`);
    return;
  }
  const hi = asSigned64(def.max);
  if (value > hi || value < def.min) {
    throw new ValueError(`argument must be between ${def.min} and ${hi} inclusive`);
  }
}

/** numericConfigGet(). */
function formatNumeric(def: NumericParam, value: bigint): string {
  const stored = storeAs(def, value);
  if (def.format & PERCENT && stored < 0n) return `${-stored}%`;
  if (def.format & MEMORY) return String(asUnsigned64(stored));
  if (def.format & OCTAL) return asUnsigned64(stored).toString(8);
  return String(stored);
}

/** setNumericType() then GET_NUMERIC_TYPE: the C cast to the field's type and back to long long. */
function storeAs(def: NumericParam, value: bigint): bigint {
  switch (def.ctype) {
    case 'int':
      return BigInt.asIntN(32, value);
    case 'uint':
      return BigInt.asUintN(32, value);
    default:
      return asSigned64(value);
  }
}

/** The number num() returns for a numeric value string (percent values are negative, as in Redis). */
export function numericOf(def: ParamDef, value: string): number {
  if (def.kind === 'bool') return value === 'yes' ? 1 : 0;
  if (def.kind !== 'numeric') return Number(value);
  if (value.endsWith('%')) return -Number(value.slice(0, -1));
  if (def.format & OCTAL) return parseInt(value, 8);
  return Number(value);
}

/** The stored long long of a numeric value (CONFIG REWRITE compares it with the default). */
export function numericStored(def: NumericParam, value: string): bigint {
  if (value.endsWith('%')) return -BigInt(value.slice(0, -1));
  if (def.format & OCTAL) return BigInt('0o' + value);
  return asSigned64(BigInt(value));
}

// ----------------------------------------------------------------- special

function parseSpecial(name: string, args: readonly string[], ctx: ParseContext): string {
  switch (name) {
    case 'dir':
      return parseDir(args, ctx.cwd);
    case 'save':
      return parseSave(args, ctx);
    case 'client-output-buffer-limit':
      return parseOutputBufferLimits(args, ctx.current);
    case 'oom-score-adj-values':
      return parseOomScoreAdjValues(args);
    case 'notify-keyspace-events':
      return parseNotifyKeyspaceEvents(args);
    case 'bind':
      return parseBind(args);
    case 'replicaof':
      return parseReplicaOf(args);
    case 'latency-tracking-info-percentiles':
      return parsePercentiles(args);
  }
  throw new Error(`no parser for special config ${name}`);
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EACCES: 'Permission denied',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
};

/** setConfigDirOption(): chdir(); the value CONFIG GET prints is getcwd(), an absolute real path. */
function parseDir(args: readonly string[], cwd: string): string {
  if (args.length !== 1) throw new ValueError('wrong number of arguments');
  const target = resolve(cwd, args[0]!);
  try {
    if (!statSync(target).isDirectory()) throw new ValueError(ERRNO_TEXT.ENOTDIR);
    return realpathSync(target);
  } catch (err) {
    if (err instanceof ValueError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new ValueError(ERRNO_TEXT[code] ?? (err as Error).message);
  }
}

function parseSave(args: readonly string[], ctx: ParseContext): string {
  let params = args;
  // A single "" means "no save points", and resets what was loaded so far.
  const reset = params.length === 1 && params[0] === '';
  if (reset) params = [];
  if (params.length % 2 === 1) throw new ValueError('Invalid save parameters');
  const numbers: bigint[] = [];
  for (let j = 0; j < params.length; j++) {
    const value = strtollWhole(params[j]!);
    if (value === null || (j % 2 === 0 && value < 1n) || (j % 2 === 1 && value < 0n)) {
      throw new ValueError('Invalid save parameters');
    }
    numbers.push(value);
  }
  // seconds is a time_t, changes an int (appendServerSaveParams).
  const rendered = numbers.map((n, j) => String(j % 2 === 0 ? n : BigInt.asIntN(32, n)));
  if (ctx.appendSave && !reset && ctx.current !== '') {
    return rendered.length === 0 ? ctx.current : `${ctx.current} ${rendered.join(' ')}`;
  }
  return rendered.join(' ');
}

export const OUTPUT_BUFFER_CLASSES = ['normal', 'slave', 'pubsub'] as const;

/** getClientTypeByName(): "replica" is "slave"; "master" is valid but not configurable. */
function outputBufferClass(name: string): number {
  switch (name.toLowerCase()) {
    case 'normal':
      return 0;
    case 'slave':
    case 'replica':
      return 1;
    case 'pubsub':
      return 2;
    case 'master':
      return 3;
    default:
      return -1;
  }
}

/** updateClientOutputBufferLimit(): all-or-nothing, only the classes given change. */
function parseOutputBufferLimits(args: readonly string[], current: string): string {
  if (args.length % 4 !== 0) throw new ValueError('Wrong number of arguments in buffer limit configuration.');
  const parts = current.split(' ');
  for (let j = 0; j < args.length; j += 4) {
    const cls = outputBufferClass(args[j]!);
    if (cls === -1 || cls === 3) throw new ValueError('Invalid client class specified in buffer limit configuration.');
    const hard = memtoull(args[j + 1]!);
    const soft = memtoull(args[j + 2]!);
    const seconds = strtollWhole(args[j + 3]!);
    if (hard === null || soft === null || seconds === null || BigInt.asIntN(32, seconds) < 0n) {
      throw new ValueError('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
    }
    parts[cls * 4 + 1] = String(hard);
    parts[cls * 4 + 2] = String(soft);
    parts[cls * 4 + 3] = String(BigInt.asIntN(32, seconds));
  }
  return parts.join(' ');
}

function parseOomScoreAdjValues(args: readonly string[]): string {
  if (args.length !== 3) throw new ValueError('wrong number of arguments');
  return args
    .map((arg) => {
      const value = strtollWhole(arg);
      if (value === null || value < -2000n || value > 2000n) {
        throw new ValueError('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
      }
      return String(value);
    })
    .join(' ');
}

/** Bits of notify.c, in keyspaceEventsFlagsToString()'s order. */
const NOTIFY_CLASSES: readonly (readonly [string, number])[] = [
  ['g', 1 << 2],
  ['$', 1 << 3],
  ['l', 1 << 4],
  ['s', 1 << 5],
  ['h', 1 << 6],
  ['z', 1 << 7],
  ['x', 1 << 8],
  ['e', 1 << 9],
  ['t', 1 << 10],
  ['d', 1 << 13],
  ['n', 1 << 14],
];
const NOTIFY_KEYSPACE = 1 << 0;
const NOTIFY_KEYEVENT = 1 << 1;
const NOTIFY_KEY_MISS = 1 << 11;
/** NOTIFY_ALL: g$lshzxetd (not m, not n). */
const NOTIFY_ALL = 0b10011111111100;

/** keyspaceEventsStringToFlags(), -1 on an unknown class. */
export function notifyFlagsOf(classes: string): number {
  let flags = 0;
  for (const c of classes) {
    if (c === 'A') flags |= NOTIFY_ALL;
    else if (c === 'K') flags |= NOTIFY_KEYSPACE;
    else if (c === 'E') flags |= NOTIFY_KEYEVENT;
    else if (c === 'm') flags |= NOTIFY_KEY_MISS;
    else {
      const entry = NOTIFY_CLASSES.find(([name]) => name === c);
      if (!entry) return -1;
      flags |= entry[1];
    }
  }
  return flags;
}

/** keyspaceEventsFlagsToString(). */
export function notifyFlagsToString(flags: number): string {
  let out = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) out += 'A';
  else for (const [name, bit] of NOTIFY_CLASSES) if (flags & bit) out += name;
  if (flags & NOTIFY_KEYSPACE) out += 'K';
  if (flags & NOTIFY_KEYEVENT) out += 'E';
  if (flags & NOTIFY_KEY_MISS) out += 'm';
  return out;
}

function parseNotifyKeyspaceEvents(args: readonly string[]): string {
  if (args.length !== 1) throw new ValueError('wrong number of arguments');
  const flags = notifyFlagsOf(args[0]!);
  if (flags === -1) throw new ValueError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  return notifyFlagsToString(flags);
}

/** CONFIG_BINDADDR_MAX. */
const MAX_BIND_ADDRESSES = 16;

function parseBind(args: readonly string[]): string {
  if (args.length > MAX_BIND_ADDRESSES) throw new ValueError('Too many bind addresses specified.');
  if (args.length === 1 && args[0] === '') return '';
  return args.join(' ');
}

function parseReplicaOf(args: readonly string[]): string {
  if (args.length !== 2) throw new ValueError('wrong number of arguments');
  const [host, portText] = args as [string, string];
  if (host.toLowerCase() === 'no' && portText.toLowerCase() === 'one') return '';
  const port = strtollWhole(portText);
  if (port === null || port < 0n || port > 65535n) throw new ValueError('Invalid master port');
  return `${host} ${port}`;
}

function parsePercentiles(args: readonly string[]): string {
  if (args.length === 1 && args[0] === '') return '';
  return args
    .map((arg) => {
      const value = string2d(arg);
      if (value === null) throw new ValueError('Invalid latency-tracking-info-percentiles parameters');
      if (value > 100 || value < 0) {
        throw new ValueError('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
      }
      return formatPercentile(value);
    })
    .join(' ');
}
