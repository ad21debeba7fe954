/** Every configuration parameter of Redis 7.0 (bootstrap subset; being completed). */
export interface ParamDef {
  name: string;
  aliases?: string[];
  default: string;
}

export const PARAMS: ParamDef[] = [
  { name: 'port', default: '6379' },
  { name: 'bind', default: '127.0.0.1 -::1' },
  { name: 'protected-mode', default: 'yes' },
  { name: 'requirepass', default: '' },
  { name: 'pidfile', default: '' },
  { name: 'logfile', default: '' },
  { name: 'loglevel', default: 'notice' },
  { name: 'dir', default: '' },
  { name: 'dbfilename', default: 'dump.rdb' },
  { name: 'databases', default: '16' },
  { name: 'maxclients', default: '10000' },
  { name: 'timeout', default: '0' },
  { name: 'hz', default: '10' },
  { name: 'daemonize', default: 'no' },
  { name: 'proto-max-bulk-len', default: '536870912' },
  { name: 'enable-debug-command', default: 'no' },
  { name: 'notify-keyspace-events', default: '' },
  { name: 'slowlog-log-slower-than', default: '10000' },
  { name: 'slowlog-max-len', default: '128' },
  { name: 'maxmemory', default: '0' },
  { name: 'tcp-backlog', default: '511' },
  { name: 'replica-read-only', aliases: ['slave-read-only'], default: 'yes' },
  { name: 'replicaof', aliases: ['slaveof'], default: '' },
  { name: 'client-output-buffer-limit', default: 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60' },
];
