/**
 * Lua values <-> RESP, exactly as script_lua.c converts them:
 * redisProtocolToLuaType() for what redis.call() returns (pushReply), and
 * luaReplyToRedisReply() for what a script returns (replyFromLua); plus the
 * error tables Redis uses between them (luaPushErrorBuff, luaExtractErrorInformation).
 */
import type { Client } from '../client.js';
import { fengari, fromLua, lit, toLua, type LuaState } from './fengari.js';
import { pushNumber } from './lua-values.js';

/**
 * Field names used on every call, kept as Lua strings in the registry: pushing a
 * kept string reuses its hash, where lua_setfield() would build and hash a new one
 * each time (fengari hashes strings in JS, byte by byte).
 */
export const KEY_SLOTS = {
  ok: 20,
  err: 21,
  double: 22,
  big_number: 23,
  verbatim_string: 24,
  map: 25,
  set: 26,
  format: 27,
  string: 28,
  ignore_error_stats_update: 29,
  KEYS: 30,
  ARGV: 31,
} as const;
export type CachedKey = keyof typeof KEY_SLOTS;

export function storeCachedKeys(L: LuaState): void {
  const { lua } = fengari();
  for (const [name, slot] of Object.entries(KEY_SLOTS)) {
    lua.lua_pushstring(L, lit(name));
    lua.lua_rawseti(L, lua.LUA_REGISTRYINDEX, slot);
  }
}

/** t[name] = value, for the table below the value on the top of the stack (pops the value). */
export function setKey(L: LuaState, name: CachedKey): void {
  const { lua } = fengari();
  lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, KEY_SLOTS[name]);
  lua.lua_insert(L, -2);
  lua.lua_rawset(L, -3);
}

/**
 * luaPushErrorBuff(): `-CODE msg` keeps its code, a bare message gets ERR; the
 * result is a table whose `err` field holds "CODE msg".
 */
export function pushErrorTable(L: LuaState, text: string): void {
  const { lua } = fengari();
  let code = 'ERR';
  let msg = text;
  if (text.startsWith('-')) {
    const space = text.indexOf(' ');
    if (space === -1) msg = text.slice(1);
    else {
      code = text.slice(1, space);
      msg = text.slice(space + 1);
    }
  }
  msg = msg.replace(/^[\r\n]+|[\r\n]+$/g, '');
  lua.lua_newtable(L);
  const bytes = toLua(`${code} ${msg}`);
  lua.lua_pushlstring(L, bytes, bytes.length);
  setKey(L, 'err');
}

/** luaPushError() + luaError(): raises the error table. */
export function raiseErrorTable(L: LuaState, text: string): number {
  pushErrorTable(L, text);
  return fengari().lua.lua_error(L);
}

export interface ErrorInfo {
  msg: string;
  source?: string;
  line?: string;
  ignoreStats: boolean;
}

/** luaExtractErrorInformation(). */
export function errorInfo(L: LuaState, idx: number): ErrorInfo {
  const { lua } = fengari();
  const t = lua.lua_absindex(L, idx);
  const field = (name: string): string | undefined => {
    lua.lua_getfield(L, t, lit(name));
    const value = lua.lua_isstring(L, -1) ? fromLua(lua.lua_tolstring(L, -1)!) : undefined;
    lua.lua_pop(L, 1);
    return value;
  };
  lua.lua_getfield(L, t, lit('ignore_error_stats_update'));
  const ignoreStats = lua.lua_type(L, -1) === lua.LUA_TBOOLEAN && lua.lua_toboolean(L, -1);
  lua.lua_pop(L, 1);
  return { msg: field('err') ?? '', source: field('source'), line: field('line'), ignoreStats };
}

/** An error value's text: the `err` field of a table, or the string itself. */
export function errorMessageAt(L: LuaState, idx: number): string {
  const { lua } = fengari();
  if (lua.lua_type(L, idx) === lua.LUA_TTABLE) return errorInfo(L, idx).msg;
  if (lua.lua_isstring(L, idx)) return 'ERR ' + fromLua(lua.lua_tolstring(L, idx)!);
  return 'ERR unknown error';
}

/** addReplyErrorFormatEx with ERR_REPLY_FLAG_NO_STATS_UPDATE: already counted when it happened. */
export function replyError(c: Client, text: string, ignoreStats: boolean): void {
  if (!ignoreStats) {
    c.error(text);
    return;
  }
  c.raw('-' + text.replace(/[\r\n]/g, ' ') + '\r\n');
  // ERR_REPLY_FLAG_NO_STATS_UPDATE still counts the command as failed.
  c.commandFailed = true;
}

// ------------------------------------------------------------ RESP -> Lua

