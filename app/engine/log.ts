/**
 * Log lines in Redis's format: `pid:R dd Mon yyyy HH:MM:SS.mmm L message`, where R is
 * the role (M master, S replica, C before the role is known / child) and L the level
 * mark (. debug, - verbose, * notice, # warning), as serverLogRaw() writes them.
 */
import { appendFileSync } from 'node:fs';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning';
const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3 };
const LEVEL_MARK: Record<LogLevel, string> = { debug: '.', verbose: '-', notice: '*', warning: '#' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export type RoleMark = 'M' | 'S' | 'C' | 'X';

export class Logger {
  level: LogLevel = 'notice';
  /** '' means standard output, as in redis.conf. */
  file = '';
  role: RoleMark = 'C';

  log(level: LogLevel, message: string): void {
    if (LEVEL_RANK[level] < LEVEL_RANK[this.level]) return;
    const line = `${process.pid}:${this.role} ${formatLogTime(new Date())} ${LEVEL_MARK[level]} ${message}\n`;
    if (this.file === '') {
      process.stdout.write(line);
    } else {
      try {
        appendFileSync(this.file, line);
      } catch {
        // Redis silently drops a log line it cannot write; so do we.
      }
    }
  }

  /** serverLogRaw(level | LL_RAW): the text as is, without the line prefix (the ASCII logo). */
  raw(level: LogLevel, text: string): void {
    if (LEVEL_RANK[level] < LEVEL_RANK[this.level]) return;
    if (this.file === '') {
      process.stdout.write(text);
    } else {
      try {
        appendFileSync(this.file, text);
      } catch {
        // Dropped, as log lines are.
      }
    }
  }

  debug(m: string): void {
    this.log('debug', m);
  }
  verbose(m: string): void {
    this.log('verbose', m);
  }
  notice(m: string): void {
    this.log('notice', m);
  }
  warning(m: string): void {
    this.log('warning', m);
  }
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

export function formatLogTime(d: Date): string {
  return (
    `${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
}
