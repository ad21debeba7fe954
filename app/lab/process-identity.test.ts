import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isProcessAlive, processCommandLine, processStartTime, processStateLetter } from './process-identity.js';

describe('process identity', () => {
  it('identifies a running process and forgets an exited one', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = child.pid!;
    try {
      expect(isProcessAlive(pid)).toBe(true);
      expect(processCommandLine(pid)).toBe('sleep 30');
      expect(processStartTime(pid)).toMatch(/\S/);
      expect(processStartTime(pid)).not.toBe(processStartTime(process.pid));
      process.kill(pid, 'SIGSTOP');
      await new Promise((r) => setTimeout(r, 50));
      expect(processStateLetter(pid)).toBe('T');
      expect(isProcessAlive(pid)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((r) => child.once('exit', r));
    expect(isProcessAlive(pid)).toBe(false);
    expect(processCommandLine(pid)).toBeUndefined();
    expect(processStartTime(pid)).toBeUndefined();
  });
});
