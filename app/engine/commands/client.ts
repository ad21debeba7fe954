/**
 * CLIENT and its subcommands (networking.c clientCommand): identity, naming,
 * listing and killing connections, pausing, reply suppression and unblocking.
 * CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO are not implemented
 * (client-side caching is not part of the engine) and so are absent.
 */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import { ERR_SYNTAX, toInt } from './args.js';
import { replyHelp } from './help.js';

type ClientType = 'normal' | 'slave' | 'pubsub' | 'master';

/** getClientType(): MONITOR clients count as normal ones. */
export function clientType(c: Client): ClientType {
  if (c.isMaster) return 'master';
  if (c.isReplica && !c.monitor) return 'slave';
  if (c.inPubSubContext) return 'pubsub';
  return 'normal';
}

/** getClientTypeByName(). */
function clientTypeByName(name: string): ClientType | undefined {
  switch (name.toLowerCase()) {
    case 'normal':
      return 'normal';
    case 'slave':
    case 'replica':
      return 'slave';
    case 'pubsub':
      return 'pubsub';
    case 'master':
      return 'master';
    default:
      return undefined;
  }
}

/** Reply buffer size (PROTO_REPLY_CHUNK_BYTES), shown as rbs and initial rbp. */
const REPLY_BUFFER_SIZE = 16384;
/** The client struct and its static reply buffer, as getClientMemoryUsage() counts them. */
const CLIENT_STRUCT_MEM = 17174;

/**
 * catClientInfoString(): one CLIENT LIST / CLIENT INFO line. `runningArgv` is
 * the command the client is executing right now, which Redis still counts in
 * its query buffer (qbuf) and argv-mem.
 */
