/**
 * One Lua interpreter set up as Redis sets up its own (script_lua.c, eval.c,
 * function_lua.c): the libraries scripts may use, the `redis` API, a locked global
 * table, and the error handler that adds the script's source line to errors.
 * Redis keeps two: one for EVAL scripts and one for FUNCTION libraries; `mode` says which.
 * Conversions between Lua values and RESP are in conversions.ts.
 */
import { createHash } from 'node:crypto';
import type { Client } from '../client.js';
import { formatG17 } from '../../resp/writer.js';
import { fengari, fromLua, lit, toLua, type LuaCFunction, type LuaState } from './fengari.js';
import { openRedisLibs, raiseLuaError } from './lua-libs.js';
import {
  errorInfo,
  errorMessageAt,
  pushErrorTable,
  pushReply,
  raiseErrorTable,
  replyError,
  replyFromLua,
  setKey,
  storeCachedKeys,
} from './conversions.js';
import { protectTable, protectTableRecursively, installReadonlyTables, setTableReadonly } from './readonly-tables.js';

export type EngineMode = 'eval' | 'function';

/** What a running script needs from the server: redis.call() and the run's settings. */
export interface ScriptCallHost {
  /** Runs one command; returns its RESP reply, or `rejected` with Redis's error text. */
  call(argv: string[]): { reply: string } | { rejected: string };
  /** The RESP version redis.call() replies are produced in (redis.setresp). */
  resp: 2 | 3;
  /** redis.set_repl flags: 1 AOF, 2 replicas. */
  replFlags: number;
  log(level: number, message: string): void;
}

/** One script invocation. */
export interface ScriptRun {
  name: string;
  keys: readonly string[];
  args: readonly string[];
  host: ScriptCallHost;
  caller: Client;
  /** Called by the count hook: go on, give the event loop a turn, or abort (SCRIPT KILL). */
  onHook(): 'continue' | 'yield' | 'kill';
}

/** Library loading (FUNCTION LOAD): redis.register_function() adds to it. */
export interface LibraryLoadHost {
  register(name: string, functionRef: number, description: string | undefined, flags: string[]): string | undefined;
  deadline: number;
}

const REDIS_VERSION_NUM = 0x07000f;
export const SCRIPT_FLAG_NAMES = ['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'];

const ERROR_HANDLER = `local dbg = debug
local string = string
return function (err)
  local i = dbg.getinfo(2,'nSl')
  if i and (i.what == 'C' or i.what == 'J') then
    i = dbg.getinfo(3,'nSl')
  end
  if type(err) ~= 'table' then
    -- Lua 5.1's wording, which scripts and tests written for Redis expect.
    err = (string.gsub(tostring(err), "attempt to (.-) a (%w+) value %((%w+) '(.-)'%)$", "attempt to %1 %3 '%4' (a %2 value)"))
    err = {err='ERR ' .. err}
  end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end`;

/** Lua 5.1 names scripts written for Redis use, on top of Lua 5.3's libraries. */
const COMPAT_PRELUDE = `
unpack = table.unpack
do
  -- Text chunks only: Redis refuses precompiled bytecode.
  local raw_load = load
  load = function(chunk, name, mode, env) return raw_load(chunk, name, 't', env) end
end
loadstring = load
gcinfo = function() return math.floor(collectgarbage('count')) end
table.getn = function(t) return #t end
table.maxn = table.maxn or function(t) local m = 0 for k in pairs(t) do if type(k) == 'number' and k > m then m = k end end return m end
math.pow = math.pow or function(a, b) return a ^ b end
math.log10 = math.log10 or function(x) return math.log(x, 10) end
math.ldexp = math.ldexp or function(m, e) return m * 2.0 ^ e end
math.mod = math.fmod
string.gfind = string.gmatch
do
  local raw_pcall = pcall
  local function fix(ok, ...)
    if ok then return ok, ... end
    local e = ...
    if type(e) == 'table' then
      local m = rawget(e, 'err')
      if type(m) == 'string' or type(m) == 'number' then e = m end
    end
    return false, e
  end
  pcall = function(f, ...) return fix(raw_pcall(f, ...)) end
end
dofile = nil
loadfile = nil
print = nil
rawlen = nil
`;

