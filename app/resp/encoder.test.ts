import { describe, expect, it } from 'vitest';
import { encodeCommand } from './encoder.js';

describe('encodeCommand', () => {
  it('encodes strings, numbers and buffers as bulk strings', () => {
    expect(encodeCommand(['SET', 'k', 12, 3n]).toString('latin1')).toBe(
      '*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n12\r\n$1\r\n3\r\n',
    );
    expect(encodeCommand(['GET', Buffer.from([0, 255])])).toEqual(
      Buffer.concat([Buffer.from('*2\r\n$3\r\nGET\r\n$2\r\n'), Buffer.from([0, 255]), Buffer.from('\r\n')]),
    );
    expect(encodeCommand([]).toString()).toBe('*0\r\n');
  });

  it('sends byte strings as latin1 and wider text as UTF-8', () => {
    expect(encodeCommand(['\xff']).toString('latin1')).toBe('*1\r\n$1\r\n\xff\r\n');
    expect(encodeCommand(['€'])).toEqual(Buffer.from('*1\r\n$3\r\n€\r\n', 'utf8'));
  });
});
