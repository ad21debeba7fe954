/**
 * redis-cli sessions, one pty each in the lab, drawn with xterm.js in the bottom panel.
 * Output arrives as events; each session's view writes it and acknowledges what it has
 * drawn (`terminal.ack`), so the lab pauses a pty whose output the window has not caught
 * up with. Output for a session whose view is not mounted yet is held here until it is.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { TerminalInfo } from '@api/runtime';
import type { LabConnection } from '../api';
import { useLabStore } from './lab';

export interface TerminalSession extends TerminalInfo {
  exited?: { exitCode: number | null; signal: number | null };
}

type Writer = (data: string) => void;

export const useTerminalStore = defineStore('terminals', () => {
  const lab = useLabStore();
  const sessions = ref<TerminalSession[]>([]);
  /** Which tab of the bottom panel shows: the command log or a session. */
  const active = ref<'log' | string>('log');
  const writers = new Map<string, Writer>();
  const pending = new Map<string, string[]>();
  const unsubscribers: Array<() => void> = [];

  function deliver(sessionId: string, data: string): void {
    const writer = writers.get(sessionId);
    if (writer) writer(data);
    else pending.set(sessionId, [...(pending.get(sessionId) ?? []), data]);
  }

  function attach(connection: LabConnection): void {
    for (const off of unsubscribers.splice(0)) off();
    unsubscribers.push(
      connection.on('terminal.output', ({ sessionId, data }) => deliver(sessionId, data)),
      connection.on('terminal.exit', ({ sessionId, exitCode, signal }) => {
        sessions.value = sessions.value.map((session) =>
          session.sessionId === sessionId ? { ...session, running: false, exited: { exitCode, signal } } : session,
        );
      }),
    );
  }

  /** Sessions that outlived a reload (web host): their scrollback is drawn first. */
  async function restore(): Promise<void> {
    const reply = await lab.request('terminal.list', {}).catch(() => undefined);
    if (!reply) return;
    for (const { scrollback, ...info } of reply.sessions) {
      if (sessions.value.some((session) => session.sessionId === info.sessionId)) continue;
      sessions.value = [...sessions.value, info];
      if (scrollback) pending.set(info.sessionId, [scrollback, ...(pending.get(info.sessionId) ?? [])]);
    }
  }

  /** A view mounts: it receives what arrived before it, then everything as it comes. */
  function register(sessionId: string, writer: Writer): () => void {
    writers.set(sessionId, writer);
    for (const data of pending.get(sessionId) ?? []) writer(data);
    pending.delete(sessionId);
    return () => {
      if (writers.get(sessionId) === writer) writers.delete(sessionId);
    };
  }

  async function open(nodeId: string): Promise<void> {
    const existing = sessions.value.find((session) => session.nodeId === nodeId && session.running);
    if (existing) {
      active.value = existing.sessionId;
      return;
    }
    const info = await lab.request('terminal.open', { nodeId, cols: 100, rows: 12 });
    sessions.value = [...sessions.value, info];
    active.value = info.sessionId;
  }

  async function close(sessionId: string): Promise<void> {
    sessions.value = sessions.value.filter((session) => session.sessionId !== sessionId);
    writers.delete(sessionId);
    pending.delete(sessionId);
    if (active.value === sessionId) active.value = sessions.value[sessions.value.length - 1]?.sessionId ?? 'log';
    await lab.request('terminal.close', { sessionId }).catch(() => undefined);
  }

  async function restart(sessionId: string): Promise<void> {
    const info = await lab.request('terminal.restart', { sessionId });
    sessions.value = sessions.value.map((session) => (session.sessionId === sessionId ? info : session));
  }

  const input = (sessionId: string, data: string) =>
    lab.request('terminal.input', { sessionId, data }).catch(() => undefined);
  const resize = (sessionId: string, cols: number, rows: number) =>
    lab.request('terminal.resize', { sessionId, cols, rows }).catch(() => undefined);
  const ack = (sessionId: string, chars: number) =>
    lab.request('terminal.ack', { sessionId, chars }).catch(() => undefined);

  return { sessions, active, attach, restore, register, open, close, restart, input, resize, ack };
});
