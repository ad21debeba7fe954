import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, ServerConfig } from './index.js';
import { parseCommandLine } from './loader.js';
import { HIDDEN, PARAMS } from './params.js';
import { rewriteConfig } from './rewrite.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'replica-lab-config-'));
  dirs.push(dir);
  return dir;
}

/** The fatal error text of a config, or undefined when it loads. */
function loadError(text: string, args: string[] = []): string | undefined {
  const dir = tempDir();
  writeFileSync(join(dir, 'redis.conf'), text);
  try {
    ServerConfig.fromArgs(['redis.conf', ...args], dir);
    return undefined;
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
}

describe('parameter table', () => {
  it('has every Redis 7.0.15 parameter CONFIG GET * lists, with its default', () => {
    const config = new ServerConfig('/');
    // Counted on a fresh redis-server 7.0.15 (TLS build): 192 names and aliases, hidden ones excluded.
    expect(config.visibleNames()).toHaveLength(192);
    expect(PARAMS.filter((p) => p.flags & HIDDEN).map((p) => p.name)).toEqual([
      'use-exit-on-panic',
      'lua-enable-deprecated-api',
      'rdb-key-save-delay',
      'key-load-delay',
      'watchdog-period',
      'loading-process-events-interval-bytes',
    ]);
    const samples: Record<string, string> = {
      bind: '* -::*',
      save: '3600 1 300 100 60 10000',
      'client-output-buffer-limit': 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
      'hash-max-ziplist-entries': '512',
      'list-max-listpack-size': '-2',
      'proto-max-bulk-len': '536870912',
      'auto-aof-rewrite-min-size': '67108864',
      'oom-score-adj-values': '0 200 800',
      'latency-tracking-info-percentiles': '50 99 99.9',
      unixsocketperm: '0',
      'maxmemory-policy': 'noeviction',
      'acl-pubsub-default': 'resetchannels',
      'shutdown-on-sigterm': 'default',
      'lua-time-limit': '5000',
      dir: '/',
    };
    for (const [name, value] of Object.entries(samples)) expect(config.get(name), name).toBe(value);
  });

  it('reads numbers the way Redis stores them', () => {
    const config = new ServerConfig();
    expect(config.num('hash-max-listpack-entries')).toBe(512);
    expect(config.num('zset-max-ziplist-value')).toBe(64);
    expect(config.num('repl-backlog-size')).toBe(1048576);
    expect(config.bool('protected-mode')).toBe(true);
    config.set('maxmemory-clients', '10%');
    expect(config.num('maxmemory-clients')).toBe(-10);
    config.set('maxmemory', '1gb');
    expect(config.num('maxmemory')).toBe(1073741824);
  });
});

describe('CONFIG SET semantics', () => {
  it('validates with Redis error texts and changes nothing on error', () => {
    const config = new ServerConfig();
    const fails = (pairs: [string, string][]) => {
      try {
        config.setMany(pairs);
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(fails([['maxmemory', 'x']])).toBe(
      "CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value",
    );
    expect(fails([['daemonize', 'yes']])).toBe(
      "CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config",
    );
    expect(fails([['foo', 'bar']])).toBe("Unknown option or number of arguments for CONFIG SET - 'foo'");
    expect(fails([['SLAVE-PRIORITY', 'x']])).toBe(
      "CONFIG SET failed (possibly related to argument 'slave-priority') - argument couldn't be parsed into an integer",
    );
    expect(fails([['dbfilename', 'x']])).toContain("can't set protected config");
    expect(fails([['loglevel', 'loud']])).toContain(
      'argument(s) must be one of the following: debug, verbose, notice, warning',
    );
    expect(
      fails([
        ['maxmemory', '10000001'],
        ['maxmemory-clients', '200%'],
      ]),
    ).toBe(
      "CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument must be less or equal to 100",
    );
    expect(config.get('maxmemory')).toBe('0');
    expect(
      fails([
        ['maxmemory', '1'],
        ['maxmemory', '2'],
      ]),
    ).toContain('duplicate parameter');
  });

  it('normalizes values as CONFIG GET prints them', () => {
    const config = new ServerConfig();
    config.set('notify-keyspace-events', 'KEA');
    expect(config.get('notify-keyspace-events')).toBe('AKE');
    config.set('oom-score-adj', 'relative');
    expect(config.get('oom-score-adj')).toBe('yes');
    config.set('hz', '1000');
    expect(config.get('hz')).toBe('500');
    config.set('client-output-buffer-limit', 'replica 1gb 2mb 10');
    expect(config.get('client-output-buffer-limit')).toBe(
      'normal 0 0 0 slave 1073741824 2097152 10 pubsub 33554432 8388608 60',
    );
    config.set('shutdown-on-sigint', 'nosave force now');
    expect(config.get('shutdown-on-sigint')).toBe('nosave now force');
    config.set('protected-mode', 'NO');
    expect(config.get('protected-mode')).toBe('no');
    config.set('maxmemory', '18446744073709551616');
    expect(config.get('maxmemory')).toBe('18446744073709551615');
    config.set('save', '');
    expect(config.get('save')).toBe('');
  });

  it('runs change listeners only for values that changed', () => {
    const config = new ServerConfig();
    const seen: string[] = [];
    config.onChange('loglevel', (v) => seen.push(v));
    config.set('loglevel', 'notice');
    config.set('loglevel', 'debug');
    expect(seen).toEqual(['debug']);
  });
});

describe('redis.conf loading', () => {
  it('parses quoting, comments, case-insensitive names, includes and overrides', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'conf.d'));
    writeFileSync(join(dir, 'conf.d', 'a.conf'), 'maxmemory 2mb\n');
    writeFileSync(
      join(dir, 'redis.conf'),
      [
        '# a comment',
        '',
        '  PORT 6390  ',
        'requirepass "a b\\x41"',
        "masterauth 'it\\'s'",
        'include conf.d/*.conf',
        'maxmemory-policy allkeys-lru',
        'maxmemory-policy volatile-lru',
        'save 900 1',
        'save 300 10',
        'client-output-buffer-limit replica 1mb 1mb 0',
        'list-max-ziplist-entries 4',
      ].join('\r\n'),
    );
    const config = ServerConfig.fromArgs(['redis.conf', '--port', '7000', '--maxmemory-policy', 'noeviction'], dir);
    expect(config.configFile).toBe(join(dir, 'redis.conf'));
    expect(config.get('port')).toBe('7000');
    expect(config.get('requirepass')).toBe('a bA');
    expect(config.get('masterauth')).toBe("it's");
    expect(config.get('maxmemory')).toBe('2097152');
    expect(config.get('maxmemory-policy')).toBe('noeviction');
    expect(config.get('save')).toBe('900 1 300 10');
    expect(config.get('client-output-buffer-limit')).toContain('slave 1048576 1048576 0');
  });

  it('handles the command line as redis-server does', () => {
    expect(parseCommandLine(['--port', '6380', '--save', '--loglevel', 'verbose']).options).toBe(
      'port "6380" \nsave ""\nloglevel "verbose" ',
    );
    expect(parseCommandLine(['conf', '--maxmemory 700mb', '-']).fromStdin).toBe(true);
    const config = ServerConfig.fromArgs(['--shutdown-on-sigint', 'nosave', 'force', 'now', '--maxmemory 700mb']);
    expect(config.get('shutdown-on-sigint')).toBe('nosave now force');
    expect(config.get('maxmemory')).toBe('734003200');
    const stdin = ServerConfig.fromArgs(['-', '--port', '1'], process.cwd(), () => 'hz 20\n');
    expect(stdin.get('hz')).toBe('20');
    expect(stdin.get('port')).toBe('1');
  });

  it('reports errors exactly as loadServerConfigFromString()', () => {
    const header = '\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n';
    expect(loadError('port 1\nfoo bar\n')).toBe(
      `${header}Reading the configuration file, at line 2\n>>> 'foo bar'\nBad directive or wrong number of arguments\n`,
    );
    expect(loadError('  port 1 2\n')).toBe(
      `${header}Reading the configuration file, at line 1\n>>> 'port 1 2'\nwrong number of arguments\n`,
    );
    expect(loadError('port "1\n')).toContain("'port \"1'\nUnbalanced quotes in configuration line\n");
    expect(loadError('maxmemory 1x')).toContain('argument must be a memory value\n');
    expect(loadError('', ['--port'])).toContain(">>> 'port'\nwrong number of arguments");
    expect(loadError('', ['--port', '--bla', '--loglevel', 'verbose'])).toContain(
      `>>> 'port "--bla"'\nargument couldn't be parsed into an integer`,
    );
    expect(loadError('', ['--replicaof', '127.0.0.1', 'abc'])).toContain(
      `>>> 'replicaof "127.0.0.1" "abc"'\nInvalid master port`,
    );
    expect(loadError('logfile /nonexistent/dir/x.log\n')).toBe(
      `${header}Can't open the log file: No such file or directory\n`,
    );
    expect(loadError('include missing.conf\n')).toBe(
      "Fatal error, can't open config file 'missing.conf': No such file or directory",
    );
    expect(loadError('rename-command nosuch x\n')).toContain('No such command in rename-command');
    expect(loadError('dir /nonexistent\n')).toContain('No such file or directory');
  });

  it('accepts the directives Redis accepts outside the parameter table', () => {
    expect(loadError('list-max-ziplist-value 4\nuser default on nopass ~* +@all\nrename-command flushall ""\n')).toBe(
      undefined,
    );
  });
});

