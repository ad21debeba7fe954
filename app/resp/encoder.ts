/**
 * Client-side request encoding: a command as an array of bulk strings, the only
 * form Redis clients send (redis-cli's redisFormatCommandArgv).
 */

export type CommandArg = string | Buffer | number | bigint;

/**
 * Strings are byte strings (one char per byte, latin1) as everywhere in the
 * engine; a string holding a character above U+00FF cannot be one, so it is sent
 * as UTF-8. Callers with arbitrary text should pass a Buffer.
 */
export function argToBuffer(arg: CommandArg): Buffer {
  if (Buffer.isBuffer(arg)) return arg;
  const text = typeof arg === 'string' ? arg : String(arg);
  return Buffer.from(text, NON_LATIN1.test(text) ? 'utf8' : 'latin1');
}

const NON_LATIN1 = /[^\x00-\xff]/;

export function encodeCommand(args: readonly CommandArg[]): Buffer {
  // Fast path: all arguments are byte strings or numbers, so one latin1 string suffices.
  let text = `*${args.length}\r\n`;
  for (const arg of args) {
    if (typeof arg === 'number' || typeof arg === 'bigint') {
      const digits = String(arg);
      text += `$${digits.length}\r\n${digits}\r\n`;
    } else if (typeof arg === 'string' && !NON_LATIN1.test(arg)) {
      text += `$${arg.length}\r\n${arg}\r\n`;
    } else {
      return encodeMixed(args);
    }
  }
  return Buffer.from(text, 'latin1');
}

function encodeMixed(args: readonly CommandArg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')];
  for (const arg of args) {
    const bytes = argToBuffer(arg);
    parts.push(Buffer.from(`$${bytes.length}\r\n`, 'latin1'), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

const CRLF = Buffer.from('\r\n', 'latin1');
