import { afterEach, describe, expect, it } from 'vitest';
import { LatencyHistogram } from './latency.js';
import { startTestServer, type TestServer } from './testing.js';

let current: TestServer | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('LatencyHistogram', () => {
  it('answers percentiles with two significant digits', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 100; i++) h.record(i);
    expect(h.total).toBe(100);
    expect(h.valueAtPercentile(50)).toBe(50);
    expect(h.valueAtPercentile(100)).toBe(109);
    expect(h.valueAtPercentile(0)).toBe(1);
    h.record(123456);
    expect(h.valueAtPercentile(100)).toBe(129999);
  });

  it('gives a cumulative distribution over power-of-two buckets', () => {
    const h = new LatencyHistogram();
    for (const v of [0, 1, 3, 3, 9]) h.record(v);
    expect(h.cumulative()).toEqual([
      [1, 2],
      [4, 4],
      [16, 5],
    ]);
  });
});

describe('LATENCY', () => {
  it('keeps per-command histograms, reset by CONFIG RESETSTAT', async () => {
    current = await startTestServer();
    const client = await current.connect();
    await client.call('CONFIG', 'RESETSTAT');
    await client.call('CLIENT', 'ID');
    await client.call('CLIENT', 'ID');
    const histo = (await client.call('LATENCY', 'HISTOGRAM', 'client')) as unknown[];
    expect(histo[0]).toBe('client|id');
    expect((histo[1] as unknown[]).slice(0, 2)).toEqual(['calls', 2]);
    expect(await client.call('LATENCY', 'HISTOGRAM', 'nosuch')).toEqual([]);
    const all = (await client.call('LATENCY', 'HISTOGRAM')) as string[];
    expect(all).toContain('config|resetstat');
    await client.call('CONFIG', 'RESETSTAT');
    expect(await client.call('LATENCY', 'HISTOGRAM', 'client')).toEqual([]);
  });

  it('logs events above latency-monitor-threshold', async () => {
    current = await startTestServer({ 'latency-monitor-threshold': '1', 'enable-debug-command': 'yes' });
    const client = await current.connect();
    expect(await client.call('LATENCY', 'LATEST')).toEqual([]);
    expect(await client.call('LATENCY', 'DOCTOR')).toMatch(/^Dave, no latency spike/);
    await client.call('DEBUG', 'SLEEP', '0.02');
    const [event, time, latency, max] = ((await client.call('LATENCY', 'LATEST')) as unknown[][])[0]!;
    expect(event).toBe('command');
    expect(Math.abs((time as number) - Date.now() / 1000)).toBeLessThan(2);
    expect(latency).toBeGreaterThanOrEqual(20);
    expect(max).toBe(latency);
    expect(await client.call('LATENCY', 'HISTORY', 'command')).toEqual([[time, latency]]);
    expect(await client.call('LATENCY', 'HISTORY', 'nosuch')).toEqual([]);
    expect(await client.call('LATENCY', 'DOCTOR')).toMatch(/^Dave, I have observed latency spikes/);
    expect(await client.call('LATENCY', 'RESET', 'nosuch')).toBe(0);
    expect(await client.call('LATENCY', 'RESET')).toBe(1);
    expect(await client.call('LATENCY', 'LATEST')).toEqual([]);
  });
});
