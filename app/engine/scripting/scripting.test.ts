/**
 * EVAL and FUNCTION through a real server: conversions both ways (script_lua.c's
 * rules), errors and their texts, globals protection, the libraries, flags, and
 * what gets propagated (the script's effects in MULTI/EXEC, never EVAL itself).
 */
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../testing.js';

const setup = useTestServer();

async function replyOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    return await promise;
  } catch (err) {
    return `ERROR: ${(err as Error).message}`;
  }
}

describe('Lua to RESP conversions', () => {
  it('converts numbers, strings, booleans, tables, status and error tables', async () => {
    const { client } = await setup();
    expect(await client.call('EVAL', 'return 3.99', '0')).toBe(3);
    expect(await client.call('EVAL', 'return -3.99', '0')).toBe(-3);
    expect(await client.call('EVAL', "return 'x'", '0')).toBe('x');
    expect(await client.call('EVAL', 'return true', '0')).toBe(1);
    expect(await client.call('EVAL', 'return false', '0')).toBeNull();
    expect(await client.call('EVAL', 'return nil', '0')).toBeNull();
    // An array stops at its first nil.
    expect(await client.call('EVAL', "return {1, 'a', {2}, nil, 4}", '0')).toEqual([1, 'a', [2]]);
    expect(await client.call('EVAL', "return {ok='FINE'}", '0')).toBe('FINE');
    expect(await replyOf(client.call('EVAL', "return {err='MYERR boom'}", '0'))).toBe('ERROR: MYERR boom');
    expect(await replyOf(client.call('EVAL', "return redis.error_reply('My Error')", '0'))).toBe('ERROR: My Error');
    expect(await client.call('EVAL', "return redis.status_reply('PONG')", '0')).toBe('PONG');
  });

  it('gives RESP3 types to a RESP3 client after redis.setresp(3)', async () => {
    const { client } = await setup();
    await client.call('HELLO', '3');
    const script = 'redis.setresp(3); return {map={a=1}, set=nil}';
    expect(await client.call('EVAL', script, '0')).toEqual({ a: 1 });
    expect(await client.call('EVAL', 'redis.setresp(3); return {double=3.5}', '0')).toBe(3.5);
    expect(await client.call('EVAL', 'redis.setresp(3); return true', '0')).toBe(true);
    expect(await client.call('EVAL', "return {big_number='123456789012345678901234567890'}", '0')).toBe(
      123456789012345678901234567890n,
    );
  });
});

describe('RESP to Lua conversions', () => {
  it('gives redis.call() replies Lua types', async () => {
    const { client } = await setup();
    await client.call('SET', 'k', 'v');
    await client.call('RPUSH', 'l', 'a', 'b');
    const script = `
      local t = {}
      t[1] = type(redis.call('get', 'k'))
      t[2] = tostring(redis.call('get', 'missing'))
      t[3] = type(redis.call('llen', 'l'))
      t[4] = redis.call('set', 'x', 'y').ok
      t[5] = #redis.call('lrange', 'l', 0, -1)
      t[6] = redis.pcall('incr', 'k').err
      t[7] = tostring(redis.call('llen', 'l'))
      return t`;
    expect(await client.call('EVAL', script, '0')).toEqual([
      'string',
      'false',
      'number',
      'OK',
      2,
      'ERR value is not an integer or out of range',
      '2',
    ]);
  });

  it('passes numbers to commands with %.17g and rejects other argument types', async () => {
    const { client } = await setup();
    expect(await client.call('EVAL', "redis.call('set', 'f', 0.1); return redis.call('get', 'f')", '0')).toBe(
      '0.10000000000000001',
    );
    expect(await replyOf(client.call('EVAL', "return redis.call('set', 'a', {})", '0'))).toMatch(
      /^ERROR: ERR Lua redis lib command arguments must be strings or integers script: \w+, on @user_script:1\.$/,
    );
  });
});

