/**
 * redis-cli sessions, one pty each in the lab, drawn with xterm.js in the bottom panel.
 * Output arrives as events; each session's view writes it and acknowledges what it has
 * drawn (`terminal.ack`), so the lab pauses a pty whose output the window has not caught
 * up with. Output for a session whose view is not mounted yet is held here until it is.
 * Lines written by the window itself (restored scrollback, mirrored canvas commands) are
 * drawn but never acknowledged: the pty did not send them.
 */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import type { CommandLogEntry, TerminalInfo } from '@api/runtime';
import type { LabConnection } from '../api';
import { useLabStore } from './lab';

export type CliChoice = 'auto' | 'redis-cli' | 'builtin';

export interface TerminalSession extends TerminalInfo {
  exited?: { exitCode: number | null; signal: number | null };
  /** A name the user gave the tab (double-click); else node name and port. */
  label?: string;
  /** Lines typed in the broadcast box go to this session. */
  broadcast: boolean;
  /** Commands the canvas runs on this node are echoed here, marked `[ui]`. */
  mirror: boolean;
}

/** `fromPty`: the characters came from the pty, so they are acknowledged once drawn. */
type Writer = (data: string, fromPty: boolean) => void;
interface Chunk {
  data: string;
  fromPty: boolean;
}

const FONT_KEY = 'replica-lab.terminalFontSize';
const CLI_KEY = 'replica-lab.terminalCli';
export const FONT_SIZES = { min: 9, max: 24, initial: 12.5 } as const;

function storedFontSize(): number {
  try {
    const value = Number(localStorage.getItem(FONT_KEY));
    return value >= FONT_SIZES.min && value <= FONT_SIZES.max ? value : FONT_SIZES.initial;
  } catch {
    return FONT_SIZES.initial;
  }
}

function storedCli(): CliChoice {
  try {
    const value = localStorage.getItem(CLI_KEY);
    return value === 'redis-cli' || value === 'builtin' ? value : 'auto';
  } catch {
    return 'auto';
  }
}

function remember(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // storage refused (private window): the choice lasts for this session only
  }
}

/** Options of redis-cli that take a value, so the mirrored line can drop them. */
const OPTIONS_WITH_VALUE = new Set(['-h', '-p', '-a', '-n', '-u', '--user', '--pass', '--tls-cert', '--cacert']);

/** `redis-cli -p 6380 REPLICAOF 127.0.0.1 6379` → `REPLICAOF 127.0.0.1 6379`. */
export function commandOf(commandLine: string): string {
  const words = commandLine.trim().split(/\s+/).slice(1);
  let index = 0;
  while (index < words.length && words[index]!.startsWith('-')) {
    index += OPTIONS_WITH_VALUE.has(words[index]!) ? 2 : 1;
  }
  return words.slice(index).join(' ');
}

/** The dim `[ui]` line a mirrored canvas command is drawn as. */
export function mirrorLine(entry: CommandLogEntry): string {
  const result = entry.ok ? (entry.result ?? 'OK') : `(error) ${entry.result ?? 'ERR'}`;
  const firstLine = result.split('\n')[0] ?? '';
  return `\r\n\x1b[2m[ui] ${commandOf(entry.command)} → ${firstLine}\x1b[0m\r\n`;
}

