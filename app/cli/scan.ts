/** --scan [--pattern p]: every key name, one per line, as redis-cli's scanMode() lists them. */
import { quoteRepr } from '../resp/repr.js';
import { writeErr, writeOut } from './output.js';
import type { CliSession } from './session.js';
import { sleep } from './session.js';

export async function scanMode(session: CliSession): Promise<never> {
  const connection = session.connection!;
  let stop = false;
  process.on('SIGINT', () => (stop = true));
  let cursor = '0';
  do {
    const args =
      session.config.pattern === undefined ? ['SCAN', cursor] : ['SCAN', cursor, 'MATCH', session.config.pattern];
    let reply;
    try {
      reply = await connection.send(...args);
    } catch {
      writeErr('\nI/O error\n');
      process.exit(1);
    }
    if (reply.type === 'error') {
      writeErr(`SCAN error: ${reply.value}\n`);
      process.exit(1);
    }
    if (reply.type !== 'array') {
      writeErr('Non ARRAY response from SCAN!\n');
      process.exit(1);
    }
    if (reply.items.length !== 2) {
      writeErr('Invalid element count from SCAN!\n');
      process.exit(1);
    }
    const [next, keys] = reply.items;
    cursor = next!.type === 'bulk' ? next!.value : '0';
    for (const key of keys!.type === 'array' ? keys!.items : []) {
      const name = key.type === 'bulk' ? key.value : '';
      // printf("%s"): a raw name ends at its first NUL byte.
      const nul = name.indexOf('\0');
      writeOut(
        session.config.output === 'standard' ? `${quoteRepr(name)}\n` : `${nul === -1 ? name : name.slice(0, nul)}\n`,
      );
    }
    if (session.config.intervalMicros) await sleep(session.config.intervalMicros / 1000);
  } while (!stop && !/^0*$/.test(cursor.replace(/^\D.*/, '0')));
  process.exit(0);
}
