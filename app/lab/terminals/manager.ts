/**
 * Terminal sessions: a redis-cli in a real pty per request, bound to one node.
 * Debian's redis-cli where it is installed, else Replica Lab's own CLI run by the
 * host's Node. Output is batched into events and flow-controlled the way VS Code and
 * Tabby do it: the renderer acknowledges what it has drawn, and while too much is
 * unacknowledged the pty is paused, so the program writing to it blocks instead of
 * the host buffering without bound.
 */
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import * as pty from 'node-pty';
import type { TerminalInfo } from '../../api/runtime';
import { findOnPath } from '../engines';
import type { NodeAddress } from '../node-connection';
import { Scrollback } from './scrollback';

export interface CliHost {
  /** `process.execPath` (in Electron with ELECTRON_RUN_AS_NODE=1 in `env`). */
  nodeExecutable: string;
  /** The bundled built-in CLI (`out/main/cli.js`). */
  cliEntry: string;
  env?: Record<string, string>;
}

export interface TerminalManagerOptions {
  cliHost: CliHost;
  /** Where redis-cli runs (its history file lands in HOME, not here). */
  cwd?: string;
  /** Characters sent and not acknowledged above which the pty is paused. */
  highWatermark?: number;
  /** ... and below which it resumes. */
  lowWatermark?: number;
  /** Output is gathered for at most this long, or this many characters, per event. */
  batchMs?: number;
  batchChars?: number;
  scrollbackChars?: number;
  /** Where to look for redis-cli (default: PATH). */
  searchPath?: string;
}

export interface TerminalManagerEvents {
  output: [event: { sessionId: string; data: string }];
  exit: [event: { sessionId: string; exitCode: number | null; signal: number | null }];
}

export type CliChoice = 'auto' | 'redis-cli' | 'builtin';

interface Session {
  info: TerminalInfo;
  node: NodeAddress & { id: string };
  command: { file: string; args: string[]; env: Record<string, string> };
  process?: pty.IPty;
  scrollback: Scrollback;
  /** Output gathered for the next event. */
  pending: string;
  timer?: NodeJS.Timeout;
  /** Characters emitted and not yet acknowledged by the renderer. */
  unacknowledged: number;
  paused: boolean;
  /** How many times flow control paused the pty (for benchmarks and tests). */
  pauses: number;
  /** While paused: polls whether the CLI has exited (see EXIT_WATCH_MS). */
  exitWatch?: NodeJS.Timeout;
  /** The CLI has exited: what is left in the pty is read without pausing again. */
  exited: boolean;
}

/** What flow control is holding for a session, to check it stays bounded. */
export interface FlowState {
  /** Characters read from the pty and not yet emitted (waiting for the batch timer). */
  pending: number;
  /** Characters emitted and not yet acknowledged. */
  unacknowledged: number;
  paused: boolean;
  pauses: number;
}

/**
 * VS Code pauses at 100,000 unacknowledged characters and resumes below 5,000. Through the
 * web host into xterm.js that window is one round trip's worth, and the stream ran at half
 * the speed of 500,000 / 125,000 (bench/terminal.mjs: 9 against 16 MB/s), with the same
 * frame gaps and host memory; xterm draws 500,000 characters in 10 to 30 ms.
 */
const DEFAULTS = {
  highWatermark: 500_000,
  lowWatermark: 125_000,
  batchMs: 5,
  batchChars: 64 * 1024,
  scrollbackChars: 256 * 1024,
};

/**
 * node-pty destroys a pty's socket 200 ms after its process exits; output still in the
 * kernel's buffer is lost if the socket is paused then. A paused session checks this
 * often whether its process is gone, and resumes to read the (bounded) rest.
 */
const EXIT_WATCH_MS = 25;

export class TerminalManager extends EventEmitter<TerminalManagerEvents> {
  private readonly sessions = new Map<string, Session>();
  private readonly settings: typeof DEFAULTS;
  private redisCli: { path: string; description: string } | null | undefined;

