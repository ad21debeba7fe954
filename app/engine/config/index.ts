/**
 * The server's configuration: Redis 7.0's config registry (config.c's
 * `configs` dict) holding every parameter of params.ts, loaded from a
 * redis.conf file plus `--name value` command-line overrides (loader.ts), read
 * by the engine through `num()/str()/bool()` and changed by CONFIG SET.
 *
 * Values are kept as the strings CONFIG GET prints; numbers are cached so the
 * hot paths (`num('slowlog-log-slower-than')` on every command) cost one Map
 * lookup.
 */
import { parseValue, numericOf, splitSetValue, ValueError } from './codec.js';
import { loadServerConfig } from './loader.js';
import { DENY_LOADING, HIDDEN, IMMUTABLE, PARAMS, PROTECTED, type ParamDef } from './params.js';

export type { ParamDef } from './params.js';

/** A configuration error; `message` is Redis's own text (without the "ERR " prefix). */
export class ConfigError extends Error {}

/** A fatal error at one line of a config file: Redis's report as the message, the parts as fields. */
export class ConfigLineError extends ConfigError {
  constructor(
    message: string,
    readonly line: number,
    readonly lineText: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

type Listener = (value: string) => void;

/** One parameter's live state. */
interface Entry {
  readonly def: ParamDef;
  value: string;
  /** numericOf(value), cached for num()/bool(). */
  number: number;
  listeners: Listener[];
}

/** CONFIG_MIN_HZ / CONFIG_MAX_HZ: hz is a hint, out-of-range values are clamped (updateHZ). */
const MIN_HZ = 1;
const MAX_HZ = 500;

export interface SetOptions {
  /** allowProtectedAction(enable-protected-configs, client) for PROTECTED parameters. */
  protectedAllowed?: boolean;
  /** server.loading: DENY_LOADING parameters answer -LOADING. */
  loading?: boolean;
}

/** CONFIG SET refused with -LOADING (DENY_LOADING parameter while loading). */
export class ConfigLoadingError extends ConfigError {}

export class ServerConfig {
  private readonly entries: Entry[] = [];
  /** Every name and alias, lower-case, to its entry. */
  private readonly byName = new Map<string, Entry>();
  /** Live values owned by the server rather than stored here (replicaof follows REPLICAOF). */
  private readonly providers = new Map<string, () => string>();
  /** Absolute path of the file the config was loaded from (CONFIG REWRITE target). */
  configFile: string | undefined;
  /** `rename-command old new` directives, applied to the command table at start-up. */
  readonly renamedCommands: [from: string, to: string][] = [];
  /** `user ...` directives (accepted; this engine has only the default user). */
  readonly userDirectives: string[][] = [];
  /** Warnings about the configuration, logged once logging is set up (start-up). */
  readonly startupWarnings: string[] = [];

  constructor(cwd = process.cwd()) {
    for (const def of PARAMS) {
      const value = def.name === 'dir' ? cwd : def.default;
      const entry: Entry = { def, value, number: numericOf(def, value), listeners: [] };
      this.entries.push(entry);
      this.byName.set(def.name, entry);
      for (const alias of def.aliases ?? []) this.byName.set(alias, entry);
    }
  }

  /**
   * The redis-server command line: `[configfile] [--name value ...] [-]`.
   * Throws ConfigError carrying Redis's fatal message when the config is invalid.
   */
  static fromArgs(argv: readonly string[], cwd = process.cwd(), stdin?: () => string): ServerConfig {
    const config = new ServerConfig(cwd);
    loadServerConfig(config, argv, cwd, stdin);
    return config;
  }

  // ------------------------------------------------------------------ reads

  /** The definition of a parameter, by name or alias (case-insensitive). */
  lookup(name: string): ParamDef | undefined {
    return this.entry(name)?.def;
  }

  get(name: string): string | undefined {
    const entry = this.entry(name);
    if (!entry) return undefined;
    const provider = this.providers.get(entry.def.name);
    return provider ? provider() : entry.value;
  }

  str(name: string): string {
    const value = this.get(name);
    if (value === undefined) throw new Error(`unknown config parameter ${name}`);
    return value;
  }

  /** Numbers as Redis stores them: memory in bytes, percentages negative, booleans 1/0. */
  num(name: string): number {
    const entry = this.entry(name);
    if (!entry) throw new Error(`unknown config parameter ${name}`);
    return entry.number;
  }

  /** "yes" (booleans, and enums such as enable-debug-command whose other values are "no"/"local"). */
  bool(name: string): boolean {
    const entry = this.entry(name);
    if (!entry) throw new Error(`unknown config parameter ${name}`);
    return entry.value === 'yes';
  }

  /** Primary parameter names (no aliases), in config.c's table order. */
  names(): string[] {
    return this.entries.map((e) => e.def.name);
  }

  /** Every name CONFIG GET matches patterns against: names and aliases, hidden ones excluded. */
  visibleNames(): string[] {
    const out: string[] = [];
    for (const e of this.entries) {
      if (e.def.flags & HIDDEN) continue;
      out.push(e.def.name, ...(e.def.aliases ?? []));
    }
    return out;
  }

  // ----------------------------------------------------------------- writes

  /** CONFIG SET of one parameter. Throws ConfigError with Redis's text. */
  set(name: string, value: string, options: SetOptions = {}): void {
    this.setMany([[name, value]], options);
  }

  /**
   * CONFIG SET name value [name value ...]: every value is validated first and
   * nothing changes unless all are valid. Returns the primary names whose
   * values changed (their listeners have run).
   */
  setMany(pairs: readonly (readonly [string, string])[], options: SetOptions = {}): string[] {
    const targets: { entry: Entry; value: string; given: string }[] = [];
    // As configSetCommand(): the first invalid argument decides the error.
    let refusal: ConfigError | undefined;
    for (const [name, value] of pairs) {
      if (refusal) break;
      const entry = this.entry(name);
      if (!entry) {
        refusal = new ConfigError(`Unknown option or number of arguments for CONFIG SET - '${name}'`);
        continue;
      }
      const flags = entry.def.flags;
      if (flags & IMMUTABLE || (flags & PROTECTED && !options.protectedAllowed)) {
        const why = flags & IMMUTABLE ? "can't set immutable config" : "can't set protected config";
        refusal = setFailed(name, why);
      } else if (options.loading && flags & DENY_LOADING) {
        refusal = new ConfigLoadingError('LOADING Redis is loading the dataset in memory');
      } else if (targets.some((t) => t.entry === entry)) {
        refusal = setFailed(name, 'duplicate parameter');
      } else {
        targets.push({ entry, value, given: name });
      }
    }
    if (refusal) throw refusal;

    const parsed: string[] = [];
    for (const { entry, value, given } of targets) {
      try {
        const args = splitSetValue(entry.def, value);
        parsed.push(this.normalize(entry.def, parseValue(entry.def, args, this.parseContext(entry, false))));
      } catch (err) {
        // Redis names the registry entry that failed: the alias when one was used.
        if (err instanceof ValueError) throw setFailed(given.toLowerCase(), err.message);
        throw err;
      }
    }
    const changed: Entry[] = [];
    targets.forEach(({ entry }, i) => {
      if (this.store(entry, parsed[i]!)) changed.push(entry);
    });
    for (const entry of changed) for (const listener of entry.listeners) listener(entry.value);
    return changed.map((e) => e.def.name);
  }

  /**
   * Applies one directive of a config file (loadServerConfigFromString): the
   * value is stored without running listeners. Throws ValueError.
   */
  applyDirective(def: ParamDef, args: readonly string[], appendSave: boolean): void {
    const entry = this.entry(def.name)!;
    this.store(entry, this.normalize(def, parseValue(def, args, this.parseContext(entry, appendSave))));
  }

  /** Restores values (a failed apply step of CONFIG SET rolls back), running listeners. */
  restore(values: ReadonlyMap<string, string>): void {
    for (const [name, value] of values) {
      const entry = this.entry(name);
      if (entry && this.store(entry, value)) for (const listener of entry.listeners) listener(value);
    }
  }

  /** Runs `listener` with the new value after every change by CONFIG SET. */
  onChange(name: string, listener: Listener): void {
    const entry = this.entry(name);
    if (!entry) throw new Error(`unknown config parameter ${name}`);
    entry.listeners.push(listener);
  }

  /** Makes CONFIG GET/REWRITE read a parameter from its owner (e.g. replicaof from the replication state). */
  provide(name: string, getter: () => string): void {
    const entry = this.entry(name);
    if (!entry) throw new Error(`unknown config parameter ${name}`);
    this.providers.set(entry.def.name, getter);
  }

  // --------------------------------------------------------------- helpers

  private entry(name: string): Entry | undefined {
    return this.byName.get(name) ?? this.byName.get(name.toLowerCase());
  }

  private parseContext(entry: Entry, appendSave: boolean) {
    return { current: entry.value, cwd: this.byName.get('dir')!.value, appendSave };
  }

  /** Post-set adjustments Redis makes in apply functions. */
  private normalize(def: ParamDef, value: string): string {
    if (def.name === 'hz') return String(Math.min(MAX_HZ, Math.max(MIN_HZ, Number(value))));
    return value;
  }

  /** Returns true when the value changed. */
  private store(entry: Entry, value: string): boolean {
    if (entry.value === value) return false;
    entry.value = value;
    entry.number = numericOf(entry.def, value);
    return true;
  }
}

function setFailed(name: string, why: string): ConfigError {
  return new ConfigError(`CONFIG SET failed (possibly related to argument '${name}') - ${why}`);
}
