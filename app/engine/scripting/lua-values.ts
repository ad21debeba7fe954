/**
 * Lua values as plain JS data, for the libraries written in JS (cjson, cmsgpack):
 * they read a Lua value into this shape, encode it, and push decoded data back.
 */
import { fengari, fromLua, toLua, type LuaState } from './fengari.js';

/** A Lua table: its pairs in Lua's iteration order. */
export interface LuaTableValue {
  kind: 'table';
  pairs: [LuaValue, LuaValue][];
}

/** Lua numbers keep their subtype: `integer` is a Lua integer, otherwise a float. */
export interface LuaNumberValue {
  kind: 'number';
  n: number;
  integer: boolean;
}

/** cjson.null and other light userdata / functions: values JSON/msgpack cannot carry. */
export interface LuaOpaqueValue {
  kind: 'opaque';
  type: number;
  isNullSentinel: boolean;
}

export type LuaValue = null | boolean | string | LuaNumberValue | LuaTableValue | LuaOpaqueValue;

/** The light userdata cjson.null is. */
export const JSON_NULL = { jsonNull: true };

/**
 * Reads the value at `idx`. Tables deeper than `maxDepth` are read as `tooDeep`
 * returns (cmsgpack encodes nil there; cjson raises its nesting error).
 */
export function readLuaValue(
  L: LuaState,
  idx: number,
  maxDepth: number,
  tooDeep: (depth: number) => LuaValue,
): LuaValue {
  const { lua } = fengari();
  const read = (index: number, depth: number): LuaValue => {
    const type = lua.lua_type(L, index);
    if (type === lua.LUA_TNIL) return null;
    if (type === lua.LUA_TBOOLEAN) return lua.lua_toboolean(L, index);
    if (type === lua.LUA_TNUMBER) {
      const integer = lua.lua_isinteger(L, index);
      return { kind: 'number', n: integer ? lua.lua_tointeger(L, index) : lua.lua_tonumber(L, index), integer };
    }
    if (type === lua.LUA_TSTRING) return fromLua(lua.lua_tolstring(L, index)!);
    if (type === lua.LUA_TTABLE) {
      if (depth > maxDepth) return tooDeep(depth);
      const abs = lua.lua_absindex(L, index);
      const pairs: [LuaValue, LuaValue][] = [];
      lua.lua_checkstack(L, 3);
      lua.lua_pushnil(L);
      while (lua.lua_next(L, abs)) {
        const key = read(-2, depth + 1);
        const value = read(-1, depth + 1);
        pairs.push([key, value]);
        lua.lua_pop(L, 1);
      }
      return { kind: 'table', pairs };
    }
    return { kind: 'opaque', type, isNullSentinel: lua.lua_topointer(L, index) === JSON_NULL };
  };
  return read(idx, 1);
}

/** Pushes decoded data: arrays become 1-based tables, objects/maps tables keyed by their keys. */
export type PushValue =
  null | boolean | number | string | typeof JSON_NULL | { array: PushValue[] } | { map: [PushValue, PushValue][] };

export function pushLuaValue(L: LuaState, value: PushValue): void {
  const { lua } = fengari();
  if (!lua.lua_checkstack(L, 3)) throw new Error('lua stack overflow');
  if (value === null) lua.lua_pushnil(L);
  else if (typeof value === 'boolean') lua.lua_pushboolean(L, value);
  else if (typeof value === 'number') pushNumber(L, value);
  else if (typeof value === 'string') {
    const bytes = toLua(value);
    lua.lua_pushlstring(L, bytes, bytes.length);
  } else if (value === JSON_NULL) lua.lua_pushlightuserdata(L, JSON_NULL);
  else if ('array' in value) {
    lua.lua_createtable(L, value.array.length, 0);
    value.array.forEach((item, i) => {
      pushLuaValue(L, item);
      lua.lua_rawseti(L, -2, i + 1);
    });
  } else if ('map' in value) {
    lua.lua_createtable(L, 0, value.map.length);
    for (const [k, v] of value.map) {
      pushLuaValue(L, k);
      pushLuaValue(L, v);
      // A nil key cannot be stored; skip it as Lua would refuse it.
      if (lua.lua_type(L, -2) === lua.LUA_TNIL) lua.lua_pop(L, 2);
      else lua.lua_rawset(L, -3);
    }
  }
}

/**
 * Redis's Lua 5.1 has only doubles and prints 3.0 as "3". Integral values that fit
 * fengari's 32-bit integers are pushed as integers so scripts print them the same way.
 */
export function pushNumber(L: LuaState, n: number): void {
  const { lua } = fengari();
  if (Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 && !Object.is(n, -0)) lua.lua_pushinteger(L, n);
  else lua.lua_pushnumber(L, n);
}
