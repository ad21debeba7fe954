/**
 * The server's configuration: Redis's config registry (CONFIG GET/SET), loaded
 * from a redis.conf file plus `--name value` command-line overrides.
 *
 * NOTE: minimal bootstrap version; app/engine/config is being completed with
 * every directive of Redis 7.0 (see params.ts).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { splitInlineArgs } from '../../resp/inline.js';
import { PARAMS, type ParamDef } from './params.js';

/** A configuration error; `message` is Redis's own text. */
export class ConfigError extends Error {}

type Listener = (value: string) => void;

export class ServerConfig {
  private readonly values = new Map<string, string>();
  private readonly listeners = new Map<string, Listener[]>();
  /** Absolute path of the file the config was loaded from (CONFIG REWRITE target). */
  configFile: string | undefined;

  constructor() {
    for (const p of PARAMS) this.values.set(p.name, p.default);
  }

  static fromArgs(argv: readonly string[], cwd = process.cwd()): ServerConfig {
    const config = new ServerConfig();
    let rest = argv;
    if (rest.length > 0 && !rest[0]!.startsWith('--')) {
      config.configFile = resolve(cwd, rest[0]!);
      config.loadText(readFileSync(config.configFile, 'latin1'));
      rest = rest.slice(1);
    }
    // "--port 6380 --replicaof 127.0.0.1 6379": each --name starts a directive line.
    let line: string[] = [];
    const lines: string[][] = [];
    for (const arg of rest) {
      if (arg.startsWith('--') && arg.length > 2) {
        if (line.length) lines.push(line);
        line = [arg.slice(2)];
      } else {
        line.push(arg);
      }
    }
    if (line.length) lines.push(line);
    for (const l of lines) config.applyDirective(l);
    return config;
  }

  loadText(text: string): void {
    for (const raw of text.split('\n')) {
      const trimmed = raw.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      const args = splitInlineArgs(trimmed);
      if (!args) throw new ConfigError('Unbalanced quotes in configuration line');
      this.applyDirective(args);
    }
  }

  applyDirective(args: string[]): void {
    const def = lookup(args[0]!);
    if (!def) throw new ConfigError('Bad directive or wrong number of arguments');
    this.values.set(def.name, args.slice(1).join(' '));
  }

  get(name: string): string | undefined {
    const def = lookup(name);
    return def ? this.values.get(def.name) : undefined;
  }

  str(name: string): string {
    const v = this.get(name);
    if (v === undefined) throw new Error(`unknown config parameter ${name}`);
    return v;
  }

  num(name: string): number {
    return Number(this.str(name));
  }

  bool(name: string): boolean {
    return this.str(name) === 'yes';
  }

  /** CONFIG SET: validate, store and apply. Throws ConfigError with Redis's text. */
  set(name: string, value: string): void {
    const def = lookup(name);
    if (!def) throw new ConfigError(`Unknown option or number of arguments for CONFIG SET - '${name}'`);
    this.values.set(def.name, value);
    for (const l of this.listeners.get(def.name) ?? []) l(value);
  }

  onChange(name: string, listener: Listener): void {
    const def = lookup(name);
    if (!def) throw new Error(`unknown config parameter ${name}`);
    const list = this.listeners.get(def.name) ?? [];
    list.push(listener);
    this.listeners.set(def.name, list);
  }

  names(): string[] {
    return PARAMS.map((p) => p.name);
  }
}

const byName = new Map<string, ParamDef>();
for (const p of PARAMS) {
  byName.set(p.name, p);
  for (const a of p.aliases ?? []) byName.set(a, p);
}

function lookup(name: string): ParamDef | undefined {
  return byName.get(name.toLowerCase());
}
