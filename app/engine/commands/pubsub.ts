/** Pub/Sub commands (pubsub.c): channels, patterns, shard channels and PUBSUB introspection. */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import { globMatch } from '../glob.js';
import { replyHelp } from './help.js';

type Kind = 'subscribe' | 'unsubscribe' | 'psubscribe' | 'punsubscribe' | 'ssubscribe' | 'sunsubscribe';

/** addReplyPubsub(Un)Subscribed(): a 3-element array in RESP2, a push in RESP3. */
function confirm(c: Client, kind: Kind, channel: string | null): void {
  c.writePush(() => {
    c.pushLen(3);
    c.bulk(kind);
    if (channel === null) c.null();
    else c.bulk(channel);
    const sharded = kind === 'ssubscribe' || kind === 'sunsubscribe';
    c.integer(sharded ? c.shardChannels.size : c.subscriptionCount);
  });
}

function channelList(c: Client, channels: Map<string, Set<Client>>, pattern: string | undefined): void {
  const names: string[] = [];
  for (const name of channels.keys()) if (pattern === undefined || globMatch(pattern, name)) names.push(name);
  c.bulkArray(names);
}

export const pubsubCommands: CommandModule = {
  subscribe(c, argv) {
    for (let i = 1; i < argv.length; i++) {
      c.server.pubsub.subscribe(c, argv[i]!);
      confirm(c, 'subscribe', argv[i]!);
    }
  },

  unsubscribe(c, argv) {
    const pubsub = c.server.pubsub;
    const channels = argv.length > 1 ? argv.slice(1) : [...c.channels];
    if (channels.length === 0) confirm(c, 'unsubscribe', null);
    for (const ch of channels) {
      pubsub.unsubscribe(c, ch);
      confirm(c, 'unsubscribe', ch);
    }
  },

  psubscribe(c, argv) {
    for (let i = 1; i < argv.length; i++) {
      c.server.pubsub.psubscribe(c, argv[i]!);
      confirm(c, 'psubscribe', argv[i]!);
    }
  },

  punsubscribe(c, argv) {
    const pubsub = c.server.pubsub;
    const patterns = argv.length > 1 ? argv.slice(1) : [...c.patterns];
    if (patterns.length === 0) confirm(c, 'punsubscribe', null);
    for (const p of patterns) {
      pubsub.punsubscribe(c, p);
      confirm(c, 'punsubscribe', p);
    }
  },

  ssubscribe(c, argv) {
    for (let i = 1; i < argv.length; i++) {
      c.server.pubsub.ssubscribe(c, argv[i]!);
      confirm(c, 'ssubscribe', argv[i]!);
    }
  },

  sunsubscribe(c, argv) {
    const pubsub = c.server.pubsub;
    const channels = argv.length > 1 ? argv.slice(1) : [...c.shardChannels];
    if (channels.length === 0) confirm(c, 'sunsubscribe', null);
    for (const ch of channels) {
      pubsub.sunsubscribe(c, ch);
      confirm(c, 'sunsubscribe', ch);
    }
  },

  publish(c, argv) {
    const receivers = c.server.pubsub.publish(argv[1]!, argv[2]!);
    // Replicas' subscribers receive the message too (forceCommandPropagation).
    c.forcePropagation = true;
    c.integer(receivers);
  },

  spublish(c, argv) {
    const receivers = c.server.pubsub.spublish(argv[1]!, argv[2]!);
    c.forcePropagation = true;
    c.integer(receivers);
  },

  'pubsub|channels'(c, argv) {
    if (argv.length > 3) {
      c.error("ERR wrong number of arguments for 'pubsub|channels' command");
      return;
    }
    channelList(c, c.server.pubsub.channels, argv[2]);
  },

  'pubsub|shardchannels'(c, argv) {
    if (argv.length > 3) {
      c.error("ERR wrong number of arguments for 'pubsub|shardchannels' command");
      return;
    }
    channelList(c, c.server.pubsub.shardChannels, argv[2]);
  },

  'pubsub|numsub'(c, argv) {
    c.arrayLen((argv.length - 2) * 2);
    for (let i = 2; i < argv.length; i++) {
      c.bulk(argv[i]!);
      c.integer(c.server.pubsub.channels.get(argv[i]!)?.size ?? 0);
    }
  },

  'pubsub|shardnumsub'(c, argv) {
    c.arrayLen((argv.length - 2) * 2);
    for (let i = 2; i < argv.length; i++) {
      c.bulk(argv[i]!);
      c.integer(c.server.pubsub.shardChannels.get(argv[i]!)?.size ?? 0);
    }
  },

  'pubsub|numpat'(c) {
    c.integer(c.server.pubsub.patterns.size);
  },

  'pubsub|help'(c) {
    replyHelp(c, 'pubsub', [
      'CHANNELS [<pattern>]',
      "    Return the currently active channels matching a <pattern> (default: '*').",
      'NUMPAT',
      '    Return number of subscriptions to patterns.',
      'NUMSUB [<channel> ...]',
      '    Return the number of subscribers for the specified channels, excluding',
      '    pattern subscriptions(default: no channels).',
      'SHARDCHANNELS [<pattern>]',
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      'SHARDNUMSUB [<shardchannel> ...]',
      '    Return the number of subscribers for the specified shard level channel(s)',
    ]);
  },
};
