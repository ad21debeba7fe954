/**
 * The Sentinel feature's pure parts: sentinel.conf, the view read from
 * SENTINEL MASTER / REPLICAS, and the sentences for Sentinel's events (message
 * formats copied from what redis-sentinel 7.0.15 publishes).
 */
import { describe, expect, it } from 'vitest';
import type { RespValue } from '../../resp/reply-parser';
import { renderSentinelConf, sentinelPaths } from './config';
import { describeSentinelEvent, parseSentinelEvent } from './events';
import { parseSentinelView, stableViewKey } from './view';

const bulk = (value: string): RespValue => ({ type: 'bulk', value });
const flat = (fields: Record<string, string>): RespValue => ({
  type: 'array',
  items: Object.entries(fields).flatMap(([name, value]) => [bulk(name), bulk(value)]),
});

describe('sentinel.conf', () => {
  it('monitors the master with the lab settings, and auth-pass only when the master has a password', () => {
    const paths = sentinelPaths('/ws/sentinels', 26379);
    expect(paths.conf).toBe('/ws/sentinels/26379/sentinel.conf');
    const config = {
      port: 26379,
      masterName: 'mymaster',
      master: { host: '127.0.0.1', port: 6379 },
      quorum: 2,
      downAfterMs: 1000,
      failoverTimeoutMs: 5000,
    };
    const text = renderSentinelConf(config, paths);
    expect(text).toContain('\nport 26379\nbind 127.0.0.1\n');
    expect(text).toContain('dir "/ws/sentinels/26379"\n');
    expect(text).toContain('logfile "/ws/sentinels/26379/sentinel-26379.log"\n');
    expect(text).toContain('sentinel monitor mymaster 127.0.0.1 6379 2\n');
    expect(text).toContain('sentinel down-after-milliseconds mymaster 1000\n');
    expect(text).toContain('sentinel failover-timeout mymaster 5000\n');
    expect(text).not.toContain('auth-pass');
    expect(renderSentinelConf({ ...config, authPass: 'open sesame' }, paths)).toContain(
      'sentinel auth-pass mymaster "open sesame"\n',
    );
  });
});

describe('the view', () => {
  const master = flat({
    name: 'mymaster',
    ip: '127.0.0.1',
    port: '6380',
    flags: 'master',
    'last-ping-reply': '120',
    quorum: '2',
    'num-slaves': '2',
    'num-other-sentinels': '2',
    'failover-state': 'none',
  });
  const replicas: RespValue = {
    type: 'array',
    items: [
      flat({ name: '127.0.0.1:6381', ip: '127.0.0.1', port: '6381', flags: 'slave' }),
      flat({ name: '127.0.0.1:6379', ip: '127.0.0.1', port: '6379', flags: 's_down,slave,disconnected' }),
    ],
  };

  it('reads the master, its flags and replicas', () => {
    const view = parseSentinelView(master, replicas)!;
    expect(view.master).toEqual({
      host: '127.0.0.1',
      port: 6380,
      flags: ['master'],
      quorum: 2,
      numReplicas: 2,
      numOtherSentinels: 2,
    });
    expect(view.replicas[1]).toEqual({ host: '127.0.0.1', port: 6379, flags: ['s_down', 'slave', 'disconnected'] });
    expect(view.fields['name']).toBe('mymaster');
  });

  it('reads a RESP3 map the same way, and an error as no view', () => {
    const items = (master as { items: RespValue[] }).items;
    const map: RespValue = { type: 'map', entries: [] };
    for (let i = 0; i < items.length; i += 2) map.entries.push([items[i]!, items[i + 1]!]);
    expect(parseSentinelView(map, replicas)).toEqual(parseSentinelView(master, replicas));
    expect(parseSentinelView({ type: 'error', value: 'ERR No such master with that name' }, replicas)).toBeUndefined();
  });

  it('tells a real change from ages ticking', () => {
    const before = parseSentinelView(master, replicas);
    const later = parseSentinelView(flat({ ...Object.fromEntries([['last-ping-reply', '900']]) }), replicas);
    const ticked = parseSentinelView(
      flat({
        name: 'mymaster',
        ip: '127.0.0.1',
        port: '6380',
        flags: 'master',
        'last-ping-reply': '900',
        quorum: '2',
        'num-slaves': '2',
        'num-other-sentinels': '2',
        'failover-state': 'none',
      }),
      replicas,
    );
    expect(stableViewKey(ticked)).toBe(stableViewKey(before));
    expect(stableViewKey(later)).not.toBe(stableViewKey(before));
  });
});

describe("Sentinel's events", () => {
  const names: Record<string, string> = { '127.0.0.1:6379': 'redis_6379', '127.0.0.1:6380': 'redis_6380' };
  const nameOf = (host: string, port: number) => names[`${host}:${port}`];

  it('parses instances with and without their master', () => {
    expect(parseSentinelEvent('+sdown', 'master mymaster 127.0.0.1 6379')).toEqual({
      event: '+sdown',
      instance: { type: 'master', name: 'mymaster', host: '127.0.0.1', port: 6379 },
      detail: '',
    });
    expect(
      parseSentinelEvent('+slave-reconf-sent', 'slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6379'),
    ).toMatchObject({
      instance: {
        type: 'slave',
        host: '127.0.0.1',
        port: 6381,
        master: { name: 'mymaster', host: '127.0.0.1', port: 6379 },
      },
    });
    expect(parseSentinelEvent('+odown', 'master mymaster 127.0.0.1 6379 #quorum 3/2').detail).toBe('#quorum 3/2');
  });

  it('says what happened, naming the lab nodes', () => {
    expect(describeSentinelEvent('sentinel_26379', '+sdown', 'master mymaster 127.0.0.1 6379', nameOf)).toMatchObject({
      title: 'sentinel_26379 sees redis_6379 subjectively down: no valid reply within down-after-milliseconds (+sdown)',
      level: 'warning',
    });
    const odown = describeSentinelEvent(
      'sentinel_26379',
      '+odown',
      'master mymaster 127.0.0.1 6379 #quorum 3/2',
      nameOf,
    );
    expect(odown.title).toBe(
      'sentinel_26379 agrees with other Sentinels that redis_6379 is objectively down #quorum 3/2 (+odown)',
    );
    const switched = describeSentinelEvent(
      'sentinel_26379',
      '+switch-master',
      'mymaster 127.0.0.1 6379 127.0.0.1 6380',
      nameOf,
    );
    expect(switched.title).toBe('sentinel_26379 switched mymaster from redis_6379 to redis_6380 (+switch-master)');
    expect(switched.switchMaster).toEqual({
      masterName: 'mymaster',
      from: { host: '127.0.0.1', port: 6379 },
      to: { host: '127.0.0.1', port: 6380 },
    });
    const unknown = describeSentinelEvent(
      's',
      '+promoted-slave',
      'slave 127.0.0.1:7000 127.0.0.1 7000 @ m 127.0.0.1 6379',
      nameOf,
    );
    expect(unknown.title).toBe('s sees 127.0.0.1:7000 promoted to master (+promoted-slave)');
  });
});
