/**
 * Who a pid is: its start time (so a recycled pid is never mistaken for the
 * process we started) and its command line. Read from /proc on Linux, from
 * `ps` elsewhere (macOS); where neither answers, "unknown", and callers refuse
 * to act on a pid they cannot identify.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const hasProc = process.platform === 'linux';

/**
 * An opaque token that changes when the pid is reused: /proc's start time in
 * clock ticks since boot on Linux, `ps -o lstart` elsewhere. Undefined when the
 * process is gone or the system cannot tell.
 */
export function processStartTime(pid: number): string | undefined {
  if (hasProc) {
    const fields = statFields(pid);
    // Field 22 of /proc/<pid>/stat; `fields` starts at field 3.
    return fields?.[19];
  }
  return ps(pid, 'lstart=');
}

/** The command line, arguments joined by spaces; undefined when gone or unknown. */
export function processCommandLine(pid: number): string | undefined {
  if (hasProc) {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0+$/, '').replace(/\0/g, ' ');
    } catch {
      return undefined;
    }
  }
  return ps(pid, 'command=');
}

/** True while a process with this pid runs (or is stopped); an exited process awaiting its reaper (zombie) is not. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return processStateLetter(pid) !== 'Z';
}

/** The process state (R, S, T, Z, ...); undefined when gone or unknown. */
export function processStateLetter(pid: number): string | undefined {
  if (hasProc) return statFields(pid)?.[0];
  return ps(pid, 'stat=')?.charAt(0);
}

/** /proc/<pid>/stat from field 3 on: the command name (field 2) is in parentheses and may hold spaces. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function ps(pid: number, format: string): string | undefined {
  try {
    const out = execFileSync('ps', ['-p', String(pid), '-o', format], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const value = out.trim();
    return value === '' ? undefined : value;
  } catch {
    return undefined;
  }
}
