/**
 * The Lua VM: fengari (Lua 5.3 in plain JavaScript, synchronous), loaded on first
 * use. Requiring it costs about 11 MB of RSS, so an engine that never runs a script
 * never pays for it (see README.md). Only the C API subset the scripting code uses
 * is typed here; fengari ships no type declarations.
 *
 * Lua strings are byte arrays (Uint8Array). The engine's strings are byte strings
 * (one char per byte), so every crossing goes through toLua()/fromLua() and never
 * through fengari's UTF-8 helpers.
 */

/** An opaque lua_State. */
export type LuaState = { readonly __luaState: unique symbol };
export type LuaCFunction = (L: LuaState) => number;
export type LuaHook = (L: LuaState, ar: unknown) => void;

export interface LuaApi {
  LUA_OK: number;
  LUA_TNIL: number;
  LUA_TBOOLEAN: number;
  LUA_TNUMBER: number;
  LUA_TSTRING: number;
  LUA_TTABLE: number;
  LUA_TFUNCTION: number;
  LUA_REGISTRYINDEX: number;
  LUA_MULTRET: number;
  LUA_MASKCOUNT: number;
  LUA_MASKLINE: number;
  lua_absindex(L: LuaState, idx: number): number;
  lua_call(L: LuaState, nargs: number, nresults: number): void;
  lua_checkstack(L: LuaState, n: number): boolean;
  lua_createtable(L: LuaState, narr: number, nrec: number): void;
  lua_error(L: LuaState): number;
  lua_gc(L: LuaState, what: number, data: number): number;
  lua_getfield(L: LuaState, idx: number, k: Uint8Array): number;
  lua_getglobal(L: LuaState, name: Uint8Array): number;
  lua_getmetatable(L: LuaState, idx: number): boolean;
  lua_gettop(L: LuaState): number;
  lua_insert(L: LuaState, idx: number): void;
  lua_isinteger(L: LuaState, idx: number): boolean;
  lua_isnumber(L: LuaState, idx: number): boolean;
  lua_isstring(L: LuaState, idx: number): boolean;
  lua_newtable(L: LuaState): void;
  lua_next(L: LuaState, idx: number): boolean;
  lua_pcall(L: LuaState, nargs: number, nresults: number, errfunc: number): number;
  lua_pop(L: LuaState, n: number): void;
  lua_pushboolean(L: LuaState, b: boolean | number): void;
  lua_pushcfunction(L: LuaState, fn: LuaCFunction): void;
  lua_pushinteger(L: LuaState, n: number): void;
  lua_pushlstring(L: LuaState, s: Uint8Array, len: number): void;
  lua_pushnil(L: LuaState): void;
  lua_pushlightuserdata(L: LuaState, p: unknown): void;
  lua_pushnumber(L: LuaState, n: number): void;
  lua_pushstring(L: LuaState, s: Uint8Array): void;
  lua_pushvalue(L: LuaState, idx: number): void;
  lua_rawget(L: LuaState, idx: number): number;
  lua_rawgeti(L: LuaState, idx: number, n: number): number;
  lua_rawlen(L: LuaState, idx: number): number;
  lua_rawset(L: LuaState, idx: number): void;
  lua_rawseti(L: LuaState, idx: number, n: number): void;
  lua_remove(L: LuaState, idx: number): void;
  lua_setfield(L: LuaState, idx: number, k: Uint8Array): void;
  lua_setglobal(L: LuaState, name: Uint8Array): void;
  lua_sethook(L: LuaState, hook: LuaHook | null, mask: number, count: number): void;
  lua_setmetatable(L: LuaState, idx: number): void;
  lua_settable(L: LuaState, idx: number): void;
  lua_settop(L: LuaState, idx: number): void;
  lua_toboolean(L: LuaState, idx: number): boolean;
  lua_tointeger(L: LuaState, idx: number): number;
  lua_tolstring(L: LuaState, idx: number): Uint8Array | null;
  lua_tonumber(L: LuaState, idx: number): number;
  lua_type(L: LuaState, idx: number): number;
  lua_newthread(L: LuaState): LuaState;
  lua_status(L: LuaState): number;
  lua_resume(L: LuaState, from: LuaState | null, nargs: number): number;
  lua_yield(L: LuaState, nresults: number): number;
  lua_isyieldable(L: LuaState): boolean;
  lua_xmove(from: LuaState, to: LuaState, n: number): void;
  LUA_YIELD: number;
  lua_topointer(L: LuaState, idx: number): unknown;
}

export interface LauxApi {
  luaL_newstate(): LuaState;
  luaL_loadbufferx(L: LuaState, buff: Uint8Array, size: number, name: Uint8Array, mode: Uint8Array | null): number;
  luaL_requiref(L: LuaState, name: Uint8Array, open: LuaCFunction, global: number): void;
  luaL_error(L: LuaState, fmt: Uint8Array, ...args: unknown[]): number;
  luaL_checkinteger(L: LuaState, arg: number): number;
  luaL_checknumber(L: LuaState, arg: number): number;
  luaL_checklstring(L: LuaState, arg: number): Uint8Array;
  luaL_checkstack(L: LuaState, n: number, msg: Uint8Array | null): void;
  luaL_argerror(L: LuaState, arg: number, msg: Uint8Array): number;
  luaL_tolstring(L: LuaState, idx: number): Uint8Array;
}

