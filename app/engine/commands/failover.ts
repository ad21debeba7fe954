/**
 * FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds] (replication.c
 * failoverCommand): the parsing and its errors; the failover itself runs in
 * replication/failover.ts.
 */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, is, toInt } from './args.js';

function failover(c: Client, argv: string[]): void {
  const server = c.server;
  if (server.config.bool('cluster-enabled')) {
    c.error('ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.');
    return;
  }
  const coordinator = server.replication.failover;
  if (argv.length === 2 && is(argv[1], 'abort')) {
    if (coordinator.state === 'no-failover') {
      c.error('ERR No failover in progress.');
      return;
    }
    coordinator.abort('Failover manually aborted');
    c.ok();
    return;
  }
  let timeoutMs = 0;
  let force = false;
  let host: string | undefined;
  let port = 0;
  for (let j = 1; j < argv.length; j++) {
    if (is(argv[j], 'timeout') && j + 1 < argv.length && timeoutMs === 0) {
      const value = toInt(argv[j + 1]!);
      if (value === null) {
        c.error(ERR_NOT_INTEGER);
        return;
      }
      if (value <= 0) {
        c.error('ERR FAILOVER timeout must be greater than 0');
        return;
      }
      timeoutMs = value;
      j++;
    } else if (is(argv[j], 'to') && j + 2 < argv.length && host === undefined) {
      const value = toInt(argv[j + 2]!);
      if (value === null) {
        c.error(ERR_NOT_INTEGER);
        return;
      }
      host = argv[j + 1]!;
      port = value;
      j += 2;
    } else if (is(argv[j], 'force') && !force) {
      force = true;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const error = coordinator.start({ host, port, timeoutMs, force });
  if (error !== undefined) c.error(error);
  else c.ok();
}

export const failoverCommands: CommandModule = { failover };
