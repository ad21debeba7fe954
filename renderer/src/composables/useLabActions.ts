/**
 * Every action the UI takes on the lab, with the confirmations the user must see
 * first and the toasts that report the outcome. A refused rule comes back from the
 * lab as one sentence; it is shown as it is.
 */
import { useI18n } from 'vue-i18n';
import type { Position } from '@api/topology';
import { toLabError, type LabRequestError } from '../api';
import { downloadText } from '../lib/download';
import { useLabStore } from '../stores/lab';
import { useUiStore } from '../stores/ui';

export function useLabActions() {
  const lab = useLabStore();
  const ui = useUiStore();
  const { t } = useI18n();

  function report(error: LabRequestError): void {
    const title = error.error.code === 'rule' ? t('toasts.ruleTitle') : t('toasts.errorTitle');
    ui.toast(error.error.code === 'rule' ? 'warning' : 'error', error.message, title);
  }

  /** Runs a request; a failure becomes a toast and `undefined`. */
  async function attempt<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      report(toLabError(error));
      return undefined;
    }
  }

  const nameOf = (id: string) => {
    const node = lab.node(id);
    return node ? `${node.name} (${node.host}:${node.port})` : id;
  };

  function positionsOf(ids: string[]) {
    return ids.flatMap((id) => {
      const node = lab.node(id);
      return node ? [{ id, position: { ...node.position } }] : [];
    });
  }

  async function disconnect(replica: string) {
    const master = lab.masterOf.get(replica);
    if (!master) return;
    const ok = await ui.confirm({
      title: t('dialogs.deleteEdgeTitle', { replica: nameOf(replica) }),
      message: t('dialogs.deleteEdgeBody', { replica: nameOf(replica), master: nameOf(master) }),
      confirmLabel: t('dialogs.deleteEdgeConfirm'),
    });
    if (ok) await attempt(() => lab.request('edge.disconnect', { replica }));
  }

  return {
    attempt,
    nameOf,

    createMaster: (position?: Position) =>
      attempt(() => lab.request('node.create', { role: 'master', engine: ui.engine, position })),

    createReplica: (masterId: string, position?: Position) =>
      attempt(() => lab.request('node.create', { role: 'replica', engine: ui.engine, masterId, position })),

    /** A replica dropped where there is no master: start one there first, then the replica below it. */
    async createMasterWithReplica(position?: Position) {
      const master = await attempt(() => lab.request('node.create', { role: 'master', engine: ui.engine, position }));
      if (master) {
        await attempt(() =>
          lab.request('node.create', {
            role: 'replica',
            engine: ui.engine,
            masterId: master.id,
            position: position ? { x: position.x, y: position.y + 200 } : undefined,
          }),
        );
      }
    },

    /** REPLICAOF: `replica` replicates from `master` (re-pointed if it had another). */
    async connect(replica: string, master: string) {
      const previous = lab.masterOf.get(replica);
      const done = await attempt(() => lab.request('edge.connect', { replica, master }));
      if (done && previous && previous !== master) {
        ui.toast('success', t('toasts.repointed', { replica: nameOf(replica), master: nameOf(master) }));
      }
    },

    disconnect,

    /** Removes nodes and disconnects edges (what the Delete key acts on), after one confirmation. */
    async removeSelection(nodeIds: string[], replicaIdsOfEdges: string[]) {
      const edges = replicaIdsOfEdges.filter((id) => !nodeIds.includes(id));
      if (!nodeIds.length && edges.length === 1) {
        const only = edges[0];
        if (only) await disconnect(only);
        return;
      }
      if (!nodeIds.length && !edges.length) return;
      const what = nodeIds.length === 1 && nodeIds[0] ? nameOf(nodeIds[0]) : t('dialogs.nodes', nodeIds.length);
      const message = [
        nodeIds.length ? t('dialogs.removeBody') : '',
        edges.length ? t('dialogs.removeEdges', { n: edges.length }) : '',
      ]
        .filter(Boolean)
        .join(' ');
      const ok = await ui.confirm({
        title: t('dialogs.removeTitle', { what }),
        message,
        confirmLabel: t('dialogs.removeConfirm'),
        danger: nodeIds.length > 0,
      });
      if (!ok) return;
      for (const replica of edges) await attempt(() => lab.request('edge.disconnect', { replica }));
      for (const id of nodeIds) {
        await attempt(() => lab.request('node.remove', { id }));
        if (ui.selectedNodeId === id) ui.selectedNodeId = undefined;
      }
    },

    async kill(id: string) {
      const ok = await ui.confirm({
        title: t('dialogs.killTitle', { name: nameOf(id) }),
        message: t('dialogs.killBody'),
        confirmLabel: t('dialogs.killConfirm'),
        danger: true,
      });
      if (ok) await attempt(() => lab.request('node.kill', { id }));
    },

    process: (id: string, operation: 'start' | 'stop' | 'restart' | 'freeze' | 'thaw') =>
      attempt(() => lab.request(`node.${operation}`, { id })),

    /** Positions the user dragged to; the previous ones go on the undo stack. */
    async move(moves: Array<{ id: string; position: Position }>, previous: Array<{ id: string; position: Position }>) {
      const changed = moves.filter((move) => {
        const before = previous.find((p) => p.id === move.id);
        return !before || before.position.x !== move.position.x || before.position.y !== move.position.y;
      });
      if (!changed.length) return;
      ui.pushUndo(previous.filter((p) => changed.some((move) => move.id === p.id)));
      await attempt(() => lab.request('node.move', { moves: changed }));
    },

    async layout() {
      const before = positionsOf(lab.topology.nodes.map((node) => node.id));
      const done = await attempt(() => lab.request('topology.layout', {}));
      if (done) ui.pushUndo(before);
    },

    async undo() {
      const previous = ui.popUndo();
      if (!previous) {
        ui.toast('info', t('toasts.nothingToUndo'));
        return;
      }
      const present = previous.filter((move) => lab.node(move.id));
      if (present.length) await attempt(() => lab.request('node.move', { moves: present }));
    },

    async seed() {
      await attempt(() => lab.request('topology.seed', { engine: ui.engine }));
    },

    async save() {
      const saved = await attempt(() => lab.request('topology.save', {}));
      if (saved) {
        lab.topologyFile = saved.path;
        ui.toast('success', t('toasts.saved', { path: saved.path }));
      }
    },

    async download() {
      const file = await attempt(() => lab.request('topology.toYaml', {}));
      if (file) downloadText(file.fileName, file.yaml);
    },

    async openYaml(fileName: string, yaml: string) {
      const done = await attempt(() => lab.request('topology.fromYaml', { yaml, fileName }));
      if (done) {
        ui.undoStack = [];
        ui.selectedNodeId = undefined;
        ui.toast('success', t('toasts.opened', { name: fileName }));
      }
      return !!done;
    },

    async openPath(path: string) {
      const done = await attempt(() => lab.request('topology.open', { path }));
      if (done) {
        ui.undoStack = [];
        ui.toast('success', t('toasts.opened', { name: path }));
      }
      return !!done;
    },

    async exportConfigs() {
      const result = await attempt(() => lab.request('topology.exportConfigs', {}));
      if (result) ui.toast('success', t('toasts.exported', { n: result.files.length, dir: result.dir }));
    },

    async importConfigs(dir: string) {
      const result = await attempt(() => lab.request('topology.importConfigs', { dir }));
      if (result) ui.toast('success', t('toasts.imported', { n: result.ids.length }));
      return !!result;
    },

    async attach(host: string, port: number, username?: string, password?: string) {
      const auth =
        username || password ? { username: username || undefined, password: password || undefined } : undefined;
      return !!(await attempt(() => lab.request('node.attach', { host, port, auth })));
    },

    async clear() {
      const ok = await ui.confirm({
        title: t('dialogs.clearTitle'),
        message: t('dialogs.clearBody'),
        confirmLabel: t('dialogs.removeConfirm'),
        danger: true,
      });
      if (ok) {
        await attempt(() => lab.request('topology.clear', {}));
        ui.selectedNodeId = undefined;
        ui.undoStack = [];
      }
    },
  };
}
