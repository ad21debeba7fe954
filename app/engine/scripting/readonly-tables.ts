/**
 * Readonly tables, as Redis's patched Lua has them (lua_enablereadonlytable): any
 * store into a flagged table raises "Attempt to modify a readonly table". fengari
 * stores every table field through ltable.luaH_setfrom(), looked up on the module
 * object at each call, so wrapping that one function covers assignments, rawset()
 * and the C API. Tables built by constructors (luaH_setint) are always new ones.
 */
import { fengari, lit, type LuaState } from './fengari.js';

let installed = false;

export function installReadonlyTables(): void {
  if (installed) return;
  installed = true;
  const { ltable, ldebug } = fengari().internals;
  const setfrom = ltable.luaH_setfrom;
  ltable.luaH_setfrom = (L, t, key, value) => {
    if (t.readonly) ldebug.luaG_runerror(L, lit('Attempt to modify a readonly table'));
    setfrom(L, t, key, value);
  };
}

export function setTableReadonly(L: LuaState, idx: number, readonly: boolean): void {
  const table = fengari().internals.tableAt(L, idx);
  if (table) table.readonly = readonly;
}

export function protectTable(L: LuaState, idx: number): void {
  setTableReadonly(L, idx, true);
}

/** luaSetTableProtectionRecursively(): the table on the top, every table in it, and their metatables. */
export function protectTableRecursively(L: LuaState): void {
  const { lua, internals } = fengari();
  const table = internals.tableAt(L, -1);
  if (!table || table.readonly) return;
  table.readonly = true;
  lua.lua_checkstack(L, 2);
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    if (lua.lua_type(L, -1) === lua.LUA_TTABLE) protectTableRecursively(L);
    lua.lua_pop(L, 1);
  }
  if (lua.lua_getmetatable(L, -1)) {
    protectTableRecursively(L);
    lua.lua_pop(L, 1);
  }
}