export class LuaEngine {
  readonly L: LuaState;
  /** The script running now (redis.call's context); undefined between scripts. */
  host: ScriptCallHost | undefined;
  loading: LibraryLoadHost | undefined;
  /** Registry references of compiled scripts and functions (below FIRST_REF: ours). */
  private nextFunctionRef = FIRST_REF;
  private thread: LuaState | undefined;
  private runner: true | undefined;
  private current: { co: LuaState; run: ScriptRun; nargs: number } | undefined;

  constructor(readonly mode: EngineMode) {
    const { lua, lauxlib, lualib } = fengari();
    installReadonlyTables();
    const L = lauxlib.luaL_newstate();
    this.L = L;
    storeCachedKeys(L);
    for (const [name, open] of [
      ['_G', lualib.luaopen_base],
      ['table', lualib.luaopen_table],
      ['string', lualib.luaopen_string],
      ['math', lualib.luaopen_math],
      ['debug', lualib.luaopen_debug],
      ['coroutine', lualib.luaopen_coroutine],
    ] as const) {
      lauxlib.luaL_requiref(L, lit(name), open, 1);
      lua.lua_pop(L, 1);
    }
    openRedisLibs(L);
    this.runChunk(COMPAT_PRELUDE, '@compat');
    this.overrideSetmetatable();

    lua.lua_newtable(L);
    this.registerRedisApi(mode === 'eval');
    lua.lua_setglobal(L, lit('redis'));

    // The error handler keeps a private reference to `debug`, which scripts lose.
    this.loadChunk(ERROR_HANDLER, '@err_handler_def');
    lua.lua_call(L, 0, 1);
    lua.lua_rawseti(L, lua.LUA_REGISTRYINDEX, HANDLER_REF);
    lua.lua_pushnil(L);
    lua.lua_setglobal(L, lit('debug'));

    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    setErrorMetatable(L);
    protectTableRecursively(L);
    lua.lua_pop(L, 1);
    protectBasicTypeMetatables(L);

    if (mode === 'function') this.setUpLibraryGlobals();
  }

  // ------------------------------------------------------------ state set-up

  private loadChunk(code: string, name: string): void {
    const { lua, lauxlib } = fengari();
    const bytes = toLua(code);
    if (lauxlib.luaL_loadbufferx(this.L, bytes, bytes.length, lit(name), null) !== lua.LUA_OK) {
      throw new Error(`lua: ${fromLua(lua.lua_tolstring(this.L, -1)!)}`);
    }
  }

  private runChunk(code: string, name: string): void {
    this.loadChunk(code, name);
    fengari().lua.lua_call(this.L, 0, 0);
  }

