/**
 * The process title, as redisSetProcTitle() sets it: `proc-title-template`
 * ("{title} {listen-addr} {server-mode}") expanded, so `ps` shows
 * `replica-lab-server 127.0.0.1:6379` where Redis shows `redis-server 127.0.0.1:6379`.
 */
import type { ServerConfig } from './config/index.js';

const TITLE = 'replica-lab-server';

export function expandProcTitle(template: string, config: ServerConfig, port: number): string {
  const firstBind =
    config
      .str('bind')
      .split(/\s+/)
      .find((b) => b !== '') ?? '*';
  const variables: Record<string, string> = {
    title: TITLE,
    'listen-addr': `${firstBind}:${port}`,
    'server-mode': '',
    'config-file': config.configFile ?? '-',
    port: String(port),
    'tls-port': '0',
    unixsocket: config.str('unixsocket'),
  };
  const expanded = template.replace(/\{([a-z-]+)\}/g, (whole, name: string) => variables[name] ?? whole);
  return expanded.trim();
}

/** Applies the title when `set-proc-title` is on, and again whenever the template changes. */
export function installProcTitle(config: ServerConfig, port: () => number): void {
  if (!config.bool('set-proc-title')) return;
  const apply = () => {
    process.title = expandProcTitle(config.str('proc-title-template'), config, port());
  };
  apply();
  config.onChange('proc-title-template', apply);
  config.onChange('port', apply);
}
