/** Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, RESET. */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import { REDIS_VERSION } from '../server.js';
import { ERR_DB_INDEX, ERR_NOT_INTEGER, ERR_SYNTAX, is, toInt } from './args.js';

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

/** Checks a default-user password; only the `default` user exists here (no ACL users). */
function checkPassword(c: Client, user: string, password: string): boolean {
  const requirepass = c.server.config.str('requirepass');
  if (user !== 'default') return false;
  // With no requirepass the default user is "nopass": any password works.
  return requirepass === '' || password === requirepass;
}

export const connectionCommands: CommandModule = {
  ping(c, argv) {
    if (argv.length > 2) {
      c.error("ERR wrong number of arguments for 'ping' command");
      return;
    }
    // In RESP2 subscribed mode PING answers a ["pong", message] array (pubsub.c).
    if (c.resp === 2 && c.inPubSubContext) {
      c.arrayLen(2);
      c.bulk('pong');
      c.bulk(argv[1] ?? '');
      return;
    }
    if (argv.length === 1) c.simple('PONG');
    else c.bulk(argv[1]!);
  },

  echo(c, argv) {
    c.bulk(argv[1]!);
  },

  quit(c) {
    c.ok();
    c.closeAfterFlush();
  },

  select(c, argv) {
    const index = toInt(argv[1]!);
    if (index === null) {
      c.error(ERR_NOT_INTEGER);
      return;
    }
    if (index < 0 || index >= c.server.dbs.length) {
      c.error(ERR_DB_INDEX);
      return;
    }
    c.selectDb(index);
    c.ok();
  },

  auth(c, argv) {
    if (argv.length > 3) {
      c.error(ERR_SYNTAX);
      return;
    }
    const [user, password] = argv.length === 2 ? ['default', argv[1]!] : [argv[1]!, argv[2]!];
    if (argv.length === 2 && c.server.config.str('requirepass') === '') {
      c.error(
        'ERR AUTH <password> called without any password configured for the default user. ' +
          'Are you sure your configuration is correct?',
      );
      return;
    }
    if (!checkPassword(c, user, password)) {
      c.error(WRONGPASS);
      return;
    }
    c.authenticated = true;
    c.ok();
  },

  hello(c, argv) {
    let version = c.resp as number;
    let next = 1;
    if (argv.length >= 2) {
      const v = toInt(argv[1]!);
      if (v === null) {
        c.error('ERR Protocol version is not an integer or out of range');
        return;
      }
      next = 2;
      if (v < 2 || v > 3) {
        c.error('NOPROTO unsupported protocol version');
        return;
      }
      version = v;
    }
    let auth: [string, string] | undefined;
    let setName: string | undefined;
    for (let j = next; j < argv.length; j++) {
      const more = argv.length - j - 1;
      if (is(argv[j], 'auth') && more >= 2) {
        auth = [argv[j + 1]!, argv[j + 2]!];
        j += 2;
      } else if (is(argv[j], 'setname') && more >= 1) {
        setName = argv[j + 1]!;
        j += 1;
      } else {
        c.error(`ERR Syntax error in HELLO option '${argv[j]}'`);
        return;
      }
    }
    if (auth) {
      if (!checkPassword(c, auth[0], auth[1])) {
        c.error(WRONGPASS);
        return;
      }
      c.authenticated = true;
    }
    if (!c.authenticated) {
      c.error(
        'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> ' +
          'AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol ' +
          'version at the same time',
      );
      return;
    }
    if (setName !== undefined) {
      if (/[^\x21-\x7e]/.test(setName)) {
        c.error('ERR Client names cannot contain spaces, newlines or special characters.');
        return;
      }
      c.name = setName;
    }
    c.protocol = version as 2 | 3;
    c.mapLen(7);
    c.bulk('server');
    c.bulk('redis');
    c.bulk('version');
    c.bulk(REDIS_VERSION);
    c.bulk('proto');
    c.integer(version);
    c.bulk('id');
    c.integer(c.id);
    c.bulk('mode');
    c.bulk('standalone');
    c.bulk('role');
    c.bulk(c.server.isReplica() ? 'replica' : 'master');
    c.bulk('modules');
    c.arrayLen(0);
  },

  reset(c) {
    const server = c.server;
    c.inMulti = false;
    c.multiQueue = [];
    c.multiError = false;
    server.unwatchAll(c);
    server.pubsub.removeClient(c);
    server.monitors.delete(c);
    c.monitor = false;
    c.selectDb(0);
    c.protocol = 2;
    c.name = '';
    c.replyMode = 'on';
    c.noEvict = false;
    c.authenticated = !server.authRequiredByDefault();
    c.simple('RESET');
  },
};
