/**
 * COMMAND and its subcommands (server.c commandCommand & co): the command table
 * as Redis 7.0 describes it. Replies follow addReplyCommandInfo() and
 * addReplyCommandDocs() field by field; only the commands the engine implements
 * are listed, so clients (redis-cli hints among them) see what really works.
 */
import type { Client } from '../client.js';
import type { Command, CommandModule } from '../command-table.js';
import { globMatch } from '../glob.js';
import { ERR_SYNTAX } from './args.js';
import { commandHasKeys, getKeysFromCommand, keyFlagNames, keyInfo } from './keyspecs.js';
import { replyHelp } from './help.js';

/** addReplyFlagsForCommand(): JSON flag name, reply name; hidden flags are absent. */
const COMMAND_FLAG_NAMES: readonly (readonly [string, string])[] = [
  ['WRITE', 'write'],
  ['READONLY', 'readonly'],
  ['DENYOOM', 'denyoom'],
  ['MODULE', 'module'],
  ['ADMIN', 'admin'],
  ['PUBSUB', 'pubsub'],
  ['NOSCRIPT', 'noscript'],
  ['BLOCKING', 'blocking'],
  ['LOADING', 'loading'],
  ['STALE', 'stale'],
  ['SKIP_MONITOR', 'skip_monitor'],
  ['SKIP_SLOWLOG', 'skip_slowlog'],
  ['ASKING', 'asking'],
  ['FAST', 'fast'],
  ['NO_AUTH', 'no_auth'],
  ['NO_MANDATORY_KEYS', 'no_mandatory_keys'],
  ['NO_ASYNC_LOADING', 'no_async_loading'],
  ['NO_MULTI', 'no_multi'],
  ['MOVABLE_KEYS', 'movablekeys'],
  ['ALLOW_BUSY', 'allow_busy'],
];

/** ACLCommandCategories[], in the order COMMAND INFO prints them. */
export const ACL_CATEGORIES = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
] as const;

/** Everything COMMAND replies derive from the metadata, computed once per command. */
interface CommandView {
  flags: string[];
  categories: Set<string>;
}

const views = new WeakMap<Command, CommandView>();

function viewOf(cmd: Command): CommandView {
  let view = views.get(cmd);
  if (!view) {
    view = { flags: commandFlags(cmd), categories: aclCategories(cmd) };
    views.set(cmd, view);
  }
  return view;
}

function commandFlags(cmd: Command): string[] {
  const declared = new Set(cmd.meta.command_flags ?? []);
  if (keyInfo(cmd).movableKeys) declared.add('MOVABLE_KEYS');
  return COMMAND_FLAG_NAMES.filter(([json]) => declared.has(json)).map(([, reply]) => reply);
}

/** The declared categories plus the implicit ones setImplicitACLCategories() adds. */
export function aclCategories(cmd: Command): Set<string> {
  const cats = new Set((cmd.meta.acl_categories ?? []).map((c) => c.toLowerCase()));
  const flags = new Set(cmd.meta.command_flags ?? []);
  if (flags.has('WRITE')) cats.add('write');
  if (flags.has('READONLY') && !cats.has('scripting')) cats.add('read');
  if (flags.has('ADMIN')) {
    cats.add('admin');
    cats.add('dangerous');
  }
  if (flags.has('PUBSUB')) cats.add('pubsub');
  if (flags.has('FAST')) cats.add('fast');
  if (flags.has('BLOCKING')) cats.add('blocking');
  if (!cats.has('fast')) cats.add('slow');
  return cats;
}

function replyStatusSet(c: Client, items: readonly string[]): void {
  c.setLen(items.length);
  for (const item of items) c.simple(item);
}

/** addReplyCommandInfo(). */
function replyCommandInfo(c: Client, cmd: Command | undefined): void {
  if (!cmd) {
    c.null();
    return;
  }
  const view = viewOf(cmd);
  const keys = keyInfo(cmd);
  c.arrayLen(10);
  c.bulk(cmd.fullName);
  c.integer(cmd.arity);
  replyStatusSet(c, view.flags);
  c.integer(keys.firstKey);
  c.integer(keys.lastKey);
  c.integer(keys.keyStep);
  replyStatusSet(
    c,
    ACL_CATEGORIES.filter((cat) => view.categories.has(cat)).map((cat) => '@' + cat),
  );
  const tips = (cmd.meta.command_tips ?? []).map((t) => t.toLowerCase());
  c.setLen(tips.length);
  for (const tip of tips) c.bulk(tip);
  replyKeySpecs(c, cmd);
  if (cmd.subcommands.size === 0) {
    c.setLen(0);
  } else {
    c.arrayLen(cmd.subcommands.size);
    for (const sub of cmd.subcommands.values()) replyCommandInfo(c, sub);
  }
}