/** redisProtocolToLuaType(): pushes the value of one complete RESP reply. */
export function pushReply(L: LuaState, reply: string): void {
  const parser = { s: reply, pos: 0 };
  pushRespValue(L, parser);
}

function readLine(p: { s: string; pos: number }): string {
  const end = p.s.indexOf('\r\n', p.pos);
  const line = p.s.slice(p.pos + 1, end);
  p.pos = end + 2;
  return line;
}

function pushBytes(L: LuaState, s: string): void {
  const bytes = toLua(s);
  fengari().lua.lua_pushlstring(L, bytes, bytes.length);
}

function pushRespValue(L: LuaState, p: { s: string; pos: number }): void {
  const { lua } = fengari();
  lua.lua_checkstack(L, 5);
  const type = p.s[p.pos];
  switch (type) {
    case ':':
      pushNumber(L, Number(readLine(p)));
      return;
    case '$': {
      const len = Number(readLine(p));
      if (len < 0) {
        lua.lua_pushboolean(L, false);
        return;
      }
      pushBytes(L, p.s.slice(p.pos, p.pos + len));
      p.pos += len + 2;
      return;
    }
    case '+': {
      lua.lua_newtable(L);
      pushBytes(L, readLine(p));
      setKey(L, 'ok');
      return;
    }
    case '-': {
      pushErrorTable(L, '-' + readLine(p));
      lua.lua_pushboolean(L, true);
      setKey(L, 'ignore_error_stats_update');
      return;
    }
    case '*':
    case '>': {
      const n = Number(readLine(p));
      if (n < 0) {
        lua.lua_pushboolean(L, false);
        return;
      }
      lua.lua_createtable(L, n, 0);
      for (let j = 1; j <= n; j++) {
        pushRespValue(L, p);
        lua.lua_rawseti(L, -2, j);
      }
      return;
    }
    case '%':
    case '~': {
      const n = Number(readLine(p));
      lua.lua_newtable(L);
      lua.lua_newtable(L);
      for (let j = 0; j < n; j++) {
        pushRespValue(L, p);
        if (type === '%') pushRespValue(L, p);
        else lua.lua_pushboolean(L, true);
        lua.lua_settable(L, -3);
      }
      setKey(L, type === '%' ? 'map' : 'set');
      return;
    }
    case '|': {
      // Attributes are not shown to scripts: skip them, then read the reply itself.
      const n = Number(readLine(p));
      for (let j = 0; j < n * 2; j++) {
        pushRespValue(L, p);
        lua.lua_pop(L, 1);
      }
      pushRespValue(L, p);
      return;
    }
    case '_':
      readLine(p);
      lua.lua_pushnil(L);
      return;
    case '#':
      lua.lua_pushboolean(L, readLine(p) === 't');
      return;
    case ',': {
      const text = readLine(p);
      lua.lua_newtable(L);
      lua.lua_pushnumber(L, text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text));
      setKey(L, 'double');
      return;
    }
    case '(': {
      lua.lua_newtable(L);
      pushBytes(L, readLine(p));
      setKey(L, 'big_number');
      return;
    }
    case '=': {
      const len = Number(readLine(p));
      const body = p.s.slice(p.pos, p.pos + len);
      p.pos += len + 2;
      lua.lua_newtable(L);
      lua.lua_newtable(L);
      pushBytes(L, body.slice(4));
      setKey(L, 'string');
      pushBytes(L, body.slice(0, 3));
      setKey(L, 'format');
      setKey(L, 'verbatim_string');
      return;
    }
    default:
      throw new Error(`unexpected reply type '${type}' from a command run by a script`);
  }
}

// ------------------------------------------------------------ Lua -> reply

function rawField(L: LuaState, t: number, name: CachedKey): number {
  const { lua } = fengari();
  lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, KEY_SLOTS[name]);
  return lua.lua_rawget(L, t);
}

const MAX_REPLY_DEPTH = 200;