describe('errors', () => {
  it('reports a failing redis.call() with the script and line, as Redis 7.0 does', async () => {
    const { client } = await setup();
    await client.call('SET', 'k', 'v');
    const sha = String(await client.call('SCRIPT', 'LOAD', "\nreturn redis.call('incr', 'k')"));
    expect(await replyOf(client.call('EVALSHA', sha, '0'))).toBe(
      `ERROR: ERR value is not an integer or out of range script: ${sha}, on @user_script:2.`,
    );
    expect(await replyOf(client.call('EVAL', "return redis.call('nosuchcommand')", '0'))).toMatch(
      /^ERROR: ERR Unknown Redis command called from script script: /,
    );
    expect(await replyOf(client.call('EVAL', "return redis.call('multi')", '0'))).toMatch(
      /^ERROR: ERR This Redis command is not allowed from script script: /,
    );
    expect(await replyOf(client.call('EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0'))).toBe(
      'ERROR: NOSCRIPT No matching script. Please use EVAL.',
    );
    expect(await replyOf(client.call('EVAL', 'return 1', '2', 'a'))).toBe(
      "ERROR: ERR Number of keys can't be greater than number of args",
    );
    expect(await replyOf(client.call('EVAL', 'return +', '0'))).toMatch(
      /^ERROR: ERR Error compiling script \(new function\): user_script:1: /,
    );
  });

  it('protects the globals', async () => {
    const { client } = await setup();
    expect(await replyOf(client.call('EVAL', 'return undefined_thing', '0'))).toMatch(
      /Script attempted to access nonexistent global variable 'undefined_thing'/,
    );
    expect(await replyOf(client.call('EVAL', 'x = 1', '0'))).toMatch(/Attempt to modify a readonly table/);
    expect(await replyOf(client.call('EVAL', 'redis.call = function() end', '0'))).toMatch(
      /Attempt to modify a readonly table/,
    );
    expect(await replyOf(client.call('EVAL', 'setmetatable(_G, {})', '0'))).toMatch(
      /Attempt to modify a readonly table/,
    );
    expect(await replyOf(client.call('EVAL', "return print('x')", '0'))).toMatch(/nonexistent global variable 'print'/);
  });

  it('refuses writes from read-only scripts and on shebang no-writes', async () => {
    const { client } = await setup();
    expect(await replyOf(client.call('EVAL_RO', "return redis.call('set', 'a', 'b')", '0'))).toMatch(
      /^ERROR: ERR Write commands are not allowed from read-only scripts\./,
    );
    expect(
      await replyOf(client.call('EVAL', "#!lua flags=no-writes\nreturn redis.call('set', 'a', 'b')", '0')),
    ).toMatch(/Write commands are not allowed from read-only scripts/);
    expect(await replyOf(client.call('EVAL', '#!lua flags=bogus\nreturn 1', '0'))).toBe(
      'ERROR: ERR Unexpected flag in script shebang: bogus',
    );
    expect(await replyOf(client.call('EVAL_RO', '#!lua\nreturn 1', '0'))).toBe(
      'ERROR: ERR Can not execute a script with write flag using *_ro command.',
    );
  });
});

describe('libraries', () => {
  it('provides unpack, bit, cjson and cmsgpack', async () => {
    const { client } = await setup();
    expect(await client.call('EVAL', 'return unpack({1, 2, 3})', '0')).toBe(1);
    expect(await client.call('EVAL', 'return bit.bor(1, 2, 4)', '0')).toBe(7);
    expect(await client.call('EVAL', 'return bit.tohex(65535, -4)', '0')).toBe('FFFF');
    expect(await client.call('EVAL', "return cjson.encode({a={1,2,'x/y'}})", '0')).toBe('{"a":[1,2,"x\\/y"]}');
    expect(await client.call('EVAL', 'return cjson.decode(\'[1, 2.5, "s"]\')[3]', '0')).toBe('s');
    expect(
      await client.call('EVAL', "local s = cmsgpack.pack({1, 'two', {x=3}}); return cmsgpack.unpack(s)[3].x", '0'),
    ).toBe(3);
    expect(await client.call('EVAL', 'return redis.sha1hex("")', '0')).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
  });
});

describe('FUNCTION', () => {
  const LIB = `#!lua name=mylib
redis.register_function('my_get', function(keys, args) return redis.call('get', keys[1]) end)
redis.register_function{function_name='my_set', callback=function(keys, args) return redis.call('set', keys[1], args[1]) end}
redis.register_function{function_name='my_ro', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}`;

  it('loads, calls, lists, dumps and restores libraries', async () => {
    const { client } = await setup();
    expect(await client.call('FUNCTION', 'LOAD', LIB)).toBe('mylib');
    expect(await replyOf(client.call('FUNCTION', 'LOAD', LIB))).toBe("ERROR: ERR Library 'mylib' already exists");
    expect(await client.call('FCALL', 'my_set', '1', 'k', 'v')).toBe('OK');
    expect(await client.call('FCALL', 'MY_GET', '1', 'k')).toBe('v');
    expect(await client.call('FCALL_RO', 'my_ro', '1', 'k')).toBe('v');
    expect(await replyOf(client.call('FCALL_RO', 'my_set', '1', 'k', 'w'))).toBe(
      'ERROR: ERR Can not execute a script with write flag using *_ro command.',
    );
    const list = (await client.call('FUNCTION', 'LIST')) as unknown[];
    expect(list).toHaveLength(1);
    const dump = await client.send('FUNCTION', 'DUMP');
    if (dump.type !== 'bulk') throw new Error('FUNCTION DUMP did not answer a bulk string');
    expect(await client.call('FUNCTION', 'FLUSH')).toBe('OK');
    expect(await replyOf(client.call('FCALL', 'my_get', '1', 'k'))).toBe('ERROR: ERR Function not found');
    expect(await client.call('FUNCTION', 'RESTORE', Buffer.from(String(dump.value), 'latin1'))).toBe('OK');
    expect(await client.call('FCALL', 'my_get', '1', 'k')).toBe('v');
    expect(await replyOf(client.call('FUNCTION', 'LOAD', '#!lua name=empty\nlocal x = 1'))).toBe(
      'ERROR: ERR No functions registered',
    );
  });

  it("propagates FUNCTION LOAD as itself and a function's writes, not FCALL", async () => {
    const { client, propagated } = await setup();
    await client.call('FUNCTION', 'LOAD', LIB);
    await client.call('FCALL', 'my_set', '1', 'k', 'v');
    expect(propagated).toEqual([
      ['FUNCTION', 'LOAD', LIB],
      ['set', 'k', 'v'],
    ]);
  });
});

