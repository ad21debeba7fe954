import { describe, expect, it } from 'vitest';
import { ServerConfig } from '../../engine/config/index.js';
import { loadConfigText } from '../../engine/config/loader.js';
import { checkNodeSettings, settingLine } from './node-settings.js';

describe('settingLine', () => {
  it('writes lines redis.conf reads back as the value given', () => {
    const settings: Record<string, string> = {
      requirepass: 'open sesame',
      'slave-announce-ip': 'a b',
      save: '3600 1 300 100',
      masterauth: 'line\nbreak "quoted"',
      appendfilename: '',
    };
    const text = Object.entries(settings)
      .map(([name, value]) => settingLine(name, value))
      .join('\n');
    expect(text.split('\n')).toEqual([
      'requirepass "open sesame"',
      'slave-announce-ip "a b"',
      'save 3600 1 300 100',
      'masterauth "line\\nbreak \\"quoted\\""',
      'appendfilename ""',
    ]);
    const config = new ServerConfig();
    loadConfigText(config, settingLine('requirepass', 'open sesame') + '\n' + settingLine('save', '3600 1 300 100'));
    expect(config.str('requirepass')).toBe('open sesame');
    expect(config.str('save')).toBe('3600 1 300 100');
    // A directive that is not a parameter takes its arguments as typed.
    expect(settingLine('rename-command', 'FLUSHALL ""')).toBe('rename-command FLUSHALL ""');
  });
});

describe('checkNodeSettings', () => {
  it('accepts what redis-server accepts and names the setting it would refuse', () => {
    const node = (settings: Record<string, string>) => ({ engine: 'builtin' as const, settings });
    expect(checkNodeSettings(node({ maxmemory: '100mb', save: '', 'rename-command': 'FLUSHALL ""' }))).toBe(undefined);
    expect(checkNodeSettings(node({ appendonly: 'yes', 'repl-timeout': '0' }))).toEqual({
      name: 'repl-timeout',
      message: 'redis-server would refuse "repl-timeout 0": argument must be between 1 and 2147483647 inclusive.',
    });
    expect(checkNodeSettings(node({ replicaof: '127.0.0.1 6379' }))?.name).toBe('replicaof');
  });
});