/** luaReplyToRedisReply(): writes the value on the top of the stack to `c`, and pops it. */
export function replyFromLua(L: LuaState, c: Client, scriptResp: 2 | 3, depth: number): void {
  const { lua } = fengari();
  // Redis's Lua runs out of C stack (LUAI_MAXCCALLS) on deeply nested tables: the same error here.
  if (depth > MAX_REPLY_DEPTH || !lua.lua_checkstack(L, 4)) {
    c.error('ERR reached lua stack limit');
    lua.lua_pop(L, 1);
    return;
  }
  const type = lua.lua_type(L, -1);
  if (type === lua.LUA_TSTRING) {
    c.bulk(fromLua(lua.lua_tolstring(L, -1)!));
  } else if (type === lua.LUA_TBOOLEAN) {
    const b = lua.lua_toboolean(L, -1);
    if (scriptResp === 2) {
      if (b) c.integer(1);
      else c.null();
    } else c.bool(b);
  } else if (type === lua.LUA_TNUMBER) {
    c.integer(luaNumberToInteger(L, -1));
  } else if (type === lua.LUA_TTABLE) {
    const t = lua.lua_absindex(L, -1);
    if (rawField(L, t, 'err') === lua.LUA_TSTRING) {
      lua.lua_pop(L, 1);
      const info = errorInfo(L, t);
      replyError(c, info.msg, info.ignoreStats);
      lua.lua_pop(L, 1);
      return;
    }
    lua.lua_pop(L, 1);
    if (rawField(L, t, 'ok') === lua.LUA_TSTRING) {
      c.simple(fromLua(lua.lua_tolstring(L, -1)!).replace(/[\r\n]/g, ' '));
      lua.lua_pop(L, 2);
      return;
    }
    lua.lua_pop(L, 1);
    if (rawField(L, t, 'double') === lua.LUA_TNUMBER) {
      c.double(lua.lua_tonumber(L, -1));
      lua.lua_pop(L, 2);
      return;
    }
    lua.lua_pop(L, 1);
    if (rawField(L, t, 'big_number') === lua.LUA_TSTRING) {
      c.bigNumber(fromLua(lua.lua_tolstring(L, -1)!).replace(/[\r\n]/g, ' '));
      lua.lua_pop(L, 2);
      return;
    }
    lua.lua_pop(L, 1);
    if (rawField(L, t, 'verbatim_string') === lua.LUA_TTABLE) {
      const v = lua.lua_absindex(L, -1);
      if (rawField(L, v, 'format') === lua.LUA_TSTRING) {
        const format = fromLua(lua.lua_tolstring(L, -1)!);
        if (rawField(L, v, 'string') === lua.LUA_TSTRING) {
          c.verbatim(fromLua(lua.lua_tolstring(L, -1)!), format.slice(0, 3));
          lua.lua_pop(L, 4);
          return;
        }
        lua.lua_pop(L, 1);
      }
      lua.lua_pop(L, 1);
    }
    lua.lua_pop(L, 1);
    if (rawField(L, t, 'map') === lua.LUA_TTABLE) {
      const m = lua.lua_absindex(L, -1);
      const start = c.out.length;
      let n = 0;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, m)) {
        lua.lua_pushvalue(L, -2);
        replyFromLua(L, c, scriptResp, depth + 1);
        replyFromLua(L, c, scriptResp, depth + 1);
        n++;
      }
      insertLength(c, start, () => c.mapLen(n));
      lua.lua_pop(L, 2);
      return;
    }
    lua.lua_pop(L, 1);
    if (rawField(L, t, 'set') === lua.LUA_TTABLE) {
      const s = lua.lua_absindex(L, -1);
      const start = c.out.length;
      let n = 0;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, s)) {
        lua.lua_pop(L, 1);
        lua.lua_pushvalue(L, -1);
        replyFromLua(L, c, scriptResp, depth + 1);
        n++;
      }
      insertLength(c, start, () => c.setLen(n));
      lua.lua_pop(L, 2);
      return;
    }
    lua.lua_pop(L, 1);
    const start = c.out.length;
    let n = 0;
    for (let j = 1; ; j++) {
      if (lua.lua_rawgeti(L, t, j) === lua.LUA_TNIL) {
        lua.lua_pop(L, 1);
        break;
      }
      replyFromLua(L, c, scriptResp, depth + 1);
      n++;
    }
    insertLength(c, start, () => c.arrayLen(n));
  } else {
    c.null();
  }
  lua.lua_pop(L, 1);
}

/** addReplyDeferredLen(): the length header goes before the elements already written. */
function insertLength(c: Client, start: number, writeHeader: () => void): void {
  const body = c.out.slice(start);
  c.out = c.out.slice(0, start);
  writeHeader();
  c.out += body;
}

/** (long long)lua_tonumber(): truncation toward zero. */
function luaNumberToInteger(L: LuaState, idx: number): number | bigint {
  const { lua } = fengari();
  if (lua.lua_isinteger(L, idx)) return lua.lua_tointeger(L, idx);
  const n = lua.lua_tonumber(L, idx);
  if (!Number.isFinite(n)) return n > 0 ? 9223372036854775807n : -9223372036854775808n;
  const truncated = Math.trunc(n);
  if (Math.abs(truncated) < Number.MAX_SAFE_INTEGER) return truncated;
  return BigInt.asIntN(64, BigInt(truncated));
}