/** addReplyCommandKeySpecs(). */
function replyKeySpecs(c: Client, cmd: Command): void {
  const specs = cmd.meta.key_specs ?? [];
  const compiled = keyInfo(cmd).specs;
  c.setLen(specs.length);
  specs.forEach((spec, i) => {
    c.mapLen(spec.notes ? 4 : 3);
    if (spec.notes) {
      c.bulk('notes');
      c.bulk(spec.notes);
    }
    c.bulk('flags');
    replyStatusSet(c, keyFlagNames(compiled[i]!.flags));
    c.bulk('begin_search');
    c.mapLen(2);
    c.bulk('type');
    const bs = spec.begin_search;
    if (bs.index) {
      c.bulk('index');
      c.bulk('spec');
      c.mapLen(1);
      c.bulk('index');
      c.integer(bs.index.pos);
    } else if (bs.keyword) {
      c.bulk('keyword');
      c.bulk('spec');
      c.mapLen(2);
      c.bulk('keyword');
      c.bulk(bs.keyword.keyword);
      c.bulk('startfrom');
      c.integer(bs.keyword.startfrom);
    } else {
      c.bulk('unknown');
      c.bulk('spec');
      c.mapLen(0);
    }
    c.bulk('find_keys');
    c.mapLen(2);
    c.bulk('type');
    const fk = spec.find_keys;
    if (fk.range) {
      c.bulk('range');
      c.bulk('spec');
      c.mapLen(3);
      c.bulk('lastkey');
      c.integer(fk.range.lastkey);
      c.bulk('keystep');
      c.integer(fk.range.step);
      c.bulk('limit');
      c.integer(fk.range.limit);
    } else if (fk.keynum) {
      c.bulk('keynum');
      c.bulk('spec');
      c.mapLen(3);
      c.bulk('keynumidx');
      c.integer(fk.keynum.keynumidx);
      c.bulk('firstkey');
      c.integer(fk.keynum.firstkey);
      c.bulk('keystep');
      c.integer(fk.keynum.step);
    } else {
      c.bulk('unknown');
      c.bulk('spec');
      c.mapLen(0);
    }
  });
}

/** One argument of the JSON metadata (redisCommandArg). */
interface ArgumentMeta {
  name: string;
  type: string;
  key_spec_index?: number;
  token?: string;
  summary?: string;
  since?: string;
  deprecated_since?: string;
  optional?: boolean;
  multiple?: boolean;
  multiple_token?: boolean;
  arguments?: ArgumentMeta[];
}

/** addReplyCommandArgList(). */
function replyArguments(c: Client, args: readonly ArgumentMeta[]): void {
  c.arrayLen(args.length);
  for (const arg of args) {
    const flags: string[] = [];
    if (arg.optional) flags.push('optional');
    if (arg.multiple) flags.push('multiple');
    if (arg.multiple_token) flags.push('multiple_token');
    const container = arg.type === 'oneof' || arg.type === 'block';
    let len = 2;
    if (arg.key_spec_index !== undefined) len++;
    if (arg.token) len++;
    if (arg.summary) len++;
    if (arg.since) len++;
    if (arg.deprecated_since) len++;
    if (flags.length) len++;
    if (container) len++;
    c.mapLen(len);
    c.bulk('name');
    c.bulk(arg.name.toLowerCase());
    c.bulk('type');
    c.bulk(arg.type);
    if (arg.key_spec_index !== undefined) {
      c.bulk('key_spec_index');
      c.integer(arg.key_spec_index);
    }
    if (arg.token) {
      c.bulk('token');
      c.bulk(arg.token.toUpperCase());
    }
    if (arg.summary) {
      c.bulk('summary');
      c.bulk(arg.summary);
    }
    if (arg.since) {
      c.bulk('since');
      c.bulk(arg.since);
    }
    if (arg.deprecated_since) {
      c.bulk('deprecated_since');
      c.bulk(arg.deprecated_since);
    }
    if (flags.length) {
      c.bulk('flags');
      replyStatusSet(c, flags);
    }
    if (container) {
      c.bulk('arguments');
      replyArguments(c, arg.arguments ?? []);
    }
  }
}

/** addReplyCommandDocs(). */
function replyCommandDocs(c: Client, cmd: Command): void {
  const m = cmd.meta;
  const args = (m.arguments ?? []) as ArgumentMeta[];
  const docFlags = (m.doc_flags ?? []).map((f) => f.toLowerCase());
  const history = m.history ?? [];
  let len = 1;
  if (m.summary) len++;
  if (m.since) len++;
  if (m.complexity) len++;
  if (docFlags.length) len++;
  if (m.deprecated_since) len++;
  if (m.replaced_by) len++;
  if (history.length) len++;
  if (args.length) len++;
  if (cmd.subcommands.size) len++;
  c.mapLen(len);
  if (m.summary) {
    c.bulk('summary');
    c.bulk(m.summary);
  }
  if (m.since) {
    c.bulk('since');
    c.bulk(m.since);
  }
  c.bulk('group');
  c.bulk(m.group.replace('_', '-'));
  if (m.complexity) {
    c.bulk('complexity');
    c.bulk(m.complexity);
  }
  if (docFlags.length) {
    c.bulk('doc_flags');
    replyStatusSet(c, docFlags);
  }
  if (m.deprecated_since) {
    c.bulk('deprecated_since');
    c.bulk(m.deprecated_since);
  }
  if (m.replaced_by) {
    c.bulk('replaced_by');
    c.bulk(m.replaced_by);
  }
  if (history.length) {
    c.bulk('history');
    c.setLen(history.length);
    for (const [since, changes] of history) {
      c.arrayLen(2);
      c.bulk(since);
      c.bulk(changes);
    }
  }
  if (args.length) {
    c.bulk('arguments');
    replyArguments(c, args);
  }
  if (cmd.subcommands.size) {
    c.bulk('subcommands');
    c.mapLen(cmd.subcommands.size);
    for (const sub of cmd.subcommands.values()) {
      c.bulk(sub.fullName);
      replyCommandDocs(c, sub);
    }
  }
}

