/**
 * The actions that break the lab on purpose, or repair it: link faults, node faults,
 * failover, Sentinels and workloads. Each asks first where it destroys something, and
 * reports a failure as a toast (the command log shows every line, as for any action).
 */
import { useI18n } from 'vue-i18n';
import type { Params } from '@api/contract';
import type { LinkFault } from '@api/runtime';
import { useLabStore } from '../stores/lab';
import { useUiStore } from '../stores/ui';
import { useExperimentStore } from '../stores/experiments';
import { useLabActions } from './useLabActions';

export function useExperimentActions() {
  const lab = useLabStore();
  const ui = useUiStore();
  const experiments = useExperimentStore();
  const { t } = useI18n();
  const { attempt, nameOf } = useLabActions();

  async function confirm(title: string, message: string, confirmLabel: string, danger = true): Promise<boolean> {
    return ui.confirm({ title, message, confirmLabel, danger });
  }

  return {
    attempt,
    nameOf,

    async fault(replica: string, fault: LinkFault) {
      const link = await attempt(() => lab.request('edge.fault', { replica, fault }));
      // The 'links' event follows; the reply shows the fault at once.
      if (link) experiments.links[replica] = link;
      return link;
    },

    heal: (replica: string, direct = false) => attempt(() => lab.request('edge.heal', { replica, direct })),

    async restart(id: string, dump: 'keep' | 'delete') {
      if (dump === 'delete') {
        const ok = await confirm(
          t('faults.restartEmptyTitle', { name: nameOf(id) }),
          t('faults.restartEmptyBody'),
          t('faults.restartEmptyConfirm'),
        );
        if (!ok) return undefined;
      }
      return attempt(() => lab.request('node.restart', { id, dump }));
    },

    debugSleep: (id: string, seconds: number) => attempt(() => lab.request('node.debugSleep', { id, seconds })),

    clientPause: (id: string, ms: number, mode: 'write' | 'all') =>
      attempt(() => lab.request('node.clientPause', { id, ms, mode })),

    async promote(id: string) {
      const master = lab.masterOf.get(id);
      const ok = await confirm(
        t('failover.promoteTitle', { name: nameOf(id) }),
        t('failover.promoteBody', { name: nameOf(id), master: master ? nameOf(master) : '?' }),
        t('failover.promoteConfirm'),
        false,
      );
      if (!ok) return undefined;
      return attempt(() => lab.request('node.promote', { id, moveSiblings: true }));
    },

    async failover(id: string) {
      const master = lab.masterOf.get(id);
      const ok = await confirm(
        t('failover.failoverTitle', { name: nameOf(id) }),
        t('failover.failoverBody', { name: nameOf(id), master: master ? nameOf(master) : '?' }),
        t('failover.failoverConfirm'),
        false,
      );
      if (!ok) return undefined;
      const reply = await attempt(() => lab.request('node.failover', { id }));
      if (reply) ui.toast('info', t('failover.failoverReply', { reply: reply.reply }));
      return reply;
    },

    async createSentinels(params: Params<'sentinel.create'>) {
      const reply = await attempt(() => lab.request('sentinel.create', params));
      if (reply) ui.toast('success', t('sentinel.created', { n: reply.ids.length }));
      return reply;
    },

    async sentinelFailover(id: string) {
      const ok = await confirm(
        t('sentinel.failoverTitle'),
        t('sentinel.failoverBody'),
        t('sentinel.failoverConfirm'),
        false,
      );
      if (!ok) return undefined;
      const reply = await attempt(() => lab.request('sentinel.failover', { id }));
      if (reply) ui.toast('info', t('sentinel.failoverReply', { reply: reply.reply }));
      return reply;
    },

    sentinelProcess: (id: string, operation: 'start' | 'stop') =>
      attempt(() => lab.request(`sentinel.${operation}`, { id })),

    async removeSentinel(id: string) {
      const ok = await confirm(
        t('sentinel.removeTitle', { name: experiments.sentinel(id)?.name ?? id }),
        t('sentinel.removeBody'),
        t('dialogs.removeConfirm'),
      );
      if (!ok) return undefined;
      const done = await attempt(() => lab.request('sentinel.remove', { id }));
      if (done && experiments.selectedSentinel === id) experiments.selectSentinel(undefined);
      return done;
    },

    startWorkload: (params: Params<'workload.start'>) => attempt(() => lab.request('workload.start', params)),

    stopWorkload: (masterId: string) => attempt(() => lab.request('workload.stop', { masterId })),
  };
}
