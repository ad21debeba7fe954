/** CONFIG GET / SET / RESETSTAT / REWRITE / HELP (config.c). */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import { ConfigError, ConfigLoadingError } from '../config/index.js';
import { errnoText } from '../config/loader.js';
import { SENSITIVE } from '../config/params.js';
import { rewriteConfig } from '../config/rewrite.js';
import { globMatch } from '../glob.js';
import type { Server } from '../server.js';
import { ERR_SYNTAX } from './args.js';
import { replyHelp } from './help.js';
import { resetLatencyHistograms } from '../latency.js';

const HELP = [
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
];

/** Parameters whose change needs the listening sockets redone (updatePort / applyBind). */
const LISTEN_PARAMS = new Set(['port', 'bind']);

export const configCommands: CommandModule = {
  'config|get'(c, argv) {
    const config = c.server.config;
    // Keys as the client spelled them; a parameter appears once (case-insensitive).
    const matches = new Map<string, { key: string; name: string }>();
    for (let i = 2; i < argv.length; i++) {
      const pattern = argv[i]!;
      if (!/[[*?]/.test(pattern)) {
        if (matches.has(pattern.toLowerCase())) continue;
        if (config.lookup(pattern)) matches.set(pattern.toLowerCase(), { key: pattern, name: pattern });
        continue;
      }
      for (const name of config.visibleNames()) {
        if (matches.has(name)) continue;
        if (globMatch(pattern, name, true)) matches.set(name, { key: name, name });
      }
    }
    c.mapLen(matches.size);
    for (const { key, name } of matches.values()) {
      c.bulk(key);
      c.bulk(config.str(name));
    }
  },

  'config|set'(c, argv) {
    if (argv.length % 2 === 1) {
      c.error(ERR_SYNTAX);
      return;
    }
    const server = c.server;
    const config = server.config;
    const pairs: [string, string][] = [];
    for (let i = 2; i < argv.length; i += 2) {
      pairs.push([argv[i]!, argv[i + 1]!]);
      // redactClientCommandArgument(): passwords never reach SLOWLOG (it reads this argv).
      const def = config.lookup(argv[i]!);
      if (def && def.flags & SENSITIVE) argv[i + 1] = '(redacted)';
    }
    const before = new Map<string, string>();
    for (const [name] of pairs) {
      const def = config.lookup(name);
      if (def) before.set(def.name, config.str(def.name));
    }
    let changed: string[];
    try {
      changed = config.setMany(pairs, { protectedAllowed: allowProtectedConfigs(c) });
    } catch (err) {
      if (err instanceof ConfigLoadingError) c.error(err.message);
      else if (err instanceof ConfigError) c.error(`ERR ${err.message}`);
      else throw err;
      return;
    }
    if (changed.includes('dir')) {
      // setConfigDirOption() chdir()s: relative paths (dbfilename, logfile) follow.
      process.chdir(config.str('dir'));
    }
    const relisten = changed.find((name) => LISTEN_PARAMS.has(name));
    if (relisten === undefined) {
      c.ok();
      return;
    }
    const portOnly = !changed.includes('bind');
    const failure =
      relisten === 'port'
        ? 'Unable to listen on this port. Check server logs.'
        : 'Failed to bind to specified addresses.';
    const rollback = async (): Promise<void> => {
      server.log.warning(
        `Failed applying new configuration. Possibly related to new ${relisten} setting. Restoring previous settings.`,
      );
      config.restore(before);
      if (before.get('dir') !== undefined) process.chdir(config.str('dir'));
      // A failed port change kept the old sockets; a failed bind change released them.
      if (!portOnly) await server.relisten(false).catch(() => undefined);
    };
    // Binding is asynchronous in Node: the reply waits for it, unless inside EXEC
    // where a command cannot block (the change is then applied in the background).
    if (c.inMulti) {
      c.ok();
      server.relisten(portOnly).catch(rollback);
      return;
    }
    c.block({ keys: [], db: c.db, deadline: 0, tryServe: () => false, onTimeout: () => undefined });
    server
      .relisten(portOnly)
      .then(
        () => c.ok(),
        async () => {
          await rollback();
          c.error(`ERR CONFIG SET failed (possibly related to argument '${relisten}') - ${failure}`);
        },
      )
      .finally(() => {
        if (c.closed) return;
        server.blocking.unblock(c);
        c.scheduleFlush();
      });
  },

  'config|resetstat'(c) {
    resetStats(c.server);
    c.ok();
  },

  'config|rewrite'(c) {
    const server = c.server;
    const path = server.config.configFile;
    if (path === undefined) {
      c.error('ERR The server is running without a config file');
      return;
    }
    try {
      rewriteConfig(server.config, path);
    } catch (err) {
      const text = errnoText(err);
      server.log.warning(`CONFIG REWRITE failed: ${text}`);
      c.error(`ERR Rewriting config file: ${text}`);
      return;
    }
    server.log.warning('CONFIG REWRITE executed with success.');
    c.ok();
  },

  'config|help'(c, argv) {
    replyHelp(c, argv[0]!, HELP);
  },
};

/** resetServerStats() + resetCommandTableStats() + resetErrorTableStats(). */
export function resetStats(server: Server): void {
  server.stats.reset();
  resetLatencyHistograms(server);
  for (const cmd of server.commands.all()) {
    cmd.calls = 0;
    cmd.usec = 0;
    cmd.rejectedCalls = 0;
    cmd.failedCalls = 0;
  }
}

/** allowProtectedAction(server.enable_protected_configs, c). */
function allowProtectedConfigs(c: Client): boolean {
  const setting = c.server.config.str('enable-protected-configs');
  if (setting === 'yes') return true;
  if (setting !== 'local') return false;
  const addr = c.socket?.remoteAddress ?? '127.0.0.1';
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}
