/** --stat: a line of server figures per interval, as redis-cli's statMode() prints them. */
import { writeErr, writeOut } from './output.js';
import { reconnectingCommand } from './modes.js';
import type { CliSession } from './session.js';
import { sleep } from './session.js';

/** getLongInfoField: the number after "field:" (up to "\r" or ","), or undefined. */
export function infoField(info: string, field: string): number | undefined {
  const at = info.indexOf(field);
  if (at === -1) return undefined;
  const rest = info.slice(at + field.length + 1);
  const match = /^[ \t]*([+-]?\d+)/.exec(rest);
  return match ? Number(match[1]) : 0;
}

/** bytesToHuman. */
export function bytesToHuman(n: number): string {
  const sign = n < 0 ? '-' : '';
  n = Math.abs(n);
  if (n < 1024) return `${sign}${n}B`;
  if (n < 1024 ** 2) return `${sign}${(n / 1024).toFixed(2)}K`;
  if (n < 1024 ** 3) return `${sign}${(n / 1024 ** 2).toFixed(2)}M`;
  return `${sign}${(n / 1024 ** 3).toFixed(2)}G`;
}

const HEADER =
  '------- data ------ --------------------- load -------------------- - child -\n' +
  'keys       mem      clients blocked requests            connections          \n';

export function statLine(info: string, previousRequests: number): { line: string; requests: number } {
  let keys = 0;
  for (let db = 0; db < 20; db++) keys += infoField(info, `db${db}:keys`) ?? 0;
  const num = (field: string) => infoField(info, field) ?? Number.MIN_SAFE_INTEGER;
  const requests = num('total_commands_processed');
  let line = String(keys).padEnd(11);
  line += bytesToHuman(num('used_memory')).padEnd(8);
  line += ' ' + String(num('connected_clients')).padEnd(8);
  line += String(num('blocked_clients')).padEnd(8);
  line += `${requests} (+${previousRequests === 0 ? 0 : requests - previousRequests})`.padEnd(19);
  line += ' ' + String(num('total_connections_received')).padEnd(12);
  const children = num('bgsave_in_progress') | (num('aof_rewrite_in_progress') << 1) | (num('loading') << 2);
  line += ['', 'SAVE', 'AOF', 'SAVE+AOF', 'LOAD'][children] ?? '';
  return { line: line + '\n', requests };
}

export async function statMode(session: CliSession): Promise<never> {
  const intervalMs = session.config.intervalMicros ? session.config.intervalMicros / 1000 : 1000;
  let requests = 0;
  for (let i = 0; ; i++) {
    const reply = await reconnectingCommand(session, ['INFO']);
    if (reply.type === 'error') {
      writeErr(`ERROR: ${reply.value}\n`);
      process.exit(1);
    }
    const info = reply.type === 'bulk' || reply.type === 'verbatim' ? reply.value : '';
    if (i % 20 === 0) writeOut(HEADER);
    const stat = statLine(info, requests);
    requests = stat.requests;
    writeOut(stat.line);
    await sleep(intervalMs);
  }
}
