/**
 * Channel and pattern subscriptions (pubsub.c). Messages are pushed to
 * subscribers as RESP2 arrays or RESP3 pushes, depending on each subscriber.
 */
import type { Client } from './client.js';
import { globMatch } from './glob.js';

export class PubSub {
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  /** Sharded channels (SSUBSCRIBE/SPUBLISH): in a standalone server, plain channels of their own. */
  readonly shardChannels = new Map<string, Set<Client>>();

  ssubscribe(c: Client, channel: string): boolean {
    if (c.shardChannels.has(channel)) return false;
    c.shardChannels.add(channel);
    let subs = this.shardChannels.get(channel);
    if (!subs) this.shardChannels.set(channel, (subs = new Set()));
    subs.add(c);
    return true;
  }

  sunsubscribe(c: Client, channel: string): boolean {
    if (!c.shardChannels.delete(channel)) return false;
    const subs = this.shardChannels.get(channel);
    if (subs) {
      subs.delete(c);
      if (subs.size === 0) this.shardChannels.delete(channel);
    }
    return true;
  }

  /** SPUBLISH: only exact subscribers of the shard channel receive an "smessage". */
  spublish(channel: string, message: string): number {
    const subs = this.shardChannels.get(channel);
    if (!subs) return 0;
    for (const c of subs) {
      c.pushLen(3);
      c.bulk('smessage');
      c.bulk(channel);
      c.bulk(message);
      c.scheduleFlush();
    }
    return subs.size;
  }

  subscribe(c: Client, channel: string): boolean {
    if (c.channels.has(channel)) return false;
    c.channels.add(channel);
    let subs = this.channels.get(channel);
    if (!subs) this.channels.set(channel, (subs = new Set()));
    subs.add(c);
    return true;
  }

  unsubscribe(c: Client, channel: string): boolean {
    if (!c.channels.delete(channel)) return false;
    const subs = this.channels.get(channel);
    if (subs) {
      subs.delete(c);
      if (subs.size === 0) this.channels.delete(channel);
    }
    return true;
  }

  psubscribe(c: Client, pattern: string): boolean {
    if (c.patterns.has(pattern)) return false;
    c.patterns.add(pattern);
    let subs = this.patterns.get(pattern);
    if (!subs) this.patterns.set(pattern, (subs = new Set()));
    subs.add(c);
    return true;
  }

  punsubscribe(c: Client, pattern: string): boolean {
    if (!c.patterns.delete(pattern)) return false;
    const subs = this.patterns.get(pattern);
    if (subs) {
      subs.delete(c);
      if (subs.size === 0) this.patterns.delete(pattern);
    }
    return true;
  }

  /** Publishes a message; returns the number of clients that received it. */
  publish(channel: string, message: string): number {
    let receivers = 0;
    const subs = this.channels.get(channel);
    if (subs) {
      for (const c of subs) {
        c.pushLen(3);
        c.bulk('message');
        c.bulk(channel);
        c.bulk(message);
        c.scheduleFlush();
        receivers++;
      }
    }
    for (const [pattern, clients] of this.patterns) {
      if (!globMatch(pattern, channel)) continue;
      for (const c of clients) {
        c.pushLen(4);
        c.bulk('pmessage');
        c.bulk(pattern);
        c.bulk(channel);
        c.bulk(message);
        c.scheduleFlush();
        receivers++;
      }
    }
    return receivers;
  }

  /** Drops every subscription of a disconnecting client. */
  removeClient(c: Client): void {
    for (const ch of [...c.channels]) this.unsubscribe(c, ch);
    for (const p of [...c.patterns]) this.punsubscribe(c, p);
    for (const ch of [...c.shardChannels]) this.sunsubscribe(c, ch);
  }
}
