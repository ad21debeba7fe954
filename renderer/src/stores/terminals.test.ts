import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { CommandLogEntry } from '@api/runtime';
import { FakeLab } from '../api/fake-lab';
import { useLabStore } from './lab';
import { commandOf, mirrorLine, useTerminalStore } from './terminals';

describe('terminal sessions', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('holds output until the view mounts, then streams it; the seed walkthrough works', async () => {
    const fake = new FakeLab({ tickMs: 0 });
    const lab = useLabStore();
    const terminals = useTerminalStore();
    terminals.attach(fake);
    await lab.attach(fake);
    const [master, replica] = (await lab.request('topology.seed', {})).ids as [string, string];

    await terminals.open(replica);
    const session = terminals.sessions[0]!;
    expect(terminals.active).toBe(session.sessionId);
    await new Promise((resolve) => setTimeout(resolve, 5));
    let screen = '';
    terminals.register(session.sessionId, (data) => (screen += data));
    expect(screen).toBe('127.0.0.1:6380> ');

    await terminals.input(session.sessionId, 'set name 6380\r');
    expect(screen).toContain("(error) READONLY You can't write against a read only replica.");

    await terminals.open(master);
    const masterSession = terminals.sessions[1]!;
    await terminals.input(masterSession.sessionId, 'set name hello\r');
    await terminals.input(session.sessionId, 'get name\r');
    expect(screen).toContain('"hello"');

    await terminals.open(replica);
    expect(terminals.sessions).toHaveLength(2);
    await terminals.close(session.sessionId);
    expect(terminals.active).toBe(masterSession.sessionId);
    fake.close();
  });
});

describe('the mirror of canvas commands', () => {
  it('drops redis-cli and its options, and marks the line [ui]', () => {
    expect(commandOf('redis-cli -h 127.0.0.1 -p 6380 --no-auth-warning REPLICAOF 127.0.0.1 6379')).toBe(
      'REPLICAOF 127.0.0.1 6379',
    );
    expect(mirrorLine({ seq: 1, at: 0, command: 'redis-cli -p 6380 REPLICAOF 127.0.0.1 6379', ok: true })).toBe(
      '\r\n\x1b[2m[ui] REPLICAOF 127.0.0.1 6379 → OK\x1b[0m\r\n',
    );
    expect(
      mirrorLine({ seq: 2, at: 0, command: 'redis-cli -p 6380 SET a 1', ok: false, result: 'READONLY x' }),
    ).toContain('→ (error) READONLY x');
  });

  it('writes the line without acknowledging it, and redraws only an empty prompt', async () => {
    setActivePinia(createPinia());
    const fake = new FakeLab({ tickMs: 0 });
    const lab = useLabStore();
    const terminals = useTerminalStore();
    // The store hears 'log' events through this hook, as it would from the lab.
    let emitLog: (entry: CommandLogEntry) => void = () => undefined;
    const connection = new Proxy(fake, {
      get(target, key) {
        if (key !== 'on') return Reflect.get(target, key, target);
        return (event: string, listener: (entry: CommandLogEntry) => void) => {
          if (event === 'log') emitLog = listener;
          return target.on(event as 'log', listener);
        };
      },
    });
    terminals.attach(connection);
    await lab.attach(fake);
    const [, replica] = (await lab.request('topology.seed', {})).ids as [string, string];
    await terminals.open(replica);
    const session = terminals.sessions[0]!;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const drawn: Array<{ data: string; fromPty: boolean }> = [];
    terminals.register(session.sessionId, (data, fromPty) => drawn.push({ data, fromPty }));
    const sent: string[] = [];
    const request = lab.request.bind(lab);
    lab.request = ((method: string, params: { data?: string }) => {
      if (method === 'terminal.input') sent.push(params.data ?? '');
      return request(method as 'terminal.input', params as never);
    }) as typeof lab.request;

    const entry = { seq: 99, at: 0, nodeId: replica, command: 'redis-cli -p 6380 REPLICAOF NO ONE', ok: true };
    emitLog(entry);
    expect(drawn).toContainEqual({ data: mirrorLine(entry), fromPty: false });
    expect(sent).toEqual(['\r']);

    await terminals.input(session.sessionId, 'get na');
    sent.length = 0;
    emitLog({ ...entry, seq: 100 });
    expect(sent).toEqual([]);

    terminals.update(session.sessionId, { mirror: false });
    const before = drawn.length;
    emitLog({ ...entry, seq: 101 });
    expect(drawn.length).toBe(before);
    fake.close();
  });
});
