/**
 * Lua scripting for one server: the EVAL script cache (eval.c), the FUNCTION
 * libraries (functions.c) and running either (script.c): the checks made before a
 * script runs, redis.call()'s checks, and the non-connected client the script's
 * commands run on, through the server's own call() so they count, notify and
 * propagate like any command. The Lua interpreters are created on first use.
 */
import { createHash } from 'node:crypto';
import { Client } from '../client.js';
import { COMMAND_META, type Command } from '../command-table.js';
import { usedMemory } from '../info.js';
import type { Server } from '../server.js';
import { LuaEngine, SCRIPT_FLAG_NAMES, type ScriptCallHost, type ScriptRun } from './lua-engine.js';

export interface ScriptFlags {
  /** No shebang: Redis 6 compatible EVAL (SCRIPT_FLAG_EVAL_COMPAT_MODE). */
  compat: boolean;
  flags: ReadonlySet<string>;
}

interface CachedScript {
  body: string;
  flags: ScriptFlags;
  /** The compiled function's registry reference in the eval interpreter. */
  ref: number;
}

export interface FunctionInfo {
  name: string;
  library: Library;
  ref: number;
  description: string | undefined;
  flags: ReadonlySet<string>;
}

export interface Library {
  name: string;
  code: string;
  functions: Map<string, FunctionInfo>;
}

interface LibrarySet {
  libraries: Map<string, Library>;
  /** Keyed by lower-case name: FCALL finds functions case-insensitively (functionDictType). */
  functions: Map<string, FunctionInfo>;
}

/** The command flags a script or function declares (scriptFlagsToCmdFlags). */
export interface ScriptCommandFlags {
  write: boolean;
  denyoom: boolean;
  stale: boolean;
  mayReplicate: boolean;
}

const COMPAT: ScriptFlags = { compat: true, flags: new Set() };
/** LOAD_TIMEOUT_MS: a library's top-level code may run this long. */
const LOAD_TIMEOUT_MS = 500;
const LIBRARY_NAME_ERROR =
  'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

/** EVAL hashes its body twice (command flags, then the run): the last body's sha is kept, as c->cur_script does. */
let lastBody: string | undefined;
let lastSha = '';

export function sha1hex(body: string): string {
  if (body === lastBody) return lastSha;
  lastSha = createHash('sha1').update(body, 'latin1').digest('hex');
  lastBody = body;
  return lastSha;
}

/** evalExtractShebangFlags(). */
export function parseShebang(body: string): { flags: ScriptFlags; shebangLength: number } | { error: string } {
  if (!body.startsWith('#!')) return { flags: COMPAT, shebangLength: 0 };
  const end = body.indexOf('\n');
  if (end === -1) return { error: 'ERR Invalid script shebang' };
  const parts = splitArgs(body.slice(0, end));
  if (!parts || parts.length === 0) return { error: 'ERR Invalid engine in script shebang' };
  if (parts[0] !== '#!lua') return { error: `ERR Unexpected engine in script shebang: ${parts[0]}` };
  const flags = new Set<string>();
  for (const part of parts.slice(1)) {
    if (!part.startsWith('flags=')) return { error: `ERR Unknown lua shebang option: ${part}` };
    const list = part.slice(6);
    if (list === '') continue;
    for (const flag of list.split(',')) {
      if (!SCRIPT_FLAG_NAMES.includes(flag)) return { error: `ERR Unexpected flag in script shebang: ${flag}` };
      flags.add(flag);
    }
  }
  return { flags: { compat: false, flags }, shebangLength: end };
}