export const useTerminalStore = defineStore('terminals', () => {
  const lab = useLabStore();
  const sessions = ref<TerminalSession[]>([]);
  /** Which tab of the bottom panel shows: the command log or a session. */
  const active = ref<'log' | string>('log');
  /** The session drawn beside the active one (split view), if any. */
  const split = ref<string>();
  const fontSize = ref(storedFontSize());
  const cli = ref<CliChoice>(storedCli());
  watch(fontSize, (size) => remember(FONT_KEY, String(size)));
  watch(cli, (choice) => remember(CLI_KEY, choice));

  const writers = new Map<string, Writer>();
  const pending = new Map<string, Chunk[]>();
  /** Sessions whose prompt holds typed characters since the last Enter. */
  const typing = new Set<string>();
  const unsubscribers: Array<() => void> = [];

  function deliver(sessionId: string, data: string, fromPty: boolean): void {
    const writer = writers.get(sessionId);
    if (writer) writer(data, fromPty);
    else pending.set(sessionId, [...(pending.get(sessionId) ?? []), { data, fromPty }]);
  }

  function update(sessionId: string, change: Partial<TerminalSession>): void {
    sessions.value = sessions.value.map((session) =>
      session.sessionId === sessionId ? { ...session, ...change } : session,
    );
  }

  function mirror(entry: CommandLogEntry): void {
    if (!entry.nodeId || !entry.command.startsWith('redis-cli')) return;
    for (const session of sessions.value) {
      if (session.nodeId !== entry.nodeId || !session.mirror || !session.running) continue;
      deliver(session.sessionId, mirrorLine(entry), false);
      // An empty redis-cli prompt reprints itself on Enter; a half-typed line is left alone.
      if (!typing.has(session.sessionId)) void input(session.sessionId, '\r');
    }
  }

  function attach(connection: LabConnection): void {
    for (const off of unsubscribers.splice(0)) off();
    unsubscribers.push(
      connection.on('terminal.output', ({ sessionId, data }) => deliver(sessionId, data, true)),
      connection.on('terminal.exit', ({ sessionId, exitCode, signal }) =>
        update(sessionId, { running: false, exited: { exitCode, signal } }),
      ),
      connection.on('log', (entry) => mirror(entry)),
    );
  }

  function adopt(info: TerminalInfo): TerminalSession {
    return { ...info, broadcast: true, mirror: true };
  }

  /** Sessions that outlived a reload (web host): their scrollback is drawn first. */
  async function restore(): Promise<void> {
    const reply = await lab.request('terminal.list', {}).catch(() => undefined);
    if (!reply) return;
    for (const { scrollback, ...info } of reply.sessions) {
      if (sessions.value.some((session) => session.sessionId === info.sessionId)) continue;
      sessions.value = [...sessions.value, adopt(info)];
      if (scrollback) {
        pending.set(info.sessionId, [{ data: scrollback, fromPty: false }, ...(pending.get(info.sessionId) ?? [])]);
      }
    }
    if (active.value === 'log' && sessions.value.length) active.value = sessions.value[0]!.sessionId;
  }

  /** A view mounts: it receives what arrived before it, then everything as it comes. */
  function register(sessionId: string, writer: Writer): () => void {
    writers.set(sessionId, writer);
    for (const chunk of pending.get(sessionId) ?? []) writer(chunk.data, chunk.fromPty);
    pending.delete(sessionId);
    return () => {
      if (writers.get(sessionId) === writer) writers.delete(sessionId);
    };
  }

  async function open(nodeId: string, choice: CliChoice = cli.value): Promise<void> {
    const existing = sessions.value.find(
      (session) => session.nodeId === nodeId && session.running && (choice === 'auto' || session.cli === choice),
    );
    if (existing) {
      active.value = existing.sessionId;
      return;
    }
    const info = await lab.request('terminal.open', { nodeId, cli: choice, cols: 100, rows: 12 });
    sessions.value = [...sessions.value, adopt(info)];
    active.value = info.sessionId;
  }

  /** One session per node (reusing running ones); the last one opened is shown. */
  async function openMany(nodeIds: string[]): Promise<void> {
    for (const nodeId of nodeIds) await open(nodeId);
  }

  async function close(sessionId: string): Promise<void> {
    sessions.value = sessions.value.filter((session) => session.sessionId !== sessionId);
    writers.delete(sessionId);
    pending.delete(sessionId);
    typing.delete(sessionId);
    if (split.value === sessionId) split.value = undefined;
    if (active.value === sessionId) active.value = sessions.value[sessions.value.length - 1]?.sessionId ?? 'log';
    await lab.request('terminal.close', { sessionId }).catch(() => undefined);
  }

  async function restart(sessionId: string): Promise<void> {
    const info = await lab.request('terminal.restart', { sessionId });
    const previous = sessions.value.find((session) => session.sessionId === sessionId);
    typing.delete(sessionId);
    sessions.value = sessions.value.map((session) =>
      session.sessionId === sessionId
        ? { ...info, label: previous?.label, broadcast: previous?.broadcast ?? true, mirror: previous?.mirror ?? true }
        : session,
    );
  }

  function rename(sessionId: string, label: string): void {
    update(sessionId, { label: label.trim() || undefined });
  }

  function toggleSplit(): void {
    if (split.value) {
      split.value = undefined;
      return;
    }
    split.value = sessions.value.find((session) => session.sessionId !== active.value)?.sessionId;
  }

  /** Remembers whether the prompt holds typed characters, for the mirror's prompt redraw. */
  function track(sessionId: string, data: string): void {
    const lastEnter = Math.max(data.lastIndexOf('\r'), data.lastIndexOf('\x03'));
    const tail = lastEnter >= 0 ? data.slice(lastEnter + 1) : data;
    if (lastEnter >= 0 && !tail) typing.delete(sessionId);
    else if (tail) typing.add(sessionId);
  }

  function input(sessionId: string, data: string) {
    track(sessionId, data);
    return lab.request('terminal.input', { sessionId, data }).catch(() => undefined);
  }

  /** "Send this line to every selected terminal". */
  async function broadcastLine(line: string): Promise<number> {
    const targets = sessions.value.filter((session) => session.broadcast && session.running);
    await Promise.all(targets.map((session) => input(session.sessionId, `${line}\r`)));
    return targets.length;
  }

  const resize = (sessionId: string, cols: number, rows: number) =>
    lab.request('terminal.resize', { sessionId, cols, rows }).catch(() => undefined);
  const ack = (sessionId: string, chars: number) =>
    lab.request('terminal.ack', { sessionId, chars }).catch(() => undefined);

  return {
    sessions,
    active,
    split,
    fontSize,
    cli,
    attach,
    restore,
    register,
    open,
    openMany,
    close,
    restart,
    rename,
    update,
    toggleSplit,
    input,
    broadcastLine,
    resize,
    ack,
  };
});
