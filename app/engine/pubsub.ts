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
    return addSubscription(this.shardChannels, c.shardChannels, c, channel);
  }

  sunsubscribe(c: Client, channel: string): boolean {
    return removeSubscription(this.shardChannels, c.shardChannels, c, channel);
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
    return addSubscription(this.channels, c.channels, c, channel);
  }

  unsubscribe(c: Client, channel: string): boolean {
    return removeSubscription(this.channels, c.channels, c, channel);
  }

  psubscribe(c: Client, pattern: string): boolean {
    return addSubscription(this.patterns, c.patterns, c, pattern);
  }

  punsubscribe(c: Client, pattern: string): boolean {
    return removeSubscription(this.patterns, c.patterns, c, pattern);
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

/** Records a subscription on both sides (server registry, client's own set); false if already there. */
function addSubscription(registry: Map<string, Set<Client>>, own: Set<string>, c: Client, name: string): boolean {
  if (own.has(name)) return false;
  own.add(name);
  let subscribers = registry.get(name);
  if (!subscribers) registry.set(name, (subscribers = new Set()));
  subscribers.add(c);
  return true;
}

/** Drops a subscription on both sides, forgetting channels nobody listens to; false if absent. */
function removeSubscription(registry: Map<string, Set<Client>>, own: Set<string>, c: Client, name: string): boolean {
  if (!own.delete(name)) return false;
  const subscribers = registry.get(name);
  if (subscribers) {
    subscribers.delete(c);
    if (subscribers.size === 0) registry.delete(name);
  }
  return true;
}