export interface LibOpeners {
  luaopen_base: LuaCFunction;
  luaopen_table: LuaCFunction;
  luaopen_string: LuaCFunction;
  luaopen_math: LuaCFunction;
  luaopen_debug: LuaCFunction;
  luaopen_coroutine: LuaCFunction;
}

/** fengari's table object: the readonly flag is ours (see readonly-tables.ts). */
export interface FengariTable {
  readonly?: boolean;
  metatable: FengariTable | null;
}

export interface FengariInternals {
  ltable: {
    luaH_setfrom: (L: LuaState, t: FengariTable, key: unknown, value: unknown) => void;
    luaH_setint: (t: FengariTable, key: number, value: unknown) => void;
  };
  ldebug: { luaG_runerror: (L: LuaState, fmt: Uint8Array, ...args: unknown[]) => never };
  /** The table object at a stack index. */
  tableAt: (L: LuaState, idx: number) => FengariTable | undefined;
}

export interface Fengari {
  lua: LuaApi;
  lauxlib: LauxApi;
  lualib: LibOpeners;
  internals: FengariInternals;
}

let loaded: Fengari | undefined;

/** fengari's modules, required on first use (synchronously: scripts run inside a command). */
export function fengari(): Fengari {
  if (loaded) return loaded;
  // A plain require() keeps the load lazy in both the esbuild/electron-vite CJS bundle
  // and Vitest; an ESM import would load fengari at engine start.
  /* eslint-disable @typescript-eslint/no-require-imports -- lazy load, see above */
  patchYieldablePcall(require('fengari/src/lapi.js') as LapiModule);
  // lualib first: loading ltablib before it trips a circular require inside fengari.
  require('fengari/src/lualib.js');
  const lua = require('fengari/src/lua.js') as LuaApi;
  const lauxlib = require('fengari/src/lauxlib.js') as LauxApi;
  const base = require('fengari/src/lbaselib.js') as Pick<LibOpeners, 'luaopen_base'>;
  const table = require('fengari/src/ltablib.js') as Pick<LibOpeners, 'luaopen_table'>;
  const string = require('fengari/src/lstrlib.js') as Pick<LibOpeners, 'luaopen_string'>;
  const math = require('fengari/src/lmathlib.js') as Pick<LibOpeners, 'luaopen_math'>;
  const debug = require('fengari/src/ldblib.js') as Pick<LibOpeners, 'luaopen_debug'>;
  const coroutine = require('fengari/src/lcorolib.js') as Pick<LibOpeners, 'luaopen_coroutine'>;
  const ltable = require('fengari/src/ltable.js') as FengariInternals['ltable'];
  const ldebug = require('fengari/src/ldebug.js') as FengariInternals['ldebug'];
  /* eslint-enable @typescript-eslint/no-require-imports */
  loaded = {
    lua,
    lauxlib,
    lualib: { ...base, ...table, ...string, ...math, ...debug, ...coroutine },
    internals: {
      ltable,
      ldebug,
      tableAt(L, idx) {
        return lua.lua_type(L, idx) === lua.LUA_TTABLE ? (lua.lua_topointer(L, idx) as FengariTable) : undefined;
      },
    },
  };
  return loaded;
}

interface LapiModule {
  lua_pcallk: (L: { allowhook: number; ci: { callstatus: number } }, ...rest: unknown[]) => number;
}

/**
 * fengari's lua_pcallk() clears CIST_OAH but never sets it (`&=` where C Lua
 * assigns), so an error caught by pcall() inside a coroutine leaves hooks disabled
 * for good: a killed or busy script could never be stopped again. Saving the bit
 * before the call fixes it. Must run before lua.js/lbaselib.js take the function.
 */
function patchYieldablePcall(lapi: LapiModule): void {
  const original = lapi.lua_pcallk;
  lapi.lua_pcallk = (L, ...rest) => {
    if (L.allowhook) L.ci.callstatus |= 1;
    else L.ci.callstatus &= ~1;
    return original(L, ...rest);
  };
}

/** A byte string as a Lua string. */
export function toLua(s: string): Uint8Array {
  const n = s.length;
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

/** A Lua string as a byte string. */
export function fromLua(bytes: Uint8Array): string {
  const n = bytes.length;
  if (n < 64) {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  let s = '';
  for (let i = 0; i < n; i += 8192) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(n, i + 8192)) as unknown as number[]);
  }
  return s;
}

const literals = new Map<string, Uint8Array>();

/** An ASCII name as a Lua string, cached (field names, messages). */
export function lit(s: string): Uint8Array {
  let bytes = literals.get(s);
  if (!bytes) literals.set(s, (bytes = toLua(s)));
  return bytes;
}
