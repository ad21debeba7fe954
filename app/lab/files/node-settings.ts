/**
 * A node's own settings as redis.conf lines, and the check that redis-server would
 * accept them. The lab writes a node's settings into its redis.conf, so a value the
 * server refuses (`maxmemory banana`) would only show up when the node fails to
 * start, after the lab had already been replaced by the file's topology. Checking
 * with the engine's own config loader (a transcription of Redis 7.0's config table
 * and of loadServerConfigFromString) refuses it while the file is being opened.
 */
import type { EngineKind, TopologyNode } from '../../api/topology.js';
import { ConfigError, ConfigLineError, ServerConfig } from '../../engine/config/index.js';
import { loadConfigText } from '../../engine/config/loader.js';
import { checkSettings, settingLine } from '../workspace.js';

export { settingLine };

export interface SettingProblem {
  /** The setting's name as the topology has it. */
  name: string;
  /** A sentence saying what is wrong and why. */
  message: string;
}

/**
 * The first of a node's settings the lab cannot use: a directive the lab writes itself,
 * or a line redis-server would refuse at start-up. valkey-server knows directives Redis
 * does not, and remote nodes are not configured by the lab: only the first check applies
 * to them.
 */
export function checkNodeSettings(node: Pick<TopologyNode, 'engine' | 'settings'>): SettingProblem | undefined {
  const names = Object.keys(node.settings);
  for (const name of names) {
    const managed = checkSettings({ [name]: node.settings[name]! });
    if (managed) return { name, message: managed };
  }
  if (!CHECKED_ENGINES.has(node.engine)) return undefined;
  // redis-server loads modules; the built-in engine does not, and says so below.
  const lines = names.filter((name) => !(node.engine === 'redis-server' && name === 'loadmodule'));
  if (node.engine === 'builtin' && lines.includes('loadmodule')) {
    return { name: 'loadmodule', message: 'The built-in engine does not load Redis modules (use redis-server).' };
  }
  const text = lines.map((name) => settingLine(name, node.settings[name]!)).join('\n');
  try {
    loadConfigText(new ServerConfig(), text);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (err instanceof ConfigLineError) {
      const name = lines[err.line - 1] ?? lines[0]!;
      return { name, message: `redis-server would refuse "${oneLine(err.lineText)}": ${sentence(err.reason)}` };
    }
    return { name: lines[0]!, message: sentence(err.message.trim().split('\n').pop() ?? err.message) };
  }
  return undefined;
}

const CHECKED_ENGINES: ReadonlySet<EngineKind> = new Set(['builtin', 'redis-server']);

function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, ' ');
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
