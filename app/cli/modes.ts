/**
 * A command sent on a connection that comes back when the server does, as
 * redis-cli's reconnectingRedisCommand() does for --stat and --latency.
 */
import { RespConnection } from '../resp/connection.js';
import type { RespValue } from '../resp/reply-parser.js';
import { writeOut } from './output.js';
import type { CliSession } from './session.js';
import { sleep } from './session.js';

export async function reconnectingCommand(session: CliSession, args: string[]): Promise<RespValue> {
  let tries = 0;
  for (;;) {
    const connection = session.connection;
    if (connection && !connection.closed) {
      try {
        const reply = await connection.send(...args);
        if (tries > 0) writeOut('\r\x1b[0K');
        return reply;
      } catch {
        // Lost: reconnect below.
      }
    }
    writeOut('\r\x1b[0K');
    writeOut(`Reconnecting... ${++tries}\r`);
    try {
      session.connection = await RespConnection.connect(session.config.port, session.config.host);
    } catch {
      session.connection = undefined;
    }
    await sleep(1000);
  }
}