describe('propagation', () => {
  it("propagates a script's writes wrapped in MULTI/EXEC, and never EVAL", async () => {
    const { client, propagated } = await setup();
    await client.call('EVAL', "redis.call('set', KEYS[1], 'a'); redis.call('incr', 'n'); return 1", '1', 'k');
    await client.call('EVAL', "redis.call('set', 'single', 'b')", '0');
    await client.call('EVAL', "return redis.call('get', 'k')", '0');
    // As the script spelled them: Redis propagates the argv redis.call() was given.
    expect(propagated).toEqual([['MULTI'], ['set', 'k', 'a'], ['incr', 'n'], ['EXEC'], ['set', 'single', 'b']]);
  });

  it('leaves out what a script runs after redis.set_repl(redis.REPL_NONE)', async () => {
    const { client, propagated } = await setup();
    await client.call(
      'EVAL',
      "redis.call('set', 'a', '1'); redis.set_repl(redis.REPL_NONE); redis.call('set', 'b', '2'); redis.set_repl(redis.REPL_ALL); redis.call('set', 'c', '3')",
      '0',
    );
    expect(propagated).toEqual([['MULTI'], ['set', 'a', '1'], ['set', 'c', '3'], ['EXEC']]);
  });
});

describe('busy scripts', () => {
  it('answers BUSY to other clients past busy-reply-threshold, and SCRIPT KILL stops the script', async () => {
    const { client, testServer } = await setup({ 'busy-reply-threshold': '20' });
    const other = await testServer.connect();
    const running = replyOf(client.call('EVAL', 'while true do end', '0'));
    let reply: unknown;
    for (let i = 0; i < 100; i++) {
      reply = await replyOf(other.call('PING'));
      if (reply !== 'PONG') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(reply).toBe('ERROR: BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.');
    expect(await other.call('SCRIPT', 'KILL')).toBe('OK');
    expect(await running).toMatch(/^ERROR: ERR Script killed by user with SCRIPT KILL\.\.\. script: /);
    expect(await other.call('PING')).toBe('PONG');
    expect(await replyOf(other.call('SCRIPT', 'KILL'))).toBe('ERROR: NOTBUSY No scripts in execution right now.');
  });

  it('shows a busy function in FUNCTION STATS, refuses SHUTDOWN without NOSAVE, and FUNCTION KILL stops it', async () => {
    const { client, testServer } = await setup({ 'busy-reply-threshold': '20' });
    const other = await testServer.connect();
    await client.call(
      'FUNCTION',
      'LOAD',
      "#!lua name=spin\nredis.register_function('spin', function() while true do end end)",
    );
    const running = replyOf(client.call('FCALL', 'spin', '0'));
    let stats: unknown;
    for (let i = 0; i < 100; i++) {
      stats = await other.call('FUNCTION', 'STATS');
      if ((stats as unknown[])[1] !== null) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((stats as unknown[]).slice(0, 2)).toEqual([
      'running_script',
      ['name', 'spin', 'command', ['FCALL', 'spin', '0'], 'duration_ms', expect.any(Number)],
    ]);
    expect(await replyOf(other.call('SHUTDOWN'))).toBe(
      'ERROR: BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.',
    );
    expect(await replyOf(other.call('SCRIPT', 'KILL'))).toBe(
      'ERROR: BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.',
    );
    expect(await other.call('FUNCTION', 'KILL')).toBe('OK');
    expect(await running).toMatch(
      /^ERROR: ERR Script killed by user with SCRIPT KILL\.\.\. script: spin, on @user_function:2\.$/,
    );
  });
});
