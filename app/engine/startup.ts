/**
 * Server start-up, shared by the process entry (main.ts) and in-process tests:
 * the log lines Redis prints, chdir to `dir`, listen, pid file, signals.
 */
import type { ServerConfig } from './config/index.js';
import { REDIS_VERSION, Server, ServerExit } from './server.js';

export interface StartOptions {
  /** Install SIGTERM/SIGINT handlers (only for a real process). */
  handleSignals?: boolean;
}

export async function startEngine(
  config: ServerConfig,
  argv: readonly string[] = [],
  options: StartOptions = { handleSignals: true },
): Promise<Server> {
  const dir = config.str('dir');
  if (dir !== '') {
    try {
      process.chdir(dir);
    } catch (err) {
      process.stderr.write(`Can't chdir to '${dir}': ${(err as Error).message}\n`);
      throw err;
    }
  }
  const server = new Server(config);
  const log = server.log;
  log.warning('oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo');
  log.warning(`Redis version=${REDIS_VERSION}, bits=64, commit=00000000, modified=0, pid=${process.pid}, just started`);
  // Like Redis: any argument (a file or --options) counts as a configuration.
  if (argv.length > 0) {
    log.warning('Configuration loaded');
    for (const warning of config.startupWarnings) log.warning(warning);
  } else {
    log.warning(
      'Warning: no config file specified, using the default config. In order to specify a config file use ' +
        'replica-lab-server /path/to/redis.conf',
    );
  }
  log.role = server.masterHost !== undefined ? 'S' : 'M';
  log.notice('monotonic clock: POSIX clock_gettime');
  await server.listen();
  // redisAsciiArt(): the logo when forced by always-show-logo or logging to a terminal.
  const showLogo =
    config.bool('always-show-logo') ||
    (!config.bool('syslog-enabled') && config.str('logfile') === '' && process.stdout.isTTY === true);
  if (showLogo) log.raw('notice', asciiLogo(server.boundPort()));
  else log.notice(`Running mode=standalone, port=${server.boundPort()}.`);
  server.writePidFile();
  log.warning('Server initialized');
  // loadDataFromDisk(): before the first event-loop turn, so no client is served a partial data set.
  if (!server.persistence.loadAtStartup()) {
    await server.close();
    throw new ServerExit(1);
  }
  server.startCron();
  log.notice('Ready to accept connections');
  if (options.handleSignals) {
    const onSignal = (name: string) => {
      log.warning(`Received ${name} scheduling shutdown...`);
      server.shutdown();
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  }
  return server;
}

/** asciilogo.h, filled in as redisAsciiArt() does. */
function asciiLogo(port: number): string {
  return [
    '                _._                                                  ',
    "           _.-``__ ''-._                                             ",
    `      _.-\`\`    \`.  \`_.  ''-._           Redis ${REDIS_VERSION} (00000000/0) 64 bit`,
    "  .-`` .-```.  ```\\/    _.,_ ''-._                                  ",
    " (    '      ,       .-`  | `,    )     Running in standalone mode",
    ` |\`-._\`-...-\` __...-.\`\`-._|'\` _.-'|     Port: ${port}`,
    ` |    \`-._   \`._    /     _.-'    |     PID: ${process.pid}`,
    "  `-._    `-._  `-./  _.-'    _.-'                                   ",
    " |`-._`-._    `-.__.-'    _.-'_.-'|                                  ",
    " |    `-._`-._        _.-'_.-'    |           https://redis.io       ",
    "  `-._    `-._`-.__.-'_.-'    _.-'                                   ",
    " |`-._`-._    `-.__.-'    _.-'_.-'|                                  ",
    " |    `-._`-._        _.-'_.-'    |                                  ",
    "  `-._    `-._`-.__.-'_.-'    _.-'                                   ",
    "      `-._    `-.__.-'    _.-'                                       ",
    "          `-._        _.-'                                           ",
    "              `-.__.-'                                               ",
    '',
    '',
  ].join('\n');
}
