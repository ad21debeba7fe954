/**
 * The libraries Redis links into its Lua: bit (LuaBitOp), cjson (lua-cjson 2.1) and
 * cmsgpack (lua-cmsgpack), written in JS with the behaviour scripts observe
 * (results, encodings, error texts). `struct` is not provided.
 */
import { fengari, fromLua, lit, toLua, type LuaCFunction, type LuaState } from './fengari.js';
import { JSON_NULL, pushLuaValue, pushNumber, readLuaValue, type LuaValue, type PushValue } from './lua-values.js';

/** luaL_error() with a message that may contain '%'. */
export function raiseLuaError(L: LuaState, message: string): never {
  fengari().lauxlib.luaL_error(L, lit('%s'), toLua(message));
  throw new Error('unreachable: luaL_error returned');
}

function registerLib(L: LuaState, name: string, functions: Record<string, LuaCFunction>): void {
  const { lua } = fengari();
  lua.lua_createtable(L, 0, Object.keys(functions).length);
  for (const [fname, fn] of Object.entries(functions)) {
    lua.lua_pushcfunction(L, fn);
    lua.lua_setfield(L, -2, lit(fname));
  }
  lua.lua_setglobal(L, lit(name));
}

// ------------------------------------------------------------------ bit

/** LuaBitOp's barg(): the number modulo 2^32 as a signed 32-bit integer. */
function bitArg(L: LuaState, arg: number): number {
  const n = fengari().lauxlib.luaL_checknumber(L, arg);
  // Rounds like LuaBitOp's (n + 2^52 + 2^51) trick, then keeps the low 32 bits.
  const rounded = Math.round(n);
  return Number(BigInt.asIntN(32, BigInt(Number.isFinite(rounded) ? rounded : 0)));
}

function bitResult(L: LuaState, n: number): number {
  fengari().lua.lua_pushinteger(L, n | 0);
  return 1;
}

function bitFold(op: (a: number, b: number) => number): LuaCFunction {
  return (L) => {
    let acc = bitArg(L, 1);
    const top = fengari().lua.lua_gettop(L);
    for (let i = 2; i <= top; i++) acc = op(acc, bitArg(L, i));
    return bitResult(L, acc);
  };
}

function bitShift(op: (a: number, b: number) => number): LuaCFunction {
  return (L) => bitResult(L, op(bitArg(L, 1), bitArg(L, 2) & 31));
}

