/** MULTI, EXEC, DISCARD, WATCH, UNWATCH (multi.c). */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';

function discardTransaction(c: Client): void {
  c.inMulti = false;
  c.multiQueue = [];
  c.multiError = false;
  c.server.unwatchAll(c);
}

export const transactionCommands: CommandModule = {
  multi(c) {
    if (c.inMulti) {
      c.error('ERR MULTI calls can not be nested');
      return;
    }
    c.inMulti = true;
    c.multiQueue = [];
    c.multiError = false;
    c.ok();
  },

  discard(c) {
    if (!c.inMulti) {
      c.error('ERR DISCARD without MULTI');
      return;
    }
    discardTransaction(c);
    c.ok();
  },

  exec(c) {
    const server = c.server;
    if (!c.inMulti) {
      c.error('ERR EXEC without MULTI');
      return;
    }
    if (server.watchedKeyExpired(c)) c.dirtyCas = true;
    if (c.multiError || c.dirtyCas) {
      if (c.multiError) c.error('EXECABORT Transaction discarded because of previous errors.');
      else c.nullArray();
      discardTransaction(c);
      return;
    }
    const queue = c.multiQueue;
    // Watched keys no longer matter once EXEC runs; inMulti stays set while the
    // queue runs so blocking commands behave as non-blocking (CLIENT_DENY_BLOCKING).
    server.unwatchAll(c);
    c.arrayLen(queue.length);
    try {
      // Like Redis, the checks of processCommand() ran when each command was queued;
      // a REPLICAOF inside the transaction does not make the later writes fail.
      for (const { cmd, argv } of queue) server.call(c, cmd, argv);
    } finally {
      // Errors of queued commands are theirs: EXEC itself did not fail (failed_calls).
      c.commandFailed = false;
      c.inMulti = false;
      c.multiQueue = [];
      c.multiError = false;
    }
  },

  watch(c, argv) {
    if (c.inMulti) {
      c.error('ERR WATCH inside MULTI is not allowed');
      return;
    }
    // A client already marked dirty need not track more keys (multi.c does the same).
    if (!c.dirtyCas) for (let i = 1; i < argv.length; i++) c.server.watch(c, argv[i]!);
    c.ok();
  },

  unwatch(c) {
    c.server.unwatchAll(c);
    c.ok();
  },
};
