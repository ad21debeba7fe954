/**
 * What a Sentinel sees, from its own replies: `SENTINEL MASTER <name>` (a flat list
 * of field/value pairs, or a map in RESP3) and `SENTINEL REPLICAS <name>` (one such
 * list per replica), turned into the contract's SentinelView.
 */
import type { SentinelView } from '../../api/runtime';
import { scalarText, type RespValue } from '../../resp/reply-parser';

/** Fields whose values are ages in milliseconds: they change on every poll. */
const VOLATILE_FIELDS = new Set([
  'last-ping-sent',
  'last-ok-ping-reply',
  'last-ping-reply',
  'info-refresh',
  'role-reported-time',
  'link-pending-commands',
  'link-refcount',
  'down-after-period',
  's-down-time',
  'o-down-time',
  'master-link-down-time',
  'failover-timeout-left',
]);

/** Field/value pairs of one instance, as strings. */
export function replyFields(reply: RespValue): Record<string, string> {
  const fields: Record<string, string> = {};
  if (reply.type === 'map') {
    for (const [name, value] of reply.entries) fields[scalarText(name)] = scalarText(value);
  } else if (reply.type === 'array') {
    for (let i = 0; i + 1 < reply.items.length; i += 2)
      fields[scalarText(reply.items[i]!)] = scalarText(reply.items[i + 1]!);
  }
  return fields;
}

/** The view, or undefined when the Sentinel answered with an error (e.g. it does not know the name). */
export function parseSentinelView(master: RespValue, replicas: RespValue): SentinelView | undefined {
  if (master.type !== 'array' && master.type !== 'map') return undefined;
  const fields = replyFields(master);
  const failoverState = fields['failover-state'];
  return {
    master: {
      host: fields['ip'] ?? '',
      port: Number(fields['port'] ?? 0),
      flags: splitFlags(fields['flags']),
      quorum: Number(fields['quorum'] ?? 0),
      numReplicas: Number(fields['num-slaves'] ?? 0),
      numOtherSentinels: Number(fields['num-other-sentinels'] ?? 0),
      ...(failoverState !== undefined && failoverState !== 'none' ? { failoverState } : {}),
    },
    replicas:
      replicas.type === 'array'
        ? replicas.items.map((item) => {
            const replica = replyFields(item);
            return {
              host: replica['ip'] ?? '',
              port: Number(replica['port'] ?? 0),
              flags: splitFlags(replica['flags']),
            };
          })
        : [],
    fields,
  };
}

/** The view without the fields that are mere ages, to tell a real change from the clock ticking. */
export function stableViewKey(view: SentinelView | undefined): string {
  if (!view) return '';
  const fields = Object.entries(view.fields).filter(([name]) => !VOLATILE_FIELDS.has(name));
  return JSON.stringify({ master: view.master, replicas: view.replicas, fields });
}

function splitFlags(flags: string | undefined): string[] {
  return flags ? flags.split(',').filter((flag) => flag !== '') : [];
}