export function clientInfoString(c: Client, runningArgv?: readonly string[]): string {
  const now = Date.now();
  let flags = '';
  if (c.monitor) flags += 'O';
  else if (c.isReplica) flags += 'S';
  if (c.isMaster) flags += 'M';
  if (c.inPubSubContext) flags += 'P';
  if (c.inMulti) flags += 'x';
  if (c.blocked || c.paused) flags += 'b';
  if (c.dirtyCas) flags += 'd';
  if (c.closeAfterReply) flags += 'c';
  if (c.noEvict) flags += 'e';
  if (flags === '') flags = 'N';
  // The parser keeps Redis's query buffer accounting, the running command's bytes included.
  const qbuf = c.parser.queryBufferLength();
  let argvMem = 0;
  if (runningArgv) {
    for (const arg of runningArgv) argvMem += arg.length;
  }
  let multiMem = 0;
  for (const queued of c.multiQueue) {
    for (const arg of queued.argv) multiMem += arg.length;
    multiMem += 8 * queued.argv.length;
  }
  const qbufFree = c.parser.queryBufferFree();
  const omem = c.socket?.writableLength ?? 0;
  const totMem = CLIENT_STRUCT_MEM + (qbuf + qbufFree) + argvMem + multiMem + omem;
  const fd = fdOf(c);
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${fd} name=${c.name} ` +
    `age=${Math.floor((now - c.createdAt) / 1000)} idle=${Math.floor((now - c.lastInteraction) / 1000)} ` +
    `flags=${flags} db=${c.db.id} sub=${c.channels.size} psub=${c.patterns.size} ssub=${c.shardChannels.size} ` +
    `multi=${c.inMulti ? c.multiQueue.length : -1} qbuf=${qbuf} qbuf-free=${qbufFree} ` +
    `argv-mem=${argvMem} multi-mem=${multiMem} rbs=${REPLY_BUFFER_SIZE} rbp=${REPLY_BUFFER_SIZE} ` +
    `obl=0 oll=0 omem=${omem} tot-mem=${totMem} events=${c.closed ? '' : 'r'} ` +
    `cmd=${c.lastCommand} user=default redir=-1 resp=${c.resp}`
  );
}

/** The socket's file descriptor where libuv exposes it, else -1. */
function fdOf(c: Client): number {
  // `_handle.fd` is libuv's descriptor: not part of Node's typed API.
  const handle = (c.socket as unknown as { _handle?: { fd?: number } } | undefined)?._handle;
  return handle?.fd ?? -1;
}

/** getLongLongFromObjectOrReply() with a custom message: parse or reply `ERR <message>`. */
function intOrReply(c: Client, text: string, message: string): number | undefined {
  const n = toInt(text);
  if (n === null) {
    c.error(`ERR ${message}`);
    return undefined;
  }
  return n;
}

function clientList(c: Client, argv: string[]): void {
  const server = c.server;
  const self = server.currentClient === c ? argv : undefined;
  const line = (target: Client) => clientInfoString(target, target === c ? self : undefined) + '\n';
  let type: ClientType | undefined;
  if (argv.length === 4 && argv[2]!.toLowerCase() === 'type') {
    type = clientTypeByName(argv[3]!);
    if (!type) {
      c.error(`ERR Unknown client type '${argv[3]}'`);
      return;
    }
  } else if (argv.length > 3 && argv[2]!.toLowerCase() === 'id') {
    let out = '';
    for (let j = 3; j < argv.length; j++) {
      const id = intOrReply(c, argv[j]!, 'Invalid client ID');
      if (id === undefined) return;
      const target = server.clients.get(id);
      if (target) out += line(target);
    }
    c.verbatim(out);
    return;
  } else if (argv.length !== 2) {
    c.error(ERR_SYNTAX);
    return;
  }
  let out = '';
  for (const target of server.clients.values()) {
    if (type === undefined || clientType(target) === type) out += line(target);
  }
  c.verbatim(out);
}

interface KillFilter {
  addr?: string;
  laddr?: string;
  type?: ClientType;
  id?: number;
  skipMe: boolean;
}

/** Parses CLIENT KILL's new-style options; replies and returns undefined on error. */
function parseKillFilter(c: Client, argv: string[]): KillFilter | undefined {
  const filter: KillFilter = { skipMe: true };
  for (let i = 2; i < argv.length; i += 2) {
    const option = argv[i]!.toLowerCase();
    const value = argv[i + 1];
    if (value === undefined) {
      c.error(ERR_SYNTAX);
      return undefined;
    }
    if (option === 'id') {
      const id = toInt(value);
      if (id === null || id < 1) {
        c.error('ERR client-id should be greater than 0');
        return undefined;
      }
      filter.id = id;
    } else if (option === 'type') {
      filter.type = clientTypeByName(value);
      if (!filter.type) {
        c.error(`ERR Unknown client type '${value}'`);
        return undefined;
      }
    } else if (option === 'addr') {
      filter.addr = value;
    } else if (option === 'laddr') {
      filter.laddr = value;
    } else if (option === 'user') {
      // Only the default user exists (no ACL users in the engine).
      if (value !== 'default') {
        c.error(`ERR No such user '${value}'`);
        return undefined;
      }
    } else if (option === 'skipme') {
      const yesNo = value.toLowerCase();
      if (yesNo !== 'yes' && yesNo !== 'no') {
        c.error(ERR_SYNTAX);
        return undefined;
      }
      filter.skipMe = yesNo === 'yes';
    } else {
      c.error(ERR_SYNTAX);
      return undefined;
    }
  }
  return filter;
}

function clientKill(c: Client, argv: string[]): void {
  const oldStyle = argv.length === 3;
  // With the old form (CLIENT KILL addr) a client may kill itself.
  const filter = oldStyle ? { addr: argv[2]!, skipMe: false } : parseKillFilter(c, argv);
  if (!filter) return;
  const server = c.server;
  let killed = 0;
  let killSelf = false;
  for (const target of [...server.clients.values()]) {
    if (filter.addr !== undefined && target.addr !== filter.addr) continue;
    if (filter.laddr !== undefined && target.laddr !== filter.laddr) continue;
    if (filter.type !== undefined && clientType(target) !== filter.type) continue;
    if (filter.id !== undefined && target.id !== filter.id) continue;
    if (target === c && filter.skipMe) continue;
    if (target === c) killSelf = true;
    else server.freeClient(target);
    killed++;
  }
  if (oldStyle) {
    if (killed === 0) c.error('ERR No such client');
    else c.ok();
  } else {
    c.integer(killed);
  }
  // Only after the reply is queued: it is still delivered before the close.
  if (killSelf) c.closeAfterFlush();
}

/** addReplySubcommandSyntaxError(). */
export function subcommandSyntaxError(c: Client, argv: readonly string[]): void {
  c.error(
    `ERR unknown subcommand or wrong number of arguments for '${argv[1]!.slice(0, 128)}'. ` +
      `Try ${argv[0]!.toUpperCase()} HELP.`,
  );
}

function clientUnblock(c: Client, argv: string[]): void {
  if (argv.length > 4) {
    subcommandSyntaxError(c, argv);
    return;
  }
  let withError = false;
  if (argv.length === 4) {
    const reason = argv[3]!.toLowerCase();
    if (reason === 'error') {
      withError = true;
    } else if (reason !== 'timeout') {
      c.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
      return;
    }
  }
  const id = toInt(argv[2]!);
  if (id === null) {
    c.error('ERR value is not an integer or out of range');
    return;
  }
  const server = c.server;
  const target = server.clients.get(id);
  if (!target || !target.blocked) {
    c.integer(0);
    return;
  }
  if (withError) {
    target.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    const blockedCommand = server.commands.byFullName(target.lastCommand);
    if (blockedCommand) blockedCommand.failedCalls++;
    server.blocking.unblock(target);
    target.scheduleFlush();
  } else {
    server.blocking.timeout(target);
  }
  c.integer(1);
}

function clientPause(c: Client, argv: string[]): void {
  if (argv.length > 4) {
    subcommandSyntaxError(c, argv);
    return;
  }
  let type: 'all' | 'write' = 'all';
  if (argv.length === 4) {
    const mode = argv[3]!.toLowerCase();
    if (mode === 'write') {
      type = 'write';
    } else if (mode !== 'all') {
      c.error('ERR CLIENT PAUSE mode must be WRITE or ALL');
      return;
    }
  }
  const timeout = intOrReply(c, argv[2]!, 'timeout is not an integer or out of range');
  if (timeout === undefined) return;
  if (timeout < 0) {
    c.error('ERR timeout is negative');
    return;
  }
  c.server.pauseClients(type, timeout > 0 ? Date.now() + timeout : 0);
  c.ok();
}

const HELP = [
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
];

/** clientSetName(): printable ASCII without spaces, or empty to clear the name. */
export function isValidClientName(name: string): boolean {
  return !/[^\x21-\x7e]/.test(name);
}

export const clientCommands: CommandModule = {
  'client|help'(c) {
    replyHelp(c, 'client', HELP);
  },

  'client|id'(c) {
    c.integer(c.id);
  },

  'client|info'(c, argv) {
    c.verbatim(clientInfoString(c, argv) + '\n');
  },

  'client|list': clientList,

  'client|kill': clientKill,

  'client|setname'(c, argv) {
    const name = argv[2]!;
    if (!isValidClientName(name)) {
      c.error('ERR Client names cannot contain spaces, newlines or special characters.');
      return;
    }
    c.name = name;
    c.ok();
  },

  'client|getname'(c) {
    if (c.name === '') c.null();
    else c.bulk(c.name);
  },

  'client|reply'(c, argv) {
    const mode = argv[2]!.toLowerCase();
    if (mode === 'on') {
      c.replyMode = 'on';
      c.ok();
    } else if (mode === 'off') {
      c.replyMode = 'off';
    } else if (mode === 'skip') {
      if (c.replyMode !== 'off') c.replyMode = 'skip-next';
    } else {
      c.error(ERR_SYNTAX);
    }
  },

  'client|no-evict'(c, argv) {
    const mode = argv[2]!.toLowerCase();
    if (mode === 'on') c.noEvict = true;
    else if (mode === 'off') c.noEvict = false;
    else {
      c.error(ERR_SYNTAX);
      return;
    }
    c.ok();
  },

  'client|pause': clientPause,

  'client|unpause'(c) {
    c.server.unpauseClients();
    c.ok();
  },

  'client|unblock': clientUnblock,
};
