import { describe, expect, it } from 'vitest';
import { COMMAND_META, Command } from '../command-table.js';
import { commandHasKeys, commandKeyNames, getKeysFromCommand, keyFlagNames, keyInfo } from './keyspecs.js';

function command(fullName: string): Command {
  const meta = COMMAND_META[fullName];
  if (!meta) throw new Error(`no metadata for ${fullName}`);
  return new Command(meta, fullName, undefined);
}

function keysWithFlags(fullName: string, argv: string[]): [string, string[]][] {
  return getKeysFromCommand(command(fullName), argv).map((k) => [argv[k.pos]!, keyFlagNames(k.flags)]);
}

describe('key specs', () => {
  it('finds keys of index/range specs with their flags', () => {
    expect(keysWithFlags('lmove', ['LMOVE', 'k1', 'k2', 'left', 'right'])).toEqual([
      ['k1', ['RW', 'access', 'delete']],
      ['k2', ['RW', 'insert']],
    ]);
    expect(keysWithFlags('mset', ['MSET', 'k1', 'v1', 'k2', 'v2'])).toEqual([
      ['k1', ['OW', 'update']],
      ['k2', ['OW', 'update']],
    ]);
    expect(commandKeyNames(command('get'), ['GET', 'key'])).toEqual(['key']);
    expect(commandKeyNames(command('memory|usage'), ['MEMORY', 'USAGE', 'key'])).toEqual(['key']);
  });

  it('follows keynum and keyword specs', () => {
    expect(commandKeyNames(command('eval'), ['EVAL', 'return 1', '2', 'a', 'b', 'x'])).toEqual(['a', 'b']);
    expect(commandKeyNames(command('eval'), ['EVAL', 'return 1', '0'])).toEqual([]);
    expect(commandKeyNames(command('xread'), ['XREAD', 'COUNT', '2', 'STREAMS', 's1', 's2', '0', '0'])).toEqual([
      's1',
      's2',
    ]);
    expect(commandKeyNames(command('georadius'), ['GEORADIUS', 'k', '0', '0', '1', 'km', 'STORE', 'dst'])).toEqual([
      'k',
      'dst',
    ]);
  });

  it('uses the native getkeys procs where specs are not enough', () => {
    expect(keysWithFlags('set', ['SET', 'k', 'v'])).toEqual([['k', ['OW', 'update']]]);
    expect(keysWithFlags('set', ['SET', 'k', 'v', 'get'])).toEqual([['k', ['RW', 'access', 'update']]]);
    expect(keysWithFlags('sort', ['SORT', 'k1', 'STORE', 'k2'])).toEqual([
      ['k1', ['RO', 'access']],
      ['k2', ['OW', 'update']],
    ]);
    const many = Array.from({ length: 260 }, (_, i) => `key${i + 1}`);
    expect(commandKeyNames(command('zunionstore'), ['ZUNIONSTORE', 'target', '260', ...many])).toEqual([
      'target',
      ...many,
    ]);
  });

  it('returns no keys when argv does not fit the specs', () => {
    expect(getKeysFromCommand(command('eval'), ['EVAL', 'return 1', 'x'])).toEqual([]);
    expect(getKeysFromCommand(command('lmove'), ['LMOVE', 'k1'])).toEqual([]);
  });

  it('computes the legacy range and movablekeys as populateCommandLegacyRangeSpec', () => {
    const range = (name: string) => {
      const info = keyInfo(command(name));
      return [info.firstKey, info.lastKey, info.keyStep, info.movableKeys];
    };
    expect(range('get')).toEqual([1, 1, 1, false]);
    expect(range('mset')).toEqual([1, -1, 2, false]);
    expect(range('smove')).toEqual([1, 2, 1, false]);
    expect(range('ping')).toEqual([0, 0, 0, false]);
    expect(range('del')).toEqual([1, -1, 1, false]);
    for (const name of ['set', 'lmove', 'blpop', 'rename', 'bitfield', 'memory|usage', 'georadius_ro']) {
      expect(keyInfo(command(name)).movableKeys, name).toBe(false);
    }
    for (const name of ['zunionstore', 'xread', 'eval', 'sort', 'sort_ro', 'migrate', 'georadius']) {
      expect(keyInfo(command(name)).movableKeys, name).toBe(true);
    }
  });

  it('knows which commands have keys', () => {
    expect(commandHasKeys(command('get'))).toBe(true);
    expect(commandHasKeys(command('eval'))).toBe(true);
    expect(commandHasKeys(command('ping'))).toBe(false);
    expect(commandHasKeys(command('publish'))).toBe(false);
  });
});
