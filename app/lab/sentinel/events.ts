/**
 * Sentinel's events (what it publishes on its own Pub/Sub channels, named after
 * the event: `+sdown`, `+switch-master`, ...) as sentences for the timeline.
 * The message format is sentinel.c's sentinelEvent(): for "%@" events the
 * instance (`master <name> <ip> <port>`, or `slave|sentinel <name> <ip> <port>
 * @ <master-name> <master-ip> <master-port>`) followed by any detail.
 */
import type { Endpoint } from '../types';

export interface SentinelInstance {
  type: 'master' | 'slave' | 'sentinel';
  name: string;
  host: string;
  port: number;
  master?: { name: string; host: string; port: number };
}

export interface ParsedSentinelEvent {
  event: string;
  instance?: SentinelInstance;
  /** Whatever follows the instance (`#quorum 3/2`, `new reported role is master`). */
  detail: string;
  /** For +switch-master: the old and the new master. */
  switchMaster?: { masterName: string; from: Endpoint; to: Endpoint };
}

export interface DescribedSentinelEvent extends ParsedSentinelEvent {
  title: string;
  level: 'info' | 'warning' | 'error';
}

/** Names a `host:port` for a sentence: the lab node's name where there is one. */
export type NameOf = (host: string, port: number) => string | undefined;

export function parseSentinelEvent(event: string, message: string): ParsedSentinelEvent {
  const words = message.split(' ');
  if (event === '+switch-master' && words.length >= 5) {
    return {
      event,
      detail: '',
      switchMaster: {
        masterName: words[0]!,
        from: { host: words[1]!, port: Number(words[2]) },
        to: { host: words[3]!, port: Number(words[4]) },
      },
    };
  }
  const type = words[0];
  if ((type === 'master' || type === 'slave' || type === 'sentinel') && words.length >= 4) {
    const instance: SentinelInstance = { type, name: words[1]!, host: words[2]!, port: Number(words[3]) };
    let rest = words.slice(4);
    if (rest[0] === '@' && rest.length >= 4) {
      instance.master = { name: rest[1]!, host: rest[2]!, port: Number(rest[3]) };
      rest = rest.slice(4);
    }
    return { event, instance, detail: rest.join(' ') };
  }
  return { event, detail: message };
}

/** A sentence for the event as `sentinelName` reported it. */
export function describeSentinelEvent(
  sentinelName: string,
  event: string,
  message: string,
  nameOf: NameOf,
): DescribedSentinelEvent {
  const parsed = parseSentinelEvent(event, message);
  const label = (host: string, port: number) => nameOf(host, port) ?? `${host}:${port}`;
  const instance = parsed.instance;
  const who = instance
    ? instance.type === 'sentinel'
      ? `Sentinel ${instance.host}:${instance.port}`
      : label(instance.host, instance.port)
    : '';
  const masterName = instance?.master?.name ?? (instance?.type === 'master' ? instance.name : undefined);
  const inMaster = masterName ? ` (${masterName})` : '';
  const sentence = ((): [string, DescribedSentinelEvent['level']] => {
    switch (event) {
      case '+sdown':
        return [`sees ${who} subjectively down: no valid reply within down-after-milliseconds`, 'warning'];
      case '-sdown':
        return [`sees ${who} answering again (no longer subjectively down)`, 'info'];
      case '+odown':
        return [`agrees with other Sentinels that ${who} is objectively down ${parsed.detail}`.trimEnd(), 'error'];
      case '-odown':
        return [`no longer sees ${who} objectively down`, 'info'];
      case '+new-epoch':
        return [`moves to configuration epoch ${parsed.detail}`, 'info'];
      case '+vote-for-leader':
        return [
          `votes for leader ${message.split(' ')[0]?.slice(0, 8) ?? ''} in epoch ${message.split(' ')[1] ?? '?'}`,
          'info',
        ];
      case '+try-failover':
        return [`tries to fail over ${who}${inMaster}`, 'warning'];
      case '+elected-leader':
        return [`was elected leader to fail over ${who}${inMaster}`, 'warning'];
      case '+failover-state-select-slave':
        return [`picks a replica to promote in place of ${who}`, 'warning'];
      case '-failover-abort-no-good-slave':
        return [`cannot fail over ${who}: no replica is good enough to promote`, 'error'];
      case '+selected-slave':
        return [`selected ${who} to become the new master${inMaster}`, 'warning'];
      case '+failover-state-send-slaveof-noone':
        return [`sends REPLICAOF NO ONE to ${who}`, 'warning'];
      case '+failover-state-wait-promotion':
        return [`waits for ${who} to report itself master`, 'info'];
      case '+promoted-slave':
        return [`sees ${who} promoted to master`, 'warning'];
      case '+failover-state-reconf-slaves':
        return [`re-points the other replicas at the new master of ${masterName ?? who}`, 'info'];
      case '+slave-reconf-sent':
        return [`sent REPLICAOF to ${who}`, 'info'];
      case '+slave-reconf-inprog':
        return [`sees ${who} syncing with the new master`, 'info'];
      case '+slave-reconf-done':
        return [`sees ${who} replicating from the new master`, 'info'];
      case '+failover-end':
        return [`finished the failover of ${masterName ?? who}`, 'info'];
      case '+failover-end-for-timeout':
        return [`ended the failover of ${masterName ?? who} at failover-timeout`, 'warning'];
      case '-failover-abort-not-elected':
        return [`was not elected leader for ${who}: another Sentinel fails it over`, 'info'];
      case '+switch-master': {
        const sw = parsed.switchMaster;
        if (!sw) return [`switched master: ${message}`, 'warning'];
        return [
          `switched ${sw.masterName} from ${label(sw.from.host, sw.from.port)} to ${label(sw.to.host, sw.to.port)}`,
          'warning',
        ];
      }
      case '+convert-to-slave':
        return [`turns ${who} into a replica of the current master`, 'warning'];
      case '+fix-slave-config':
        return [`re-points ${who}, which replicated from the wrong master`, 'warning'];
      case '+role-change':
      case '-role-change':
        return [`sees ${who} report a new role: ${parsed.detail.replace(/^new reported role is /, '')}`, 'info'];
      case '+reboot':
        return [`sees ${who} restarted (new run id)`, 'warning'];
      case '+slave':
        return [`found replica ${who}${inMaster}`, 'info'];
      case '+sentinel':
        return [`found ${who}${inMaster}`, 'info'];
      case '+monitor':
        return [`monitors ${who} ${parsed.detail}`.trimEnd(), 'info'];
      case '+tilt':
        return ['entered TILT mode (its clock jumped): it will not act for 30 s', 'warning'];
      case '-tilt':
        return ['left TILT mode', 'info'];
      case '+config-update-from':
        return [`took a newer configuration from ${who}`, 'info'];
      default:
        return [`${event} ${message}`, 'info'];
    }
  })();
  return { ...parsed, title: `${sentinelName} ${sentence[0]} (${event})`, level: sentence[1] };
}