/** sdssplitargs(): words separated by spaces, "double" (with escapes) and 'single' quotes; undefined when unbalanced. */
export function splitArgs(line: string): string[] | undefined {
  const parts: string[] = [];
  let i = 0;
  const n = line.length;
  const isSpace = (ch: string | undefined) =>
    ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t' || ch === '\v' || ch === '\f';
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return parts;
    let current = '';
    let inDouble = false;
    let inSingle = false;
    for (;;) {
      const ch = line[i];
      if (inDouble) {
        if (ch === undefined) return undefined;
        if (ch === '\\' && line[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
          current += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (ch === '\\' && i + 1 < n) {
          i++;
          const esc = line[i]!;
          current += ({ n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' } as Record<string, string>)[esc] ?? esc;
        } else if (ch === '"') {
          if (i + 1 < n && !isSpace(line[i + 1])) return undefined;
          inDouble = false;
          i++;
          break;
        } else current += ch;
      } else if (inSingle) {
        if (ch === undefined) return undefined;
        if (ch === '\\' && line[i + 1] === "'") {
          i++;
          current += "'";
        } else if (ch === "'") {
          if (i + 1 < n && !isSpace(line[i + 1])) return undefined;
          inSingle = false;
          i++;
          break;
        } else current += ch;
      } else {
        if (ch === undefined || isSpace(ch)) break;
        if (ch === '"') inDouble = true;
        else if (ch === "'") inSingle = true;
        else current += ch;
      }
      i++;
    }
    parts.push(current);
  }
}

function validName(name: string): boolean {
  return /^[a-zA-Z0-9_]+$/.test(name);
}

/** scriptFlagsToCmdFlags(): a script with declared flags replaces EVAL's/FCALL's own. */
function commandFlagsFor(flags: ScriptFlags): ScriptCommandFlags | undefined {
  if (flags.compat) return undefined;
  const noWrites = flags.flags.has('no-writes');
  return {
    write: !noWrites,
    denyoom: !noWrites && !flags.flags.has('allow-oom'),
    stale: flags.flags.has('allow-stale'),
    mayReplicate: false,
  };
}

interface RunState {
  caller: Client;
  name: string;
  readOnly: boolean;
  allowOom: boolean;
  writeDirty: boolean;
  preCommandOom: boolean;
  start: number;
  isEval: boolean;
  argv: readonly string[];
  timedOut: boolean;
  killed: boolean;
}

export const BUSY_EVAL = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
export const BUSY_FUNCTION = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';

export class Scripting {
  private evalEngine: LuaEngine | undefined;
  private functionEngine: LuaEngine | undefined;
  readonly scripts = new Map<string, CachedScript>();
  /** Bytes of script bodies and their sha (lua_scripts_mem). */
  scriptsMemory = 0;
  private current: LibrarySet = { libraries: new Map(), functions: new Map() };
  private scriptClient: Client | undefined;
  /** DEBUG SET-DISABLE-DENY-SCRIPTS: noscript commands allowed in scripts (tests only). */
  denyScriptsDisabled = false;
  private running: RunState | undefined;

  constructor(readonly server: Server) {}

  get libraries(): ReadonlyMap<string, Library> {
    return this.current.libraries;
  }

  get functions(): ReadonlyMap<string, FunctionInfo> {
    return this.current.functions;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  private evalVm(): LuaEngine {
    return (this.evalEngine ??= this.newEngine('eval'));
  }

  private functionVm(): LuaEngine {
    return (this.functionEngine ??= this.newEngine('function'));
  }

  private newEngine(mode: 'eval' | 'function'): LuaEngine {
    const engine = new LuaEngine(mode);
    engine.loadingLog = { log: (level, message) => this.log(level, message) };
    return engine;
  }

  private log(level: number, message: string): void {
    const log = this.server.log;
    if (level === 0) log.debug(message);
    else if (level === 1) log.verbose(message);
    else if (level === 2) log.notice(message);
    else log.warning(message);
  }

  /** The client scripts' commands run on: never connected, never blocks. */
  private client(): Client {
    if (!this.scriptClient) {
      this.scriptClient = new ScriptClient(this.server, undefined);
      this.scriptClient.authenticated = true;
      scriptClients.add(this.scriptClient);
    }
    return this.scriptClient;
  }

  // ------------------------------------------------------------ EVAL

  /** luaCreateFunction(): caches and compiles the body; returns its sha or an error reply. */
  createScript(body: string): { sha: string } | { error: string } {
    const sha = sha1hex(body);
    if (this.scripts.has(sha)) return { sha };
    const shebang = parseShebang(body);
    if ('error' in shebang) return { error: shebang.error };
    // The shebang line is skipped but its newline kept, so line numbers stay the user's.
    const compiled = this.evalVm().compile(body.slice(shebang.shebangLength), '@user_script');
    if ('error' in compiled) return { error: `ERR Error compiling script (new function): ${compiled.error}` };
    this.scripts.set(sha, { body, flags: shebang.flags, ref: compiled.ref });
    this.scriptsMemory += body.length + 40;
    return { sha };
  }

  /** evalGenericCommand(). */
  eval(c: Client, argv: readonly string[], bySha: boolean, readOnly: boolean): void {
    // EVAL is skip_monitor: fed here so MONITOR shows it before the commands it runs.
    if (this.server.monitors.size > 0) this.server.feedMonitors(c, argv);
    const numkeys = parseNumkeys(c, argv[2]!, argv.length - 3, 'ERR value is not an integer or out of range');
    if (numkeys === undefined) return;
    let sha: string;
    if (bySha) {
      sha = argv[1]!.toLowerCase();
      if (argv[1]!.length !== 40 || !this.scripts.has(sha)) {
        c.error('NOSCRIPT No matching script. Please use EVAL.');
        return;
      }
    } else {
      const created = this.createScript(argv[1]!);
      if ('error' in created) {
        c.error(created.error);
        return;
      }
      sha = created.sha;
    }
    const script = this.scripts.get(sha)!;
    const state = this.prepareRun(c, sha, script.flags, readOnly, true);
    if (!state) return;
    this.execute(this.evalVm(), { ref: script.ref, evalMode: true }, state, argv, numkeys);
  }

  scriptExists(sha: string): boolean {
    return this.scripts.has(sha.toLowerCase());
  }

  /** SCRIPT FLUSH: scriptingReset() starts a new interpreter. */
  flushScripts(): void {
    this.scripts.clear();
    this.scriptsMemory = 0;
    this.evalEngine = undefined;
  }

  // ------------------------------------------------------------ FCALL

  fcall(c: Client, argv: readonly string[], readOnly: boolean): void {
    if (this.server.monitors.size > 0) this.server.feedMonitors(c, argv);
    const fn = this.current.functions.get(argv[1]!.toLowerCase());
    if (!fn) {
      c.error('ERR Function not found');
      return;
    }
    const numkeys = parseNumkeys(c, argv[2]!, argv.length - 3, 'ERR Bad number of keys provided');
    if (numkeys === undefined) return;
    const state = this.prepareRun(c, fn.name, { compat: false, flags: fn.flags }, readOnly, false);
    if (!state) return;
    this.execute(this.functionVm(), { ref: fn.ref, evalMode: false }, state, argv, numkeys);
  }

  // ------------------------------------------------------------ running

  /** scriptPrepareForRun(): the checks on the server's state for this script's flags. */
  private prepareRun(
    caller: Client,
    name: string,
    flags: ScriptFlags,
    readOnlyCommand: boolean,
    isEval: boolean,
  ): RunState | undefined {
    const server = this.server;
    const config = server.config;
    const isReplica = server.masterHost !== undefined;
    const runningStale = isReplica && server.replica.state !== 'connected' && !config.bool('replica-serve-stale-data');
    const obey = caller.isMaster;
    const maxmemory = config.num('maxmemory');
    const preCommandOom = maxmemory > 0 && !obey && usedMemory() > maxmemory;
    if (!flags.compat) {
      const declared = flags.flags;
      if (runningStale && !declared.has('allow-stale')) {
        caller.error(
          "MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script.",
        );
        return undefined;
      }
      if (!declared.has('no-writes')) {
        if (isReplica && config.bool('replica-read-only') && !obey) {
          caller.error('READONLY Can not run script with write flag on readonly replica');
          return undefined;
        }
        if (readOnlyCommand) {
          caller.error('ERR Can not execute a script with write flag using *_ro command.');
          return undefined;
        }
        if (!isReplica && !server.enoughGoodReplicas()) {
          caller.error('NOREPLICAS Not enough good replicas to write.');
          return undefined;
        }
      }
      if (preCommandOom && !declared.has('allow-oom') && !declared.has('no-writes')) {
        caller.error("OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'");
        return undefined;
      }
    } else if (runningStale) {
      caller.error("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
      return undefined;
    }
    return {
      caller,
      name,
      readOnly: readOnlyCommand || (!flags.compat && flags.flags.has('no-writes')),
      allowOom: !flags.compat && flags.flags.has('allow-oom'),
      writeDirty: false,
      preCommandOom,
      start: Date.now(),
      isEval,
      argv: [],
      timedOut: false,
      killed: false,
    };
  }

  private execute(
    engine: LuaEngine,
    target: { ref: number; evalMode: boolean },
    state: RunState,
    argv: readonly string[],
    numkeys: number,
  ): void {
    const caller = state.caller;
    const server = this.server;
    const sc = this.client();
    sc.db = caller.db;
    sc.protocol = 2;
    // CLIENT_DENY_BLOCKING: blocking commands answer at once, as inside MULTI.
    sc.inMulti = true;
    sc.out = '';
    const host: ScriptCallHost = {
      resp: 2,
      replFlags: 3,
      log: (level, message) => this.log(level, message),
      call: (commandArgv) => this.scriptCall(state, host, sc, commandArgv),
    };
    // Only a top-level command may give the event loop a turn mid-script: not EXEC, not our master's stream.
    const mayYield = !caller.inMulti && !caller.isMaster && caller.socket !== undefined;
    state.argv = argv;
    this.running = state;
    // Time stands still for the keyspace while a script runs (scriptTimeSnapshot).
    server.scriptTime = state.start;
    const run: ScriptRun = {
      name: state.name,
      keys: argv.slice(3, 3 + numkeys),
      args: argv.slice(3 + numkeys),
      host,
      caller,
      onHook: () => {
        if (state.killed) return 'kill';
        const threshold = server.config.num('busy-reply-threshold');
        if (threshold <= 0 || Date.now() - state.start < threshold) return 'continue';
        if (!state.timedOut) {
          state.timedOut = true;
          server.log.warning(
            `Slow script detected: still in execution after ${Date.now() - state.start} milliseconds. ` +
              `You can try killing the script using the ${state.isEval ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. ` +
              `Script name is: ${state.name}.`,
          );
        }
        return mayYield ? 'yield' : 'continue';
      },
    };
    let outcome: 'done' | 'suspended';
    try {
      outcome = engine.start(target, run);
    } catch (err) {
      this.endRun(sc);
      throw err;
    }
    // The script's own commands were propagated; EVAL/FCALL itself never is.
    caller.propagateArgv = [];
    if (outcome === 'done') {
      this.endRun(sc);
      return;
    }
    // Busy: other clients get -BUSY until the script ends; its effects stay one MULTI/EXEC.
    server.busyScript = state.isEval ? 'eval' : 'function';
    server.holdPropagation();
    caller.paused = true;
    const step = (): void => {
      let next: 'done' | 'suspended';
      try {
        next = engine.resume();
      } catch (err) {
        server.log.warning(`Internal error in script ${state.name}: ${(err as Error).stack ?? String(err)}`);
        caller.error(`ERR internal error in script: ${(err as Error).message}`);
        next = 'done';
      }
      if (next === 'suspended') {
        setImmediate(step);
        return;
      }
      this.endRun(sc);
      server.busyScript = undefined;
      server.releasePropagation();
      caller.paused = false;
      caller.scheduleFlush();
      const master = server.replica.masterClient;
      if (master) setImmediate(() => server.replica.processMasterInput(master));
      setImmediate(() => {
        if (!caller.closed && !caller.paused) server.processInput(caller);
      });
    };
    setImmediate(step);
  }

  private endRun(sc: Client): void {
    this.running = undefined;
    this.server.scriptTime = undefined;
    sc.inMulti = false;
    sc.out = '';
  }

  /** scriptKill(): SCRIPT KILL (`isEval`) or FUNCTION KILL; replies to `c`. */
  kill(c: Client, isEval: boolean): void {
    const state = this.running;
    if (!state) {
      c.error('NOTBUSY No scripts in execution right now.');
    } else if (state.caller.isMaster) {
      c.error(
        'UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.',
      );
    } else if (state.writeDirty) {
      c.error(
        'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the ' +
          'script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
      );
    } else if (isEval && !state.isEval) {
      c.error(BUSY_FUNCTION);
    } else if (!isEval && state.isEval) {
      c.error(BUSY_EVAL);
    } else {
      state.killed = true;
      c.ok();
    }
  }

  /** FUNCTION STATS' running_script: the function running now, if any. */
  runningScript(): { name: string; argv: readonly string[]; durationMs: number; isEval: boolean } | undefined {
    const state = this.running;
    if (!state) return undefined;
    return { name: state.name, argv: state.argv, durationMs: Date.now() - state.start, isEval: state.isEval };
  }

  /** scriptCall(): redis.call()'s checks, then the command through the server's call(). */
  private scriptCall(
    state: RunState,
    host: ScriptCallHost,
    sc: Client,
    argv: string[],
  ): { reply: string } | { rejected: string } {
    const server = this.server;
    const cmd = server.commands.lookup(argv);
    const reject = (text: string): { rejected: string } => {
      if (cmd) cmd.rejectedCalls++;
      const code = text.startsWith('-') ? text.slice(1) : 'ERR ' + text;
      server.stats.recordError(code);
      return { rejected: text };
    };
    if (!cmd && deniedToScripts(argv)) return reject('This Redis command is not allowed from script');
    if (!cmd || (cmd.arity > 0 && cmd.arity !== argv.length) || argv.length < -cmd.arity) {
      return reject(
        cmd ? 'Wrong number of args calling Redis command from script' : 'Unknown Redis command called from script',
      );
    }
    if (cmd.has('noscript') && !this.denyScriptsDisabled)
      return reject('This Redis command is not allowed from script');
    const config = server.config;
    const isReplica = server.masterHost !== undefined;
    if (
      isReplica &&
      server.replica.state !== 'connected' &&
      !config.bool('replica-serve-stale-data') &&
      !cmd.has('stale')
    ) {
      return reject('Can not execute the command on a stale replica');
    }
    if (state.readOnly && (cmd.isWrite || cmd.has('may_replicate'))) {
      return reject('Write commands are not allowed from read-only scripts.');
    }
    if (cmd.isWrite && !state.writeDirty) {
      if (isReplica && config.bool('replica-read-only') && !state.caller.isMaster) {
        return reject("-READONLY You can't write against a read only replica.");
      }
      if (!server.enoughGoodReplicas()) return reject('-NOREPLICAS Not enough good replicas to write.');
    }
    if (!state.allowOom && !state.writeDirty && state.preCommandOom && cmd.has('denyoom')) {
      return reject("-OOM command not allowed when used memory > 'maxmemory'.");
    }
    if (cmd.isWrite) state.writeDirty = true;
    sc.protocol = host.resp;
    const mark = server.propagationMark();
    server.call(sc, cmd, argv);
    // redis.set_repl() without REPL_REPLICA: this command's effects stay local.
    if ((host.replFlags & 2) === 0) server.discardPropagationSince(mark);
    const reply = sc.out;
    sc.out = '';
    return { reply };
  }

  /**
   * The command flags EVAL/EVALSHA/FCALL get from the script they will run
   * (evalGetCommandFlags, fcallGetCommandFlags); undefined keeps the command's own.
   */
  commandFlags(cmd: Command, argv: readonly string[]): ScriptCommandFlags | undefined {
    if (argv.length < 2) return undefined;
    if (cmd.name === 'fcall' || cmd.name === 'fcall_ro') {
      const fn = this.current.functions.get(argv[1]!.toLowerCase());
      return fn ? commandFlagsFor({ compat: false, flags: fn.flags }) : undefined;
    }
    if (cmd.name === 'evalsha' || cmd.name === 'evalsha_ro') {
      if (argv[1]!.length !== 40) return undefined;
      const script = this.scripts.get(argv[1]!.toLowerCase());
      return script ? commandFlagsFor(script.flags) : undefined;
    }
    const script = this.scripts.get(sha1hex(argv[1]!));
    if (script) return commandFlagsFor(script.flags);
    const shebang = parseShebang(argv[1]!);
    return 'error' in shebang ? undefined : commandFlagsFor(shebang.flags);
  }

  // ------------------------------------------------------------ FUNCTION

  /** functionsCreateWithLibraryCtx(): returns the library's name or an error text (without ERR). */
  createLibrary(
    code: string,
    replace: boolean,
    target: LibrarySet,
    timeoutMs: number,
  ): { name: string } | { error: string } {
    if (!code.startsWith('#!')) return { error: 'Missing library metadata' };
    const end = code.indexOf('\n');
    if (end === -1) return { error: 'Invalid library metadata' };
    const parts = splitArgs(code.slice(0, end));
    if (!parts || parts.length === 0) return { error: 'Invalid library metadata' };
    const engineName = parts[0]!.slice(2);
    let name: string | undefined;
    for (const part of parts.slice(1)) {
      if (part.slice(0, 5).toLowerCase() === 'name=') {
        if (name !== undefined) return { error: 'Invalid metadata value, name argument was given multiple times' };
        name = part.slice(5);
        continue;
      }
      return { error: `Invalid metadata value given: ${part}` };
    }
    if (name === undefined) return { error: 'Library name was not given' };
    if (!validName(name)) return { error: LIBRARY_NAME_ERROR };
    if (engineName.toLowerCase() !== 'lua') return { error: `Engine '${engineName}' not found` };
    const old = target.libraries.get(name);
    if (old && !replace) return { error: `Library '${name}' already exists` };
    if (old) unlinkLibrary(target, old);
    const library: Library = { name, code, functions: new Map() };
    const engine = this.functionVm();
    const error = engine.loadLibrary(code.slice(end), {
      deadline: timeoutMs > 0 ? Date.now() + timeoutMs : 0,
      register: (fname, ref, description, flags) => {
        if (!validName(fname)) return LIBRARY_NAME_ERROR;
        if (library.functions.has(fname)) return 'Function already exists in the library';
        library.functions.set(fname, { name: fname, library, ref, description, flags: new Set(flags) });
        return undefined;
      },
    });
    const fail = (message: string): { error: string } => {
      for (const fn of library.functions.values()) engine.releaseFunction(fn.ref);
      if (old) linkLibrary(target, old);
      return { error: message };
    };
    if (error !== undefined) return fail(error);
    if (library.functions.size === 0) return fail('No functions registered');
    for (const fname of library.functions.keys()) {
      if (target.functions.has(fname.toLowerCase())) return fail(`Function ${fname} already exists`);
    }
    linkLibrary(target, library);
    if (old) for (const fn of old.functions.values()) engine.releaseFunction(fn.ref);
    return { name };
  }

  /** FUNCTION LOAD. */
  loadLibrary(code: string, replace: boolean, fromMaster: boolean): { name: string } | { error: string } {
    return this.createLibrary(code, replace, this.current, fromMaster ? 0 : LOAD_TIMEOUT_MS);
  }

  deleteLibrary(name: string): boolean {
    const library = this.current.libraries.get(name);
    if (!library) return false;
    unlinkLibrary(this.current, library);
    for (const fn of library.functions.values()) this.functionEngine?.releaseFunction(fn.ref);
    return true;
  }

  flushLibraries(): void {
    for (const library of this.current.libraries.values()) {
      for (const fn of library.functions.values()) this.functionEngine?.releaseFunction(fn.ref);
    }
    this.current = { libraries: new Map(), functions: new Map() };
  }

  /**
   * Loads libraries from an RDB or a FUNCTION RESTORE payload: into a new set
   * (`policy` flush), or joined with the current ones (append: a clash fails;
   * replace: the new library wins). All or nothing.
   */
  restoreLibraries(codes: readonly string[], policy: 'flush' | 'append' | 'replace'): string | undefined {
    const incoming: LibrarySet = { libraries: new Map(), functions: new Map() };
    const discard = (set: LibrarySet) => {
      for (const fn of set.functions.values()) this.functionEngine?.releaseFunction(fn.ref);
    };
    for (const code of codes) {
      const result = this.createLibrary(code, false, incoming, 0);
      if ('error' in result) {
        discard(incoming);
        return result.error;
      }
    }
    if (policy === 'flush') {
      this.flushLibraries();
      this.current = incoming;
      return undefined;
    }
    // libraryJoin().
    const replaced: Library[] = [];
    for (const name of incoming.libraries.keys()) {
      const old = this.current.libraries.get(name);
      if (!old) continue;
      if (policy !== 'replace') {
        for (const lib of replaced) linkLibrary(this.current, lib);
        discard(incoming);
        return `Library ${name} already exists`;
      }
      unlinkLibrary(this.current, old);
      replaced.push(old);
    }
    for (const fn of incoming.functions.values()) {
      const fname = fn.name;
      if (this.current.functions.has(fname.toLowerCase())) {
        for (const lib of replaced) linkLibrary(this.current, lib);
        discard(incoming);
        return `Function ${fname} already exists`;
      }
    }
    for (const lib of incoming.libraries.values()) linkLibrary(this.current, lib);
    for (const lib of replaced) for (const fn of lib.functions.values()) this.functionEngine?.releaseFunction(fn.ref);
    return undefined;
  }

  libraryCodes(): string[] {
    return [...this.current.libraries.values()].map((lib) => lib.code);
  }

  // ------------------------------------------------------------ INFO

  memoryInfo(): ScriptingMemory {
    return {
      vmEval: this.evalEngine?.usedMemory() ?? EMPTY_VM_BYTES,
      vmFunctions: this.functionEngine?.usedMemory() ?? EMPTY_VM_BYTES,
      scriptsEval: this.scriptsMemory,
      functionsCache: this.libraryMemory(),
      cachedScripts: this.scripts.size,
      functions: this.current.functions.size,
      libraries: this.current.libraries.size,
    };
  }

  private libraryMemory(): number {
    let bytes = 0;
    for (const lib of this.current.libraries.values())
      bytes += lib.code.length + lib.name.length + 64 * lib.functions.size;
    return bytes;
  }
}

export interface ScriptingMemory {
  vmEval: number;
  vmFunctions: number;
  scriptsEval: number;
  functionsCache: number;
  cachedScripts: number;
  functions: number;
  libraries: number;
}

/** INFO memory's scripting fields, without creating any scripting state. */
export function scriptingMemoryInfo(server: Server): ScriptingMemory {
  return (
    existingScripting(server)?.memoryInfo() ?? {
      vmEval: EMPTY_VM_BYTES,
      vmFunctions: EMPTY_VM_BYTES,
      scriptsEval: 0,
      functionsCache: 0,
      cachedScripts: 0,
      functions: 0,
      libraries: 0,
    }
  );
}

/** What Redis reports for an interpreter that ran nothing yet (lua_gc count of a fresh state). */
const EMPTY_VM_BYTES = 31744;

function linkLibrary(set: LibrarySet, library: Library): void {
  set.libraries.set(library.name, library);
  for (const fn of library.functions.values()) set.functions.set(fn.name.toLowerCase(), fn);
}

function unlinkLibrary(set: LibrarySet, library: Library): void {
  set.libraries.delete(library.name);
  for (const fname of library.functions.keys()) set.functions.delete(fname.toLowerCase());
}

/** numkeys of EVAL/FCALL: an integer between 0 and the number of arguments left. */
function parseNumkeys(c: Client, text: string, available: number, notIntegerError: string): number | undefined {
  const n = /^-?\d+$/.test(text) && text.length < 20 ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) {
    c.error(notIntegerError);
    return undefined;
  }
  if (n > available) {
    c.error("ERR Number of keys can't be greater than number of args");
    return undefined;
  }
  if (n < 0) {
    c.error("ERR Number of keys can't be negative");
    return undefined;
  }
  return n;
}

/**
 * A Redis command this engine does not implement (CLUSTER, ...) that Redis flags
 * `noscript`: refused for that reason, as Redis would, rather than as unknown.
 */
function deniedToScripts(argv: readonly string[]): boolean {
  const name = argv[0]!.toLowerCase();
  const meta = (argv.length > 1 ? COMMAND_META[`${name}|${argv[1]!.toLowerCase()}`] : undefined) ?? COMMAND_META[name];
  return meta?.command_flags?.includes('NOSCRIPT') ?? false;
}

/** The client scripts run commands on: MONITOR shows its commands as `[db lua]`. */
class ScriptClient extends Client {
  override get addr(): string {
    return 'lua';
  }
}

const scriptClients = new WeakSet<Client>();

/** CLIENT_SCRIPT: the client is the one scripts run their commands on. */
export function isScriptClient(c: Client): boolean {
  return scriptClients.has(c);
}

const perServer = new WeakMap<Server, Scripting>();

/** The server's scripting state (created on first use; the Lua VMs later still). */
export function scriptingOf(server: Server): Scripting {
  let scripting = perServer.get(server);
  if (!scripting) perServer.set(server, (scripting = new Scripting(server)));
  return scripting;
}

/** Whether scripting state exists at all (INFO, RDB saving: no need to create it). */
export function existingScripting(server: Server): Scripting | undefined {
  return perServer.get(server);
}
