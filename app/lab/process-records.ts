/**
 * The node processes a lab started, recorded in `<workspace>/lab-processes.json`
 * so that the next supervisor on that workspace can end the ones a killed lab
 * left behind (redis-server has no way to notice its parent died; a frozen
 * built-in node cannot notice either). A record is only acted on when the pid
 * still names the same process: same start time, and a command line that is
 * still a server's.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isProcessAlive, processCommandLine, processStartTime } from './process-identity.js';
import type { EngineKind } from './types.js';

export interface ProcessRecord {
  id: string;
  pid: number;
  port: number;
  engine: EngineKind;
  executable: string;
  confPath: string;
  /** Epoch milliseconds. */
  startedAt: number;
  /** The node process's start time (processStartTime()), when known. */
  procStartTime?: string;
  /** The lab process that started it, and its start time. */
  ownerPid: number;
  ownerStartTime?: string;
}

export interface ReapedProcess {
  record: ProcessRecord;
  /** The signal that finally ended it. */
  signal: 'SIGTERM' | 'SIGKILL';
}

const FILE_NAME = 'lab-processes.json';
const FILE_VERSION = 1;

export class ProcessRecords {
  readonly path: string;
  private records: ProcessRecord[];

  constructor(workspace: string) {
    this.path = join(workspace, FILE_NAME);
    this.records = readRecords(this.path);
  }

  list(): readonly ProcessRecord[] {
    return this.records;
  }

  add(record: ProcessRecord): void {
    this.records = [...this.records.filter((r) => r.pid !== record.pid), record];
    this.save();
  }

  delete(pid: number): void {
    const kept = this.records.filter((r) => r.pid !== pid);
    if (kept.length === this.records.length) return;
    this.records = kept;
    this.save();
  }

  /**
   * Ends every recorded process whose lab is gone and that is still the process
   * recorded (SIGCONT, SIGTERM, then SIGKILL after `graceMs`), and forgets it.
   * Records of a lab that is still running are kept.
   */
  async reapOrphans(graceMs = 2000): Promise<ReapedProcess[]> {
    const reaped: ReapedProcess[] = [];
    const kept: ProcessRecord[] = [];
    const orphans: ProcessRecord[] = [];
    for (const record of this.records) {
      if (record.ownerPid !== process.pid && isSameProcess(record.ownerPid, record.ownerStartTime)) kept.push(record);
      else if (isRecordedNode(record)) orphans.push(record);
    }
    await Promise.all(
      orphans.map(async (record) => {
        reaped.push({ record, signal: await endProcess(record.pid, graceMs) });
      }),
    );
    this.records = kept;
    this.save();
    return reaped;
  }

  private save(): void {
    // Written whole and renamed, so a lab killed mid-write never leaves half a file.
    const temporary = `${this.path}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, JSON.stringify({ version: FILE_VERSION, processes: this.records }, null, 2) + '\n');
      renameSync(temporary, this.path);
    } catch {
      // The workspace is gone or read-only: the records only serve reaping, which then cannot happen,
      // and a failed write must not take the lab (this runs from process exit handlers) down with it.
    }
  }
}

function readRecords(path: string): ProcessRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  try {
    const parsed = JSON.parse(text) as { version?: unknown; processes?: unknown };
    if (parsed.version !== FILE_VERSION || !Array.isArray(parsed.processes)) return [];
    return (parsed.processes as ProcessRecord[]).filter((r) => Number.isInteger(r.pid) && r.pid > 0);
  } catch {
    return [];
  }
}

function isSameProcess(pid: number, startTime: string | undefined): boolean {
  if (!isProcessAlive(pid)) return false;
  return startTime === undefined || processStartTime(pid) === startTime;
}

/** The pid still runs the server we recorded (start time and command line agree). */
function isRecordedNode(record: ProcessRecord): boolean {
  if (!isSameProcess(record.pid, record.procStartTime)) return false;
  const commandLine = processCommandLine(record.pid);
  // A pid we cannot identify is never killed: it may be anyone's by now.
  if (commandLine === undefined) return false;
  // redis-server and the built-in engine rewrite their title to `<name> 127.0.0.1:<port>`.
  return (
    commandLine.includes(basename(record.executable)) ||
    commandLine.includes(`:${record.port}`) ||
    commandLine.includes(record.confPath)
  );
}

async function endProcess(pid: number, graceMs: number): Promise<'SIGTERM' | 'SIGKILL'> {
  signal(pid, 'SIGCONT');
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return 'SIGTERM';
    await new Promise((r) => setTimeout(r, 50));
  }
  signal(pid, 'SIGKILL');
  // SIGKILL cannot be refused; the bound only guards against a process stuck in the kernel.
  const killDeadline = Date.now() + 5000;
  while (isProcessAlive(pid) && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 20));
  return 'SIGKILL';
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}
