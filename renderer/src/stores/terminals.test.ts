import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { FakeLab } from '../api/fake-lab';
import { useLabStore } from './lab';
import { useTerminalStore } from './terminals';

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