/** lookupCommandBySds(): "name" or "container|sub", strictly one level deep. */
function lookupByFullName(c: Client, fullName: string): Command | undefined {
  const parts = fullName.split('|');
  if (parts.length > 2) return undefined;
  const base = c.server.commands.base(parts[0]!);
  if (!base) return undefined;
  if (parts.length === 1) return base;
  if (base.subcommands.size === 0) return undefined;
  return base.subcommands.get(parts[1]!.toLowerCase());
}

/** COMMAND GETKEYS / GETKEYSANDFLAGS (getKeysSubcommandImpl). */
function getKeys(c: Client, argv: string[], withFlags: boolean): void {
  const target = argv.slice(2);
  const cmd = c.server.commands.lookup(target);
  if (!cmd) {
    c.error('ERR Invalid command specified');
    return;
  }
  if (!commandHasKeys(cmd)) {
    c.error('ERR The command has no key arguments');
    return;
  }
  if ((cmd.arity > 0 && cmd.arity !== target.length) || target.length < -cmd.arity) {
    c.error('ERR Invalid number of arguments specified for command');
    return;
  }
  const keys = getKeysFromCommand(cmd, target);
  if (keys.length === 0) {
    if (cmd.has('no_mandatory_keys')) c.arrayLen(0);
    else c.error('ERR Invalid arguments specified for command');
    return;
  }
  c.arrayLen(keys.length);
  for (const key of keys) {
    if (!withFlags) {
      c.bulk(target[key.pos]!);
      continue;
    }
    c.arrayLen(2);
    c.bulk(target[key.pos]!);
    replyStatusSet(c, keyFlagNames(key.flags));
  }
}

type ListFilter = { kind: 'module' | 'aclcat' | 'pattern'; arg: string };

function listed(cmd: Command, filter: ListFilter | undefined): boolean {
  if (!filter) return true;
  switch (filter.kind) {
    case 'module':
      return false;
    case 'aclcat':
      return viewOf(cmd).categories.has(filter.arg.toLowerCase());
    case 'pattern':
      return globMatch(filter.arg, cmd.fullName, true);
  }
}

const HELP = [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
];

function replyAllInfo(c: Client): void {
  const commands = c.server.commands.commands;
  c.arrayLen(commands.size);
  for (const cmd of commands.values()) replyCommandInfo(c, cmd);
}

export const commandCommands: CommandModule = {
  command(c) {
    replyAllInfo(c);
  },

  'command|count'(c) {
    c.integer(c.server.commands.commands.size);
  },

  'command|info'(c, argv) {
    if (argv.length === 2) {
      replyAllInfo(c);
      return;
    }
    c.arrayLen(argv.length - 2);
    for (let i = 2; i < argv.length; i++) replyCommandInfo(c, lookupByFullName(c, argv[i]!));
  },

  'command|docs'(c, argv) {
    if (argv.length === 2) {
      const commands = c.server.commands.commands;
      c.mapLen(commands.size);
      for (const cmd of commands.values()) {
        c.bulk(cmd.fullName);
        replyCommandDocs(c, cmd);
      }
      return;
    }
    const found: Command[] = [];
    for (let i = 2; i < argv.length; i++) {
      const cmd = lookupByFullName(c, argv[i]!);
      if (cmd) found.push(cmd);
    }
    c.mapLen(found.length);
    for (const cmd of found) {
      c.bulk(cmd.fullName);
      replyCommandDocs(c, cmd);
    }
  },

  'command|list'(c, argv) {
    let filter: ListFilter | undefined;
    for (let i = 2; i < argv.length; i++) {
      const more = argv.length - 1 - i;
      if (argv[i]!.toLowerCase() === 'filterby' && more === 2) {
        const kind = argv[i + 1]!.toLowerCase();
        if (kind !== 'module' && kind !== 'aclcat' && kind !== 'pattern') {
          c.error(ERR_SYNTAX);
          return;
        }
        filter = { kind, arg: argv[i + 2]! };
        i += 2;
      } else {
        c.error(ERR_SYNTAX);
        return;
      }
    }
    const names: string[] = [];
    for (const cmd of c.server.commands.all()) if (listed(cmd, filter)) names.push(cmd.fullName);
    c.bulkArray(names);
  },

  'command|getkeys'(c, argv) {
    getKeys(c, argv, false);
  },

  'command|getkeysandflags'(c, argv) {
    getKeys(c, argv, true);
  },

  'command|help'(c) {
    replyHelp(c, 'command', HELP);
  },
};
