/**
 * The request parser on the server's hot path: 100k pipelined SET commands
 * arriving in 64 KB reads (`npx vitest bench app/resp`).
 */
import { bench, describe } from 'vitest';
import { RequestParser } from './request-parser.js';

const COMMANDS = 100_000;
let wire = '';
for (let i = 0; i < COMMANDS; i++) {
  const key = `key:${i}`;
  wire += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$5\r\nvalue\r\n`;
}
const bytes = Buffer.from(wire, 'latin1');
const reads: Buffer[] = [];
for (let i = 0; i < bytes.length; i += 65536) reads.push(bytes.subarray(i, i + 65536));

describe('RequestParser', () => {
  bench(`${COMMANDS} pipelined SETs in 64 KB reads`, () => {
    const parser = new RequestParser({ maxBulkLen: () => 512 * 1024 * 1024, authRequired: () => false });
    let parsed = 0;
    for (const read of reads) {
      parser.feed(read);
      for (let argv = parser.next(); argv !== null; argv = parser.next()) parsed++;
    }
    if (parsed !== COMMANDS) throw new Error(`parsed ${parsed} commands`);
  });
});
