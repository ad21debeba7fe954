/**
 * Entry point of the built-in engine (bin `replica-lab-server`). Accepts the same
 * command line as redis-server: an optional config file, then `--name value`
 * overrides, so `replica-lab-server ./config/redis_6379.conf --port 6390` works.
 */
import { ConfigError, ServerConfig } from './config/index.js';
import { REDIS_VERSION, Server, ServerExit } from './server.js';
import { startEngine } from './startup.js';
import { installProcTitle } from './proc-title.js';

function usage(): void {
  process.stderr.write(
    'Usage: replica-lab-server [/path/to/redis.conf] [options] [-]\n' +
      '       replica-lab-server -v or --version\n' +
      '       replica-lab-server -h or --help\n\n' +
      'Examples:\n' +
      '       replica-lab-server (run the server with default conf)\n' +
      '       replica-lab-server /etc/redis/6379.conf\n' +
      '       replica-lab-server --port 7777\n' +
      '       replica-lab-server --port 7777 --replicaof 127.0.0.1 8888\n' +
      '       replica-lab-server /etc/myredis.conf --loglevel verbose\n',
  );
}

/**
 * Started by the lab (REPLICA_LAB_PARENT_WATCH=1) with stdin a pipe from the lab:
 * EOF means the lab's process is gone, even by kill -9, so no node outlives it.
 */
function watchParent(server: () => Server | undefined): void {
  if (process.env['REPLICA_LAB_PARENT_WATCH'] !== '1') return;
  let noticed = false;
  const parentGone = () => {
    if (noticed) return;
    noticed = true;
    const running = server();
    if (!running) process.exit(1);
    running.log.warning('The lab that started this server has exited: shutting down.');
    if (!running.shutdown()) process.exit(1);
    // SHUTDOWN may wait for lagging replicas; the lab is gone, so do not wait long.
    setTimeout(() => process.exit(1), 3000).unref();
  };
  process.stdin.on('end', parentGone);
  process.stdin.on('error', parentGone);
  process.stdin.resume();
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '-v' || argv[0] === '--version') {
    process.stdout.write(`Redis server v=${REDIS_VERSION} sha=00000000:0 malloc=libc bits=64 build=replica-lab\n`);
    return 0;
  }
  if (argv[0] === '-h' || argv[0] === '--help') {
    usage();
    return 0;
  }
  let config: ServerConfig;
  try {
    config = ServerConfig.fromArgs(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message.endsWith('\n') ? err.message : err.message + '\n');
      return 1;
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'EACCES') {
      process.stderr.write(`Fatal error, can't open config file '${e.path ?? argv[0]}': ${e.message}\n`);
      return 1;
    }
    throw err;
  }
  let started: Server | undefined;
  watchParent(() => started);
  try {
    const server: Server = await startEngine(config, argv);
    started = server;
    server.onExit = (code) => process.exit(code);
    installProcTitle(config, () => server.boundPort());
    return -1; // keep running
  } catch (err) {
    if (err instanceof ServerExit) return err.code;
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