const BIT_LIB: Record<string, LuaCFunction> = {
  tobit: (L) => bitResult(L, bitArg(L, 1)),
  bnot: (L) => bitResult(L, ~bitArg(L, 1)),
  band: bitFold((a, b) => a & b),
  bor: bitFold((a, b) => a | b),
  bxor: bitFold((a, b) => a ^ b),
  lshift: bitShift((a, b) => a << b),
  rshift: bitShift((a, b) => a >>> b),
  arshift: bitShift((a, b) => a >> b),
  rol: bitShift((a, b) => (a << b) | (a >>> (32 - b))),
  ror: bitShift((a, b) => (a >>> b) | (a << (32 - b))),
  bswap: (L) => {
    const b = bitArg(L, 1);
    return bitResult(L, (b >>> 24) | ((b >> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24) | 0);
  },
  tohex: (L) => {
    const { lua } = fengari();
    const b = bitArg(L, 1) >>> 0;
    let n = lua.lua_type(L, 2) <= lua.LUA_TNIL ? 8 : bitArg(L, 2);
    let upper = false;
    if (n < 0) {
      // -2^31 stays negative in C too: LuaBitOp then prints 8 digits (n = -n overflows).
      n = n === -2147483648 ? 8 : -n;
      upper = true;
    }
    if (n > 8) n = 8;
    let hex = b
      .toString(16)
      .padStart(8, '0')
      .slice(8 - n);
    if (upper) hex = hex.toUpperCase();
    const bytes = toLua(hex);
    lua.lua_pushlstring(L, bytes, bytes.length);
    return 1;
  },
};

// ------------------------------------------------------------------ cjson

interface CjsonConfig {
  encodeMaxDepth: number;
  decodeMaxDepth: number;
  encodeInvalidNumbers: boolean;
  decodeInvalidNumbers: boolean;
  sparseRatio: number;
  sparseSafe: number;
  sparseConvert: boolean;
  keepBuffer: boolean;
  numberPrecision: number;
}

function formatNumberG(n: number, precision: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  let s = n.toPrecision(precision);
  if (s.includes('e')) {
    const [mantissa, exp] = s.split('e') as [string, string];
    const m = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
    const e = Number(exp);
    return `${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  const e = Math.floor(Math.log10(Math.abs(n)));
  if (e < -4 || e >= precision) return formatNumberG(Number(n.toExponential(precision - 1)), precision);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

const JSON_ESCAPES: string[] = [];
for (let i = 0; i < 256; i++) {
  if (i < 0x20 || i === 0x7f) JSON_ESCAPES[i] = '\\u' + i.toString(16).padStart(4, '0');
}
JSON_ESCAPES[8] = '\\b';
JSON_ESCAPES[9] = '\\t';
JSON_ESCAPES[10] = '\\n';
JSON_ESCAPES[12] = '\\f';
JSON_ESCAPES[13] = '\\r';
JSON_ESCAPES[0x22] = '\\"';
JSON_ESCAPES[0x5c] = '\\\\';
JSON_ESCAPES[0x2f] = '\\/';

function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    out += JSON_ESCAPES[code] ?? s[i];
  }
  return out + '"';
}

function typeName(v: LuaValue): string {
  if (v === null) return 'nil';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  if (v.kind === 'number') return 'number';
  if (v.kind === 'table') return 'table';
  const { lua } = fengari();
  return v.type === lua.LUA_TFUNCTION ? 'function' : 'userdata';
}

class JsonEncodeError extends Error {}

function jsonEncode(value: LuaValue, cfg: CjsonConfig, depth: number): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return jsonString(value);
  if (value.kind === 'number') {
    const n = value.n;
    if (!Number.isFinite(n)) {
      if (!cfg.encodeInvalidNumbers) throw new JsonEncodeError('Cannot serialise number: must not be NaN or Inf');
      return Number.isNaN(n) ? 'nan' : n > 0 ? 'inf' : '-inf';
    }
    return formatNumberG(n, cfg.numberPrecision);
  }
  if (value.kind === 'opaque') {
    if (value.isNullSentinel) return 'null';
    throw new JsonEncodeError(`Cannot serialise ${typeName(value)}: type not supported`);
  }
  if (depth > cfg.encodeMaxDepth) {
    throw new JsonEncodeError(`Cannot serialise, excessive nesting (${depth})`);
  }
  // lua_array_length(): every key a positive integer, not excessively sparse.
  let max = 0;
  let items = 0;
  let isArray = true;
  for (const [k] of value.pairs) {
    if (k !== null && typeof k === 'object' && k.kind === 'number' && Number.isInteger(k.n) && k.n >= 1) {
      max = Math.max(max, k.n);
      items++;
    } else {
      isArray = false;
      break;
    }
  }
  if (isArray && max > 0) {
    if (cfg.sparseRatio > 0 && max > items * cfg.sparseRatio && max > cfg.sparseSafe) {
      if (!cfg.sparseConvert) throw new JsonEncodeError('Cannot serialise table: excessively sparse array');
    } else {
      const byIndex = new Map<number, LuaValue>();
      for (const [k, v] of value.pairs) byIndex.set((k as { n: number }).n, v);
      const parts: string[] = [];
      for (let i = 1; i <= max; i++) parts.push(jsonEncode(byIndex.get(i) ?? null, cfg, depth + 1));
      return '[' + parts.join(',') + ']';
    }
  }
  const parts: string[] = [];
  for (const [k, v] of value.pairs) {
    let key: string;
    if (typeof k === 'string') key = jsonString(k);
    else if (k !== null && typeof k === 'object' && k.kind === 'number')
      key = '"' + formatNumberG(k.n, cfg.numberPrecision) + '"';
    else throw new JsonEncodeError(`Cannot serialise ${typeName(k)}: table key must be a number or string`);
    parts.push(key + ':' + jsonEncode(v, cfg, depth + 1));
  }
  return '{' + parts.join(',') + '}';
}

class JsonDecoder {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly cfg: CjsonConfig,
  ) {}

  decode(): PushValue {
    const value = this.value(1);
    this.skipSpace();
    if (this.pos < this.text.length) this.fail('the end', this.tokenName());
    return value;
  }

  private fail(expected: string, found: string): never {
    throw new JsonEncodeError(`Expected ${expected} but found ${found} at character ${this.pos + 1}`);
  }

  private tokenName(): string {
    const ch = this.text[this.pos];
    if (ch === undefined) return 'T_END';
    if (ch === '{') return 'T_OBJ_BEGIN';
    if (ch === '}') return 'T_OBJ_END';
    if (ch === '[') return 'T_ARR_BEGIN';
    if (ch === ']') return 'T_ARR_END';
    if (ch === ',') return 'T_COMMA';
    if (ch === ':') return 'T_COLON';
    return 'invalid token';
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text[this.pos]!)) this.pos++;
  }

  private value(depth: number): PushValue {
    this.skipSpace();
    const ch = this.text[this.pos];
    if (ch === '{' || ch === '[') {
      if (depth > this.cfg.decodeMaxDepth) {
        throw new JsonEncodeError(`Found too many nested data structures (${depth}) at character ${this.pos + 1}`);
      }
      return ch === '{' ? this.object(depth) : this.array(depth);
    }
    if (ch === '"') return this.string();
    if (this.text.startsWith('true', this.pos)) {
      this.pos += 4;
      return true;
    }
    if (this.text.startsWith('false', this.pos)) {
      this.pos += 5;
      return false;
    }
    if (this.text.startsWith('null', this.pos)) {
      this.pos += 4;
      return JSON_NULL;
    }
    const m = /^-?(?:0x[0-9a-f]+|(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|inf(?:inity)?|nan)/i.exec(
      this.text.slice(this.pos, this.pos + 64),
    );
    if (m && (this.cfg.decodeInvalidNumbers || !/inf|nan|0x/i.test(m[0]))) {
      this.pos += m[0].length;
      return Number(m[0].replace(/^(-?)inf(inity)?$/i, '$1Infinity'));
    }
    this.fail('value', this.tokenName());
  }

  private object(depth: number): PushValue {
    this.pos++;
    const map: [PushValue, PushValue][] = [];
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { map };
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') this.fail('object key string', this.tokenName());
      const key = this.string();
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail('colon', this.tokenName());
      this.pos++;
      map.push([key, this.value(depth + 1)]);
      this.skipSpace();
      const ch = this.text[this.pos];
      if (ch === '}') {
        this.pos++;
        return { map };
      }
      if (ch !== ',') this.fail('comma or object end', this.tokenName());
      this.pos++;
    }
  }

  private array(depth: number): PushValue {
    this.pos++;
    const array: PushValue[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { array };
    }
    for (;;) {
      array.push(this.value(depth + 1));
      this.skipSpace();
      const ch = this.text[this.pos];
      if (ch === ']') {
        this.pos++;
        return { array };
      }
      if (ch !== ',') this.fail('comma or array end', this.tokenName());
      this.pos++;
    }
  }

  private string(): string {
    this.pos++;
    let out = '';
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined)
        throw new JsonEncodeError(`Expected value but found invalid token at character ${this.pos + 1}`);
      this.pos++;
      if (ch === '"') return out;
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const esc = this.text[this.pos++];
      const simple: Record<string, string> = {
        '"': '"',
        '\\': '\\',
        '/': '/',
        b: '\b',
        f: '\f',
        n: '\n',
        r: '\r',
        t: '\t',
      };
      if (esc !== undefined && simple[esc] !== undefined) {
        out += simple[esc];
      } else if (esc === 'u') {
        let code = parseInt(this.text.slice(this.pos, this.pos + 4), 16);
        this.pos += 4;
        if (code >= 0xd800 && code <= 0xdbff && this.text.startsWith('\\u', this.pos)) {
          const low = parseInt(this.text.slice(this.pos + 2, this.pos + 6), 16);
          this.pos += 6;
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        }
        // UTF-8 bytes, as byte-string chars.
        out += String.fromCharCode(...new TextEncoder().encode(String.fromCodePoint(code)));
      } else {
        throw new JsonEncodeError(`Expected value but found invalid escape code at character ${this.pos}`);
      }
    }
  }
}

function cjsonLib(): Record<string, LuaCFunction> {
  const cfg: CjsonConfig = {
    encodeMaxDepth: 1000,
    decodeMaxDepth: 1000,
    encodeInvalidNumbers: false,
    decodeInvalidNumbers: true,
    sparseRatio: 2,
    sparseSafe: 10,
    sparseConvert: false,
    keepBuffer: true,
    numberPrecision: 14,
  };
  const { lua, lauxlib } = fengari();
  const numberSetting =
    (key: 'encodeMaxDepth' | 'decodeMaxDepth' | 'numberPrecision'): LuaCFunction =>
    (L) => {
      if (lua.lua_gettop(L) >= 1 && lua.lua_type(L, 1) !== lua.LUA_TNIL) cfg[key] = lauxlib.luaL_checkinteger(L, 1);
      lua.lua_pushinteger(L, cfg[key]);
      return 1;
    };
  const boolSetting =
    (key: 'encodeInvalidNumbers' | 'decodeInvalidNumbers' | 'keepBuffer'): LuaCFunction =>
    (L) => {
      if (lua.lua_gettop(L) >= 1) {
        const arg =
          lua.lua_type(L, 1) === lua.LUA_TSTRING ? fromLua(lua.lua_tolstring(L, 1)!) : lua.lua_toboolean(L, 1);
        cfg[key] = arg === true || arg === 'on' || arg === 'null';
      }
      lua.lua_pushboolean(L, cfg[key]);
      return 1;
    };
  return {
    encode: (L) => {
      if (lua.lua_gettop(L) !== 1) raiseLuaError(L, "bad argument #1 to 'encode' (expected 1 argument)");
      let text: string;
      try {
        const value = readLuaValue(L, 1, cfg.encodeMaxDepth + 1, (depth) => {
          throw new JsonEncodeError(`Cannot serialise, excessive nesting (${depth})`);
        });
        text = jsonEncode(value, cfg, 1);
      } catch (err) {
        if (err instanceof JsonEncodeError) raiseLuaError(L, err.message);
        throw err;
      }
      const bytes = toLua(text);
      lua.lua_pushlstring(L, bytes, bytes.length);
      return 1;
    },
    decode: (L) => {
      if (lua.lua_gettop(L) !== 1) raiseLuaError(L, "bad argument #1 to 'decode' (expected 1 argument)");
      const text = fromLua(lauxlib.luaL_checklstring(L, 1));
      let value: PushValue;
      try {
        value = new JsonDecoder(text, cfg).decode();
      } catch (err) {
        if (err instanceof JsonEncodeError) raiseLuaError(L, err.message);
        throw err;
      }
      pushLuaValue(L, value);
      return 1;
    },
    encode_max_depth: numberSetting('encodeMaxDepth'),
    decode_max_depth: numberSetting('decodeMaxDepth'),
    encode_number_precision: numberSetting('numberPrecision'),
    encode_invalid_numbers: boolSetting('encodeInvalidNumbers'),
    decode_invalid_numbers: boolSetting('decodeInvalidNumbers'),
    encode_keep_buffer: boolSetting('keepBuffer'),
    encode_sparse_array: (L) => {
      if (lua.lua_gettop(L) >= 1) cfg.sparseConvert = lua.lua_toboolean(L, 1);
      if (lua.lua_gettop(L) >= 2) cfg.sparseRatio = lauxlib.luaL_checkinteger(L, 2);
      if (lua.lua_gettop(L) >= 3) cfg.sparseSafe = lauxlib.luaL_checkinteger(L, 3);
      lua.lua_pushboolean(L, cfg.sparseConvert);
      lua.lua_pushinteger(L, cfg.sparseRatio);
      lua.lua_pushinteger(L, cfg.sparseSafe);
      return 3;
    },
  };
}

// ------------------------------------------------------------------ cmsgpack

/** lua-cmsgpack's LUACMSGPACK_MAX_NESTING: deeper tables are encoded as nil. */
const MSGPACK_MAX_NESTING = 16;

class MsgpackWriter {
  private chunks: string[] = [];

  bytes(...values: number[]): void {
    this.chunks.push(String.fromCharCode(...values));
  }

  raw(s: string): void {
    this.chunks.push(s);
  }

  /** A type byte followed by a big-endian unsigned integer of `width` bytes. */
  typed(type: number, n: number, width: number): void {
    this.bytes(type);
    this.uint(n, width);
  }

  uint(n: number, width: number): void {
    let s = '';
    for (let i = width - 1; i >= 0; i--) s += String.fromCharCode(Number((BigInt(n) >> BigInt(8 * i)) & 0xffn));
    this.chunks.push(s);
  }

  result(): string {
    return this.chunks.join('');
  }
}

function msgpackEncode(w: MsgpackWriter, v: LuaValue): void {
  if (v === null || (typeof v === 'object' && v.kind === 'opaque')) {
    w.bytes(0xc0);
  } else if (typeof v === 'boolean') {
    w.bytes(v ? 0xc3 : 0xc2);
  } else if (typeof v === 'string') {
    const len = v.length;
    if (len < 32) w.bytes(0xa0 | len);
    else if (len <= 0xff) w.bytes(0xd9, len);
    else if (len <= 0xffff) {
      w.bytes(0xda);
      w.uint(len, 2);
    } else {
      w.bytes(0xdb);
      w.uint(len, 4);
    }
    w.raw(v);
  } else if (v.kind === 'number') {
    const n = v.n;
    if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) {
      if (n >= 0) {
        if (n <= 127) w.bytes(n);
        else if (n <= 0xff) w.bytes(0xcc, n);
        else if (n <= 0xffff) w.typed(0xcd, n, 2);
        else if (n <= 0xffffffff) w.typed(0xce, n, 4);
        else w.typed(0xcf, n, 8);
      } else if (n >= -32) w.bytes(n & 0xff);
      else if (n >= -128) w.bytes(0xd0, n & 0xff);
      else if (n >= -32768) w.typed(0xd1, n & 0xffff, 2);
      else if (n >= -2147483648) w.typed(0xd2, n >>> 0, 4);
      else {
        w.bytes(0xd3);
        w.uint(Number(BigInt.asUintN(64, BigInt(n)) >> 32n), 4);
        w.uint(Number(BigInt.asUintN(32, BigInt(n))), 4);
      }
    } else if (Math.fround(n) === n) {
      const buf = new DataView(new ArrayBuffer(4));
      buf.setFloat32(0, n);
      w.bytes(0xca, ...new Uint8Array(buf.buffer));
    } else {
      const buf = new DataView(new ArrayBuffer(8));
      buf.setFloat64(0, n);
      w.bytes(0xcb, ...new Uint8Array(buf.buffer));
    }
  } else {
    // table_is_an_array(): only positive integer keys, as many as the largest.
    let max = 0;
    let count = 0;
    let isArray = true;
    for (const [k] of v.pairs) {
      if (k !== null && typeof k === 'object' && k.kind === 'number' && Number.isInteger(k.n) && k.n >= 1) {
        max = Math.max(max, k.n);
        count++;
      } else {
        isArray = false;
        break;
      }
    }
    if (isArray && max === count) {
      const byIndex = new Map<number, LuaValue>();
      for (const [k, item] of v.pairs) byIndex.set((k as { n: number }).n, item);
      if (max <= 15) w.bytes(0x90 | max);
      else if (max <= 0xffff) w.typed(0xdc, max, 2);
      else w.typed(0xdd, max, 4);
      for (let i = 1; i <= max; i++) msgpackEncode(w, byIndex.get(i) ?? null);
    } else {
      const n = v.pairs.length;
      if (n <= 15) w.bytes(0x80 | n);
      else if (n <= 0xffff) w.typed(0xde, n, 2);
      else w.typed(0xdf, n, 4);
      for (const [k, item] of v.pairs) {
        msgpackEncode(w, k);
        msgpackEncode(w, item);
      }
    }
  }
}

class MsgpackTruncated extends Error {}

class MsgpackReader {
  constructor(
    private readonly s: string,
    public pos: number,
  ) {}

  private need(n: number): void {
    if (this.pos + n > this.s.length) throw new MsgpackTruncated();
  }

  private uint(n: number): number {
    this.need(n);
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(this.s.charCodeAt(this.pos++));
    return Number(v);
  }

  private int(n: number): number {
    const u = BigInt(this.uint(n));
    return Number(BigInt.asIntN(n * 8, u));
  }

  private str(n: number): string {
    this.need(n);
    const out = this.s.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private float(n: 4 | 8): number {
    this.need(n);
    const view = new DataView(new ArrayBuffer(n));
    for (let i = 0; i < n; i++) view.setUint8(i, this.s.charCodeAt(this.pos++));
    return n === 4 ? view.getFloat32(0) : view.getFloat64(0);
  }

  private array(n: number): PushValue {
    const array: PushValue[] = [];
    for (let i = 0; i < n; i++) array.push(this.value());
    return { array };
  }

  private map(n: number): PushValue {
    const map: [PushValue, PushValue][] = [];
    for (let i = 0; i < n; i++) map.push([this.value(), this.value()]);
    return { map };
  }

  value(): PushValue {
    const t = this.uint(1);
    if (t <= 0x7f) return t;
    if (t >= 0xe0) return t - 256;
    if ((t & 0xe0) === 0xa0) return this.str(t & 0x1f);
    if ((t & 0xf0) === 0x90) return this.array(t & 0x0f);
    if ((t & 0xf0) === 0x80) return this.map(t & 0x0f);
    switch (t) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xca:
        return this.float(4);
      case 0xcb:
        return this.float(8);
      case 0xcc:
        return this.uint(1);
      case 0xcd:
        return this.uint(2);
      case 0xce:
        return this.uint(4);
      case 0xcf:
        return this.uint(8);
      case 0xd0:
        return this.int(1);
      case 0xd1:
        return this.int(2);
      case 0xd2:
        return this.int(4);
      case 0xd3:
        return this.int(8);
      case 0xc4:
      case 0xd9:
        return this.str(this.uint(1));
      case 0xc5:
      case 0xda:
        return this.str(this.uint(2));
      case 0xc6:
      case 0xdb:
        return this.str(this.uint(4));
      case 0xdc:
        return this.array(this.uint(2));
      case 0xdd:
        return this.array(this.uint(4));
      case 0xde:
        return this.map(this.uint(2));
      case 0xdf:
        return this.map(this.uint(4));
      default:
        return null;
    }
  }
}

function cmsgpackLib(): Record<string, LuaCFunction> {
  const { lua, lauxlib } = fengari();
  const unpack = (L: LuaState, limit: number, offset: number): { values: PushValue[]; offset: number } => {
    const s = fromLua(lauxlib.luaL_checklstring(L, 1));
    if (offset < 0 || limit < 0)
      raiseLuaError(L, `Invalid request to unpack with offset of ${offset} and limit of ${limit}.`);
    if (offset > s.length) raiseLuaError(L, `Start offset ${offset} greater than input length ${s.length}.`);
    const reader = new MsgpackReader(s, offset);
    const values: PushValue[] = [];
    try {
      while (reader.pos < s.length && (limit === 0 || values.length < limit)) values.push(reader.value());
    } catch (err) {
      if (err instanceof MsgpackTruncated) raiseLuaError(L, 'Missing bytes in input.');
      throw err;
    }
    return { values, offset: reader.pos >= s.length ? -1 : reader.pos };
  };
  return {
    pack: (L) => {
      const top = lua.lua_gettop(L);
      if (top === 0) raiseLuaError(L, 'MessagePack pack needs input.');
      const w = new MsgpackWriter();
      for (let i = 1; i <= top; i++)
        msgpackEncode(
          w,
          readLuaValue(L, i, MSGPACK_MAX_NESTING, () => null),
        );
      const bytes = toLua(w.result());
      lua.lua_pushlstring(L, bytes, bytes.length);
      return 1;
    },
    unpack: (L) => {
      const { values } = unpack(L, 0, 0);
      for (const v of values) pushLuaValue(L, v);
      return values.length;
    },
    unpack_one: (L) => {
      const offset = lua.lua_gettop(L) >= 2 ? lauxlib.luaL_checkinteger(L, 2) : 0;
      const result = unpack(L, 1, offset);
      pushNumber(L, result.offset);
      for (const v of result.values) pushLuaValue(L, v);
      return 1 + result.values.length;
    },
    unpack_limit: (L) => {
      const limit = lua.lua_gettop(L) >= 2 ? lauxlib.luaL_checkinteger(L, 2) : 0;
      const offset = lua.lua_gettop(L) >= 3 ? lauxlib.luaL_checkinteger(L, 3) : 0;
      const result = unpack(L, limit, offset);
      pushNumber(L, result.offset);
      for (const v of result.values) pushLuaValue(L, v);
      return 1 + result.values.length;
    },
  };
}

/** Registers bit, cjson and cmsgpack as globals. */
export function openRedisLibs(L: LuaState): void {
  registerLib(L, 'bit', BIT_LIB);
  registerLib(L, 'cjson', cjsonLib());
  const { lua } = fengari();
  lua.lua_getglobal(L, lit('cjson'));
  lua.lua_pushlightuserdata(L, JSON_NULL);
  lua.lua_setfield(L, -2, lit('null'));
  lua.lua_pop(L, 1);
  registerLib(L, 'cmsgpack', cmsgpackLib());
}
