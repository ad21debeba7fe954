/**
 * The command help table, built as redis-cli 7.0 builds it (cliInitHelp) from the
 * server's COMMAND DOCS reply: one entry per command and subcommand with its
 * argument synopsis, plus one entry per group (`@string`), sorted by name. It
 * feeds HELP, the argument hints and Tab completion.
 */
import type { RespValue } from '../resp/reply-parser.js';
import { CLI_VERSION } from './args.js';

export interface HelpEntry {
  kind: 'command' | 'group';
  /** The words of the name: ["CLIENT", "KILL"], or ["@string"] for a group. */
  words: string[];
  /** words joined by a space: the sort and completion key. */
  full: string;
  params: string;
  summary: string;
  since: string | undefined;
  group: string;
}

/** Alternating key/value elements of a map (RESP3) or a flattened map (RESP2). */
function pairs(value: RespValue): [string, RespValue][] {
  const flat = value.type === 'map' ? value.entries.flat() : value.type === 'array' ? value.items : [];
  const result: [string, RespValue][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) result.push([stringOf(flat[i]!), flat[i + 1]!]);
  return result;
}

function stringOf(value: RespValue): string {
  return value.type === 'bulk' || value.type === 'simple' || value.type === 'verbatim' ? value.value : '';
}

function itemsOf(value: RespValue): RespValue[] {
  return value.type === 'array' || value.type === 'set' ? value.items : [];
}

function orEmptyQuotes(text: string): string {
  return text === '' ? '""' : text;
}

/** cliAddArgument: one argument's synopsis (`[EX seconds|PX milliseconds]`, `key [key ...]`). */
export function argumentSynopsis(argument: RespValue): string {
  if (argument.type !== 'map' && argument.type !== 'array') return '';
  let name = '';
  let type = '';
  let token = '';
  let optional = false;
  let multiple = false;
  let multipleToken = false;
  let nested: RespValue | undefined;
  for (const [key, value] of pairs(argument)) {
    if (key === 'name') name = stringOf(value);
    else if (key === 'token') token += orEmptyQuotes(stringOf(value));
    else if (key === 'type') type = stringOf(value);
    else if (key === 'arguments') nested = value;
    else if (key === 'flags') {
      for (const flag of itemsOf(value).map(stringOf)) {
        if (flag === 'optional') optional = true;
        else if (flag === 'multiple') multiple = true;
        else if (flag === 'multiple_token') multipleToken = true;
      }
    }
  }
  let repeat = '';
  if (['key', 'string', 'integer', 'double', 'pattern', 'unix-time', 'token'].includes(type)) {
    repeat = orEmptyQuotes(name);
  } else if (type === 'oneof') {
    repeat = joinArguments(nested, '|');
  } else if (type === 'block') {
    repeat = joinArguments(nested, ' ');
  }
  if (token !== '' && type !== 'pure-token') token += ' ';
  let out = optional ? '[' : '';
  out += token + repeat;
  if (multiple) out += ` [${multipleToken ? token : ''}${repeat} ...]`;
  if (optional) out += ']';
  return out;
}

function joinArguments(list: RespValue | undefined, separator: string): string {
  return list ? itemsOf(list).map(argumentSynopsis).join(separator) : '';
}

function commandEntry(
  name: string,
  subcommand: string | undefined,
  specs: RespValue,
  groups: Set<string>,
): HelpEntry[] {
  const words = [name.toUpperCase()];
  if (subcommand !== undefined) words.push(subcommand.slice(subcommand.indexOf('|') + 1).toUpperCase());
  const entry: HelpEntry = {
    kind: 'command',
    words,
    full: words.join(' '),
    params: '',
    summary: '',
    since: undefined,
    group: '',
  };
  const entries = [entry];
  for (const [key, value] of pairs(specs)) {
    if (key === 'summary') entry.summary = stringOf(value);
    else if (key === 'since') entry.since = stringOf(value);
    else if (key === 'group') {
      entry.group = stringOf(value);
      groups.add(entry.group);
    } else if (key === 'arguments') entry.params = joinArguments(value, ' ');
    else if (key === 'subcommands') {
      for (const [subName, subSpecs] of pairs(value)) entries.push(...commandEntry(name, subName, subSpecs, groups));
    }
  }
  return entries;
}

/** strcmp order on byte strings. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The help table from a COMMAND DOCS reply; undefined when the reply is not a table. */
export function helpFromCommandDocs(docs: RespValue): HelpEntry[] | undefined {
  if (docs.type !== 'map' && docs.type !== 'array') return undefined;
  const groups = new Set<string>();
  const entries: HelpEntry[] = [];
  for (const [name, specs] of pairs(docs)) entries.push(...commandEntry(name, undefined, specs, groups));
  for (const group of groups) {
    const full = `@${group}`;
    entries.push({ kind: 'group', words: [full], full, params: '', summary: '', since: undefined, group: '' });
  }
  return entries.sort((a, b) => compareBytes(a.full, b.full));
}

/** cliOutputCommandHelp. */
function commandHelpText(entry: HelpEntry, withGroup: boolean): string {
  let out = `\r\n  \x1b[1m${entry.full}\x1b[0m \x1b[90m${entry.params}\x1b[0m\r\n`;
  out += `  \x1b[33msummary:\x1b[0m ${entry.summary}\r\n`;
  if (entry.since !== undefined) out += `  \x1b[33msince:\x1b[0m ${entry.since}\r\n`;
  if (withGroup) out += `  \x1b[33mgroup:\x1b[0m ${entry.group}\r\n`;
  return out;
}

export function genericHelpText(): string {
  return (
    `redis-cli ${CLI_VERSION}\n` +
    'To get help about Redis commands type:\n' +
    '      "help @<group>" to get a list of commands in <group>\n' +
    '      "help <command>" for help on <command>\n' +
    '      "help <tab>" to get a list of possible help topics\n' +
    '      "quit" to exit\n' +
    '\n' +
    'To set redis-cli preferences:\n' +
    '      ":set hints" enable online hints\n' +
    '      ":set nohints" disable online hints\n' +
    'Set your preferences in ~/.redisclirc\n'
  );
}

/** cliOutputHelp for `HELP words...` (words non-empty). */
export function helpText(entries: HelpEntry[], words: string[]): string {
  const group = words[0]!.startsWith('@') ? words[0]!.slice(1).toLowerCase() : undefined;
  let out = '';
  for (const entry of entries) {
    if (entry.kind !== 'command') continue;
    if (group === undefined) {
      if (words.length > entry.words.length) continue;
      if (words.every((word, j) => word.toLowerCase() === entry.words[j]!.toLowerCase())) {
        out += commandHelpText(entry, true);
      }
    } else if (entry.group.toLowerCase() === group) {
      out += commandHelpText(entry, false);
    }
  }
  return out + '\r\n';
}

/** completionCallback: the candidate lines for Tab after `buffer`. */
export function completions(entries: HelpEntry[], buffer: string): string[] {
  let start = 0;
  let kinds: HelpEntry['kind'][] = ['command'];
  if (buffer.slice(0, 5).toLowerCase() === 'help ') {
    start = 5;
    while (start < buffer.length && /[ \t\n\v\f\r]/.test(buffer[start]!)) start++;
    kinds = ['command', 'group'];
  }
  const typed = buffer.slice(start).toLowerCase();
  const head = buffer.slice(0, start);
  return entries
    .filter((entry) => kinds.includes(entry.kind) && entry.full.slice(0, typed.length).toLowerCase() === typed)
    .map((entry) => head + entry.full);
}