  constructor(private readonly options: TerminalManagerOptions) {
    super();
    this.settings = {
      highWatermark: options.highWatermark ?? DEFAULTS.highWatermark,
      lowWatermark: options.lowWatermark ?? DEFAULTS.lowWatermark,
      batchMs: options.batchMs ?? DEFAULTS.batchMs,
      batchChars: options.batchChars ?? DEFAULTS.batchChars,
      scrollbackChars: options.scrollbackChars ?? DEFAULTS.scrollbackChars,
    };
  }

  /** Debian's redis-cli, with its version, or null when it is not installed. */
  findRedisCli(): { path: string; description: string } | null {
    if (this.redisCli !== undefined) return this.redisCli;
    const path = findOnPath('redis-cli', this.options.searchPath ?? process.env['PATH'] ?? '');
    if (!path) return (this.redisCli = null);
    let version = '';
    try {
      version =
        /redis-cli (\S+)/.exec(execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 5000 }))?.[1] ?? '';
    } catch {
      version = '';
    }
    return (this.redisCli = { path, description: `redis-cli ${version} (${path})`.replace('  ', ' ') });
  }

  open(node: NodeAddress & { id: string }, options: { cli: CliChoice; cols: number; rows: number }): TerminalInfo {
    const redisCli = options.cli === 'builtin' ? null : this.findRedisCli();
    if (options.cli === 'redis-cli' && !redisCli) {
      throw new Error(
        'redis-cli is not installed on this machine (apt-get install redis-tools); use the built-in CLI.',
      );
    }
    const cli = redisCli ? 'redis-cli' : 'builtin';
    const connectArgs = ['-h', node.host, '-p', String(node.port)];
    if (node.username) connectArgs.push('--user', node.username);
    // The password goes in the environment, not on the command line, where ps would show it.
    const env: Record<string, string> = node.password !== undefined ? { REDISCLI_AUTH: node.password } : {};
    const command = redisCli
      ? { file: redisCli.path, args: connectArgs, env }
      : {
          file: this.options.cliHost.nodeExecutable,
          args: [this.options.cliHost.cliEntry, ...connectArgs],
          env: { ...this.options.cliHost.env, ...env },
        };
    const sessionId = `t-${randomBytes(6).toString('hex')}`;
    const shown = ['redis-cli', ...connectArgs].join(' ');
    const session: Session = {
      info: {
        sessionId,
        nodeId: node.id,
        cli,
        cliDescription: redisCli ? redisCli.description : 'replica-lab-cli (built-in)',
        commandLine: redisCli ? shown : shown.replace(/^redis-cli/, 'replica-lab-cli'),
        title: `${node.host}:${node.port}`,
        cols: options.cols,
        rows: options.rows,
        running: false,
      },
      node,
      command,
      scrollback: new Scrollback(this.settings.scrollbackChars),
      pending: '',
      unacknowledged: 0,
      paused: false,
      pauses: 0,
      exited: false,
    };
    this.sessions.set(sessionId, session);
    this.spawn(session);
    return { ...session.info };
  }

  input(sessionId: string, data: string): void {
    this.session(sessionId).process?.write(data);
  }

  resize(sessionId: string, cols: number, rows: number): void {
    const session = this.session(sessionId);
    session.info.cols = cols;
    session.info.rows = rows;
    try {
      session.process?.resize(cols, rows);
    } catch {
      // the pty may have exited between the renderer's resize and ours: nothing to resize
    }
  }

  /** The renderer has drawn `chars` more characters: resume below the low watermark. */
  ack(sessionId: string, chars: number): void {
    const session = this.sessions.get(sessionId);
    if (!session) return; // an ack racing a close is harmless
    session.unacknowledged = Math.max(0, session.unacknowledged - chars);
    if (session.paused && session.unacknowledged < this.settings.lowWatermark) this.resume(session);
  }

  /** Runs the session's CLI again, keeping its scrollback (after the node restarted, or the CLI exited). */
  restart(sessionId: string): TerminalInfo {
    const session = this.session(sessionId);
    this.killProcess(session);
    this.push(session, '\r\n\x1b[2m--- restarted ---\x1b[0m\r\n');
    this.spawn(session);
    return { ...session.info };
  }

  close(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    this.sessions.delete(sessionId);
    clearTimeout(session.timer);
    clearInterval(session.exitWatch);
    this.killProcess(session);
  }

  /** Closes every session bound to a node (the node was removed). */
  closeForNode(nodeId: string): void {
    for (const session of [...this.sessions.values()])
      if (session.node.id === nodeId) this.close(session.info.sessionId);
  }

  /**
   * The sessions with their scrollback, for a renderer that (re)attaches: it draws the
   * scrollback, then every `output` event that arrives after this answer. Output still
   * being batched is emitted first, so it is in the scrollback and in no later event.
   * Whatever was sent to a renderer that went away will never be acknowledged, so
   * flow control starts afresh: a session paused for a closed page resumes.
   */
  list(): Array<TerminalInfo & { scrollback: string }> {
    return [...this.sessions.values()].map((session) => {
      this.flush(session);
      session.unacknowledged = 0;
      if (session.paused) this.resume(session);
      return { ...session.info, scrollback: session.scrollback.text() };
    });
  }

  flowState(sessionId: string): FlowState {
    const { pending, unacknowledged, paused, pauses } = this.session(sessionId);
    return { pending: pending.length, unacknowledged, paused, pauses };
  }

  dispose(): void {
    for (const id of [...this.sessions.keys()]) this.close(id);
  }

  private session(sessionId: string): Session {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`There is no terminal session "${sessionId}" (it was closed).`);
    return session;
  }

  private spawn(session: Session): void {
    const child = pty.spawn(session.command.file, session.command.args, {
      name: 'xterm-256color',
      cols: session.info.cols,
      rows: session.info.rows,
      cwd: this.options.cwd ?? homedir(),
      env: { ...(process.env as Record<string, string>), ...session.command.env, TERM: 'xterm-256color' },
    });
    session.process = child;
    session.info.running = true;
    session.unacknowledged = 0;
    session.paused = false;
    session.exited = false;
    clearInterval(session.exitWatch);
    child.onData((data) => {
      if (session.process === child) this.push(session, data);
    });
    child.onExit(({ exitCode, signal }) => {
      if (session.process !== child) return; // a restarted session's old process
      session.process = undefined;
      session.info.running = false;
      this.flush(session);
      if (this.sessions.has(session.info.sessionId)) {
        this.emit('exit', { sessionId: session.info.sessionId, exitCode, signal: signal ?? null });
      }
    });
  }

  private killProcess(session: Session): void {
    const child = session.process;
    if (session.paused) this.resume(session);
    session.process = undefined;
    session.info.running = false;
    if (!child) return;
    try {
      child.kill();
    } catch {
      // already gone
    }
  }

  private push(session: Session, data: string): void {
    session.pending += data;
    session.unacknowledged += data.length;
    const overHigh = session.unacknowledged > this.settings.highWatermark;
    if (overHigh && !session.paused && !session.exited && session.process) {
      this.pause(session, session.process);
    }
    if (session.pending.length >= this.settings.batchChars) this.flush(session);
    else session.timer ??= setTimeout(() => this.flush(session), this.settings.batchMs);
  }

  private pause(session: Session, child: pty.IPty): void {
    session.paused = true;
    session.pauses++;
    child.pause();
    session.exitWatch = setInterval(() => {
      if (isAlive(child.pid)) return;
      session.exited = true;
      this.resume(session);
    }, EXIT_WATCH_MS);
  }

  private resume(session: Session): void {
    session.paused = false;
    clearInterval(session.exitWatch);
    session.exitWatch = undefined;
    session.process?.resume();
  }

  private flush(session: Session): void {
    clearTimeout(session.timer);
    session.timer = undefined;
    if (!session.pending) return;
    const data = session.pending;
    session.pending = '';
    session.scrollback.append(data);
    if (this.sessions.has(session.info.sessionId)) this.emit('output', { sessionId: session.info.sessionId, data });
  }
}

/** Whether a process exists (node-pty reaps its children, so an exited one is gone). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