  /** Redis's Lua refuses setmetatable() on a readonly table. */
  private overrideSetmetatable(): void {
    const { lua } = fengari();
    const L = this.L;
    lua.lua_getglobal(L, lit('setmetatable'));
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, lit('__raw_setmetatable'));
    lua.lua_pushcfunction(L, (L2) => {
      if (fengari().internals.tableAt(L2, 1)?.readonly) raiseLuaError(L2, 'Attempt to modify a readonly table');
      const n = lua.lua_gettop(L2);
      lua.lua_getfield(L2, lua.LUA_REGISTRYINDEX, lit('__raw_setmetatable'));
      lua.lua_insert(L2, 1);
      lua.lua_call(L2, n, 1);
      return 1;
    });
    lua.lua_setglobal(L, lit('setmetatable'));
  }

  private setFn(name: string, fn: LuaCFunction): void {
    const { lua } = fengari();
    lua.lua_pushcfunction(this.L, fn);
    lua.lua_setfield(this.L, -2, lit(name));
  }

  private setNumber(name: string, n: number): void {
    const { lua } = fengari();
    lua.lua_pushinteger(this.L, n);
    lua.lua_setfield(this.L, -2, lit(name));
  }

  private setString(name: string, s: string): void {
    const { lua } = fengari();
    lua.lua_pushstring(this.L, lit(s));
    lua.lua_setfield(this.L, -2, lit(name));
  }

  /** luaRegisterRedisAPI(): the `redis` table on the top of the stack. */
  private registerRedisApi(evalMode: boolean): void {
    const { lua } = fengari();
    this.setFn('call', (L) => this.redisCall(L, true));
    this.setFn('pcall', (L) => this.redisCall(L, false));
    this.registerLogAndVersion();
    this.setFn('setresp', (L) => {
      const host = this.requireHost(L, 'redis.setresp can only be called inside a script invocation');
      if (lua.lua_gettop(L) !== 1) return raiseErrorTable(L, 'redis.setresp() requires one argument.');
      const resp = lua.lua_tonumber(L, 1);
      if (resp !== 2 && resp !== 3) return raiseErrorTable(L, 'RESP version must be 2 or 3.');
      host.resp = resp;
      return 0;
    });
    this.setFn('sha1hex', (L) => {
      if (lua.lua_gettop(L) !== 1) return raiseErrorTable(L, 'wrong number of arguments');
      const bytes = lua.lua_tolstring(L, 1) ?? new Uint8Array();
      lua.lua_pushstring(L, lit(createHash('sha1').update(bytes).digest('hex')));
      return 1;
    });
    this.setFn('error_reply', (L) => {
      if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
        pushErrorTable(L, 'wrong number or type of arguments');
        return 1;
      }
      const text = fromLua(lua.lua_tolstring(L, -1)!);
      pushErrorTable(L, text.startsWith('-') ? text : '-' + text);
      return 1;
    });
    this.setFn('status_reply', (L) => {
      if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
        pushErrorTable(L, 'wrong number or type of arguments');
        return 1;
      }
      lua.lua_newtable(L);
      lua.lua_pushvalue(L, 1);
      setKey(L, 'ok');
      return 1;
    });
    this.setFn('set_repl', (L) => {
      const host = this.requireHost(L, 'redis.set_repl can only be called inside a script invocation');
      if (lua.lua_gettop(L) !== 1) return raiseErrorTable(L, 'redis.set_repl() requires two arguments.');
      const flags = Math.trunc(lua.lua_tonumber(L, -1));
      if ((flags & ~3) !== 0) {
        return raiseErrorTable(L, 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
      }
      host.replFlags = flags;
      return 0;
    });
    this.setNumber('REPL_NONE', 0);
    this.setNumber('REPL_AOF', 1);
    this.setNumber('REPL_SLAVE', 2);
    this.setNumber('REPL_REPLICA', 2);
    this.setNumber('REPL_ALL', 3);
    this.setFn('acl_check_cmd', (L) => {
      this.requireHost(L, 'redis.acl_check_cmd can only be called inside a script invocation');
      if (lua.lua_gettop(L) < 1)
        return raiseErrorTable(L, 'Please specify at least one argument for this redis lib call');
      // Every command is permitted: the engine has only the default user, with all permissions.
      lua.lua_pushboolean(L, true);
      return 1;
    });
    if (evalMode) {
      this.setFn('breakpoint', (L) => {
        lua.lua_pushboolean(L, false);
        return 1;
      });
      this.setFn('debug', () => 0);
      this.setFn('replicate_commands', (L) => {
        lua.lua_pushboolean(L, true);
        return 1;
      });
    }
  }

  private registerLogAndVersion(): void {
    const { lua } = fengari();
    this.setFn('log', (L) => {
      const argc = lua.lua_gettop(L);
      if (argc < 2) return raiseErrorTable(L, 'redis.log() requires two arguments or more.');
      if (!lua.lua_isnumber(L, 1)) return raiseErrorTable(L, 'First argument must be a number (log level).');
      const level = Math.trunc(lua.lua_tonumber(L, 1));
      if (level < 0 || level > 3) return raiseErrorTable(L, 'Invalid debug level.');
      const parts: string[] = [];
      for (let j = 2; j <= argc; j++) {
        if (lua.lua_isstring(L, j)) parts.push(fromLua(lua.lua_tolstring(L, j)!));
      }
      (this.host ?? this.loadingLog).log(level, parts.join(' '));
      return 0;
    });
    this.setNumber('LOG_DEBUG', 0);
    this.setNumber('LOG_VERBOSE', 1);
    this.setNumber('LOG_NOTICE', 2);
    this.setNumber('LOG_WARNING', 3);
    this.setNumber('REDIS_VERSION_NUM', REDIS_VERSION_NUM);
    this.setString('REDIS_VERSION', '7.0.15');
  }

  /** redis.log() outside a script run (while loading a library) still logs. */
  loadingLog: { log(level: number, message: string): void } = { log: () => {} };

  private requireHost(L: LuaState, message: string): ScriptCallHost {
    if (!this.host) raiseErrorTable(L, message);
    return this.host!;
  }

  /**
   * function_lua.c's globals: library code runs with a fresh global table whose
   * misses go to a small API (redis.register_function, redis.log) while it loads,
   * and to the real globals afterwards.
   */
  private setUpLibraryGlobals(): void {
    const { lua } = fengari();
    const L = this.L;
    lua.lua_newtable(L); // library API globals
    lua.lua_newtable(L); // its `redis` table
    this.setFn('register_function', (L2) => this.registerFunction(L2));
    this.registerLogAndVersion();
    setErrorMetatable(L);
    lua.lua_setfield(L, -2, lit('redis'));
    setErrorMetatable(L);
    protectTableRecursively(L);
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, lit('__library_api'));

    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, lit('__globals_api'));

    lua.lua_newtable(L); // the new globals
    lua.lua_newtable(L); // their metatable
    lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, lit('__globals_api'));
    lua.lua_setfield(L, -2, lit('__index'));
    protectTable(L, -1);
    lua.lua_setmetatable(L, -2);
    protectTable(L, -1);
    lua.lua_rawseti(L, lua.LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  }

  /** Points the library globals' misses at `which` (__library_api or __globals_api). */
  private setGlobalsFallback(which: string): void {
    const { lua } = fengari();
    const L = this.L;
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua.lua_getmetatable(L, -1);
    setTableReadonly(L, -1, false);
    lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, lit(which));
    lua.lua_setfield(L, -2, lit('__index'));
    setTableReadonly(L, -1, true);
    lua.lua_pop(L, 2);
  }

  // ------------------------------------------------------------ compiling

  /** luaL_loadbuffer(); the compiled function's registry reference, or the compiler's error. */
  compile(code: string, chunkName: string): { ref: number } | { error: string } {
    const { lua, lauxlib } = fengari();
    const bytes = toLua(code);
    if (lauxlib.luaL_loadbufferx(this.L, bytes, bytes.length, lit(chunkName), null) !== lua.LUA_OK) {
      const message = fromLua(lua.lua_tolstring(this.L, -1) ?? new Uint8Array());
      lua.lua_pop(this.L, 1);
      return { error: message };
    }
    const ref = this.nextFunctionRef++;
    lua.lua_rawseti(this.L, lua.LUA_REGISTRYINDEX, ref);
    this.compiledBytes += code.length;
    return { ref };
  }

  /**
   * luaEngineCreate(): compiles and runs a library's code so it registers its
   * functions. Returns an error text, or undefined on success.
   */
  loadLibrary(code: string, load: LibraryLoadHost): string | undefined {
    const { lua, lauxlib } = fengari();
    const L = this.L;
    this.setGlobalsFallback('__library_api');
    try {
      const bytes = toLua(code);
      if (lauxlib.luaL_loadbufferx(L, bytes, bytes.length, lit('@user_function'), null) !== lua.LUA_OK) {
        const message = fromLua(lua.lua_tolstring(L, -1) ?? new Uint8Array());
        lua.lua_pop(L, 1);
        return `Error compiling function: ${message}`;
      }
      this.loading = load;
      this.compiledBytes += code.length;
      if (load.deadline > 0) {
        lua.lua_sethook(
          L,
          (L2) => {
            if (Date.now() > load.deadline) {
              lua.lua_sethook(L2, null, 0, 0);
              raiseErrorTable(L2, 'FUNCTION LOAD timeout');
            }
          },
          lua.LUA_MASKCOUNT,
          100000,
        );
      }
      if (lua.lua_pcall(L, 0, 0, 0) !== lua.LUA_OK) {
        const message = errorMessageAt(L, -1);
        lua.lua_pop(L, 1);
        return `Error registering functions: ${message}`;
      }
      return undefined;
    } finally {
      lua.lua_sethook(L, null, 0, 0);
      this.loading = undefined;
      this.setGlobalsFallback('__globals_api');
    }
  }

  /** Drops a compiled script or registered function (registry references are integers: no string hashing per call). */
  releaseFunction(ref: number): void {
    const { lua } = fengari();
    lua.lua_pushnil(this.L);
    lua.lua_rawseti(this.L, lua.LUA_REGISTRYINDEX, ref);
  }

  /** redis.register_function(name, fn) or redis.register_function{function_name=..., callback=..., flags=...}. */
  private registerFunction(L: LuaState): number {
    const { lua } = fengari();
    const load = this.loading;
    if (!load) return raiseErrorTable(L, 'redis.register_function can only be called on FUNCTION LOAD command');
    const argc = lua.lua_gettop(L);
    if (argc < 1 || argc > 2) return raiseErrorTable(L, 'wrong number of arguments to redis.register_function');
    let name: string | undefined;
    let description: string | undefined;
    let callbackIndex = 0;
    const flags: string[] = [];
    if (argc === 2) {
      if (!lua.lua_isstring(L, 1))
        return raiseErrorTable(L, 'first argument to redis.register_function must be a string');
      if (lua.lua_type(L, 2) !== lua.LUA_TFUNCTION) {
        return raiseErrorTable(L, 'second argument to redis.register_function must be a function');
      }
      name = fromLua(lua.lua_tolstring(L, 1)!);
      callbackIndex = 2;
    } else {
      if (lua.lua_type(L, 1) !== lua.LUA_TTABLE) {
        return raiseErrorTable(
          L,
          'calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).',
        );
      }
      lua.lua_pushnil(L);
      while (lua.lua_next(L, 1)) {
        if (lua.lua_type(L, -2) !== lua.LUA_TSTRING && lua.lua_type(L, -2) !== lua.LUA_TNUMBER) {
          return raiseErrorTable(L, 'named argument key given to redis.register_function is not a string');
        }
        const key = fromLua(lua.lua_tolstring(L, -2)!).toLowerCase();
        if (key === 'function_name') {
          if (!lua.lua_isstring(L, -1)) {
            return raiseErrorTable(L, 'function_name argument given to redis.register_function must be a string');
          }
          name = fromLua(lua.lua_tolstring(L, -1)!);
        } else if (key === 'description') {
          if (!lua.lua_isstring(L, -1)) {
            return raiseErrorTable(L, 'description argument given to redis.register_function must be a string');
          }
          description = fromLua(lua.lua_tolstring(L, -1)!);
        } else if (key === 'callback') {
          if (lua.lua_type(L, -1) !== lua.LUA_TFUNCTION) {
            return raiseErrorTable(L, 'callback argument given to redis.register_function must be a function');
          }
          lua.lua_pushvalue(L, -1);
          lua.lua_insert(L, 2);
          callbackIndex = 2;
        } else if (key === 'flags') {
          if (lua.lua_type(L, -1) !== lua.LUA_TTABLE) {
            return raiseErrorTable(
              L,
              'flags argument to redis.register_function must be a table representing function flags',
            );
          }
          for (let j = 1; ; j++) {
            lua.lua_rawgeti(L, -1, j);
            if (lua.lua_type(L, -1) === lua.LUA_TNIL) {
              lua.lua_pop(L, 1);
              break;
            }
            const flag = lua.lua_isstring(L, -1) ? fromLua(lua.lua_tolstring(L, -1)!).toLowerCase() : undefined;
            lua.lua_pop(L, 1);
            if (flag === undefined || !SCRIPT_FLAG_NAMES.includes(flag)) {
              return raiseErrorTable(L, 'unknown flag given');
            }
            if (!flags.includes(flag)) flags.push(flag);
          }
        } else {
          return raiseErrorTable(L, 'unknown argument given to redis.register_function');
        }
        lua.lua_pop(L, 1);
      }
      if (name === undefined) return raiseErrorTable(L, 'redis.register_function must get a function name argument');
      if (callbackIndex === 0) return raiseErrorTable(L, 'redis.register_function must get a callback argument');
    }
    const ref = this.nextFunctionRef++;
    lua.lua_pushvalue(L, callbackIndex);
    lua.lua_rawseti(L, lua.LUA_REGISTRYINDEX, ref);
    const error = load.register(name!, ref, description, flags);
    if (error !== undefined) {
      this.releaseFunction(ref);
      return raiseErrorTable(L, error);
    }
    return 0;
  }

  // ------------------------------------------------------------ running

  /**
   * luaCallFunction(): starts a compiled script (eval: `registryName`; function:
   * `functionRef`) in a coroutine. Returns 'done' once its reply (or error) is
   * written to `caller`, or 'suspended' when the count hook yielded (a script past
   * busy-reply-threshold lets the event loop serve other clients): resume() goes on.
   */
  start(target: { ref: number; evalMode: boolean }, run: ScriptRun): 'done' | 'suspended' {
    const { lua } = fengari();
    this.runner ??= this.makeRunner();
    // One coroutine, reused while it ends normally (the runner's xpcall catches script errors).
    let co = this.thread;
    if (!co || lua.lua_status(co) !== lua.LUA_OK || lua.lua_gettop(co) !== 0) {
      lua.lua_settop(this.L, 0);
      co = this.thread = lua.lua_newthread(this.L);
      lua.lua_rawseti(this.L, lua.LUA_REGISTRYINDEX, THREAD_REF);
    }
    lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, RUNNER_REF);
    lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, HANDLER_REF);
    lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, target.ref);
    const evalMode = target.evalMode;
    pushStringArray(co, run.keys);
    pushStringArray(co, run.args);
    if (evalMode) {
      lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
      setTableReadonly(co, -1, false);
      lua.lua_pushvalue(co, -3);
      setKey(co, 'KEYS');
      lua.lua_pushvalue(co, -2);
      setKey(co, 'ARGV');
      setTableReadonly(co, -1, true);
      lua.lua_pop(co, 3);
    }
    this.current = { co, run, nargs: evalMode ? 2 : 4 };
    this.host = run.host;
    return this.resume();
  }

  /** Runs the suspended script on; see start(). */
  resume(): 'done' | 'suspended' {
    const { lua } = fengari();
    const current = this.current!;
    const { co, run } = current;
    const nargs = current.nargs;
    current.nargs = 0;
    lua.lua_sethook(co, (L2) => this.countHook(L2, run), lua.LUA_MASKCOUNT, 100000);
    let status: number;
    try {
      status = lua.lua_resume(co, this.L, nargs);
    } catch (err) {
      this.finish();
      throw err;
    }
    if (status === lua.LUA_YIELD) return 'suspended';
    const caller = run.caller;
    if (status !== lua.LUA_OK) {
      // Only an error outside xpcall's reach gets here (e.g. in the error handler itself).
      const msg = lua.lua_isstring(co, -1) ? fromLua(lua.lua_tolstring(co, -1)!) : 'execution failure';
      caller.error(`ERR Error running script ${run.name}, ${msg.slice(0, 100)}`);
    } else if (lua.lua_toboolean(co, 1)) {
      lua.lua_settop(co, 2);
      replyFromLua(co, caller, run.host.resp, 0);
    } else if (lua.lua_type(co, 2) !== lua.LUA_TTABLE) {
      const msg = lua.lua_isstring(co, 2) ? fromLua(lua.lua_tolstring(co, 2)!) : 'execution failure';
      caller.error(`ERR Error running script ${run.name}, ${msg.slice(0, 100)}`);
    } else {
      const info = errorInfo(co, 2);
      let text = info.msg;
      if (info.line !== undefined && info.source !== undefined) {
        text += ` script: ${run.name}, on ${info.source}:${info.line}.`;
      }
      replyError(caller, text, info.ignoreStats);
    }
    this.finish();
    return 'done';
  }

  private finish(): void {
    const { lua } = fengari();
    if (this.current) {
      lua.lua_sethook(this.current.co, null, 0, 0);
      if (lua.lua_status(this.current.co) === lua.LUA_OK) lua.lua_settop(this.current.co, 0);
    }
    this.current = undefined;
    this.host = undefined;
  }

  /** luaMaskCountHook(): every 100000 instructions, ask whether to go on, yield or die. */
  private countHook(L: LuaState, run: ScriptRun): void {
    const { lua } = fengari();
    const decision = run.onHook();
    if (decision === 'kill') {
      // A line hook from now on, so a pcall() in the script cannot swallow the kill.
      const kill = (L2: LuaState): void => {
        raiseErrorTable(L2, 'Script killed by user with SCRIPT KILL...');
      };
      lua.lua_sethook(L, kill, lua.LUA_MASKLINE, 0);
      kill(L);
    } else if (decision === 'yield' && lua.lua_isyieldable(L)) {
      lua.lua_yield(L, 0);
    }
  }

  private makeRunner(): true {
    this.loadChunk('return function(h, f, ...) local ok, result = xpcall(f, h, ...) return ok, result end', '@runner');
    const { lua } = fengari();
    lua.lua_call(this.L, 0, 1);
    lua.lua_rawseti(this.L, lua.LUA_REGISTRYINDEX, RUNNER_REF);
    return true;
  }

  /** redis.call() / redis.pcall(): luaRedisGenericCommand(). */
  private redisCall(L: LuaState, raise: boolean): number {
    const { lua } = fengari();
    const host = this.host;
    if (!host) return raiseErrorTable(L, 'redis.call/pcall can only be called inside a script invocation');
    const argc = lua.lua_gettop(L);
    if (argc === 0) {
      pushErrorTable(L, 'Please specify at least one argument for this redis lib call');
      return raise ? lua.lua_error(L) : 1;
    }
    const argv: string[] = new Array<string>(argc);
    let valid = true;
    for (let j = 1; j <= argc; j++) {
      const type = lua.lua_type(L, j);
      if (type === lua.LUA_TNUMBER) {
        // Not lua_tolstring(): Redis prints numbers with %.17g so no precision is lost.
        argv[j - 1] = lua.lua_isinteger(L, j) ? String(lua.lua_tointeger(L, j)) : formatG17(lua.lua_tonumber(L, j));
      } else if (type === lua.LUA_TSTRING) {
        argv[j - 1] = fromLua(lua.lua_tolstring(L, j)!);
      } else {
        valid = false;
        break;
      }
    }
    lua.lua_settop(L, 0);
    if (!valid) {
      pushErrorTable(L, 'Lua redis lib command arguments must be strings or integers');
      return raise ? lua.lua_error(L) : 1;
    }
    const result = host.call(argv);
    if ('rejected' in result) {
      pushErrorTable(L, result.rejected);
      lua.lua_pushboolean(L, true);
      setKey(L, 'ignore_error_stats_update');
      return raise ? lua.lua_error(L) : 1;
    }
    const reply = result.reply;
    pushReply(L, reply);
    if (raise && reply.charCodeAt(0) === 45 /* '-' */) return lua.lua_error(L);
    return 1;
  }

  /**
   * An estimate of the interpreter's memory (Redis: lua_gc(LUA_GCCOUNT)): fengari's
   * objects live on the JS heap and it keeps no count, so this is what a fresh Redis
   * Lua state reports plus the source of what was compiled into it.
   */
  usedMemory(): number {
    return 31744 + this.compiledBytes;
  }

  /** Bytes of source compiled into this interpreter (scripts and libraries). */
  compiledBytes = 0;
}