describe('CONFIG REWRITE', () => {
  it('keeps comments and unknown lines, replaces values and appends new ones', () => {
    const dir = tempDir();
    const file = join(dir, 'redis.conf');
    writeFileSync(
      file,
      [
        '# my comment',
        'port 6390',
        'save 900 1',
        'save 300 10',
        'hash-max-ziplist-entries 64',
        'rename-command flushdb x',
        '',
      ].join('\n'),
    );
    const config = ServerConfig.fromArgs(['redis.conf'], dir);
    config.set('port', '6391');
    config.set('save', '60 5');
    config.set('maxmemory', '100mb');
    config.set('notify-keyspace-events', 'Ex');
    rewriteConfig(config, file);
    const lines = readFileSync(file, 'latin1').split('\n');
    expect(lines.slice(0, 6)).toEqual([
      '# my comment',
      'port 6391',
      'save 60 5',
      '',
      // Rewritten under the primary name, as Redis does.
      'hash-max-listpack-entries 64',
      'rename-command flushdb x',
    ]);
    expect(lines).toContain('# Generated by CONFIG REWRITE');
    expect(lines).toContain('maxmemory 100mb');
    expect(lines).toContain('notify-keyspace-events "xE"');
    expect(lines).toContain(`dir "${dir}"`);
    expect(lines).toContain('user default on nopass ~* &* +@all');
    // The result loads back to the same values.
    const again = ServerConfig.fromArgs(['redis.conf'], dir);
    for (const name of config.names()) expect(again.get(name), name).toBe(config.get(name));
  });
});