const LUA_RIDX_GLOBALS = 2;

/** Integer registry slots (1 and 2 are Lua's own; 20-31 hold conversions.ts's keys). */
const HANDLER_REF = 10;
const RUNNER_REF = 11;
const THREAD_REF = 12;
const FIRST_REF = 100;

function pushStringArray(L: LuaState, items: readonly string[]): void {
  const { lua } = fengari();
  lua.lua_createtable(L, items.length, 0);
  for (let i = 0; i < items.length; i++) {
    const bytes = toLua(items[i]!);
    lua.lua_pushlstring(L, bytes, bytes.length);
    lua.lua_rawseti(L, -2, i + 1);
  }
}

/** luaSetErrorMetatable(): reading a missing field of the table on the top raises Redis's error. */
function setErrorMetatable(L: LuaState): void {
  const { lua } = fengari();
  lua.lua_newtable(L);
  lua.lua_pushcfunction(L, (L2) => {
    const name = lua.lua_isstring(L2, -1) ? fromLua(lua.lua_tolstring(L2, -1)!) : '?';
    return raiseLuaError(L2, `Script attempted to access nonexistent global variable '${name}'`);
  });
  lua.lua_setfield(L, -2, lit('__index'));
  lua.lua_setmetatable(L, -2);
}

/** luaSetTableProtectionForBasicTypes(): the string metatable (the only one Lua gives a basic type). */
function protectBasicTypeMetatables(L: LuaState): void {
  const { lua } = fengari();
  lua.lua_pushstring(L, lit(''));
  if (lua.lua_getmetatable(L, -1)) {
    protectTableRecursively(L);
    lua.lua_pop(L, 1);
  }
  lua.lua_pop(L, 1);
}
