/**
 * The connection and the command loop of redis-cli (cliConnect, cliSendCommand,
 * cliReadReply, issueCommandRepeat): connects, authenticates, selects the
 * database, switches to RESP3, sends commands and prints their replies, and
 * tracks the state the prompt shows (database, MULTI).
 */
import { RespConnection } from '../resp/connection.js';
import { encodeCommand } from '../resp/encoder.js';
import type { RespValue } from '../resp/reply-parser.js';
import type { CliConfig } from './args.js';
import { errorText, isConnectionLost } from './connection-errors.js';
import { formatInvalidateTTY, formatReply, isInvalidate, UnknownReplyTypeError, type Delimiters } from './format.js';
import { genericHelpText, helpFromCommandDocs, helpText, type HelpEntry } from './help.js';
import { writeErr, writeOut } from './output.js';

/** Commands whose replies redis-cli prints raw even at a terminal (cliSendCommand's output_raw). */
function printsRaw(argv: string[]): boolean {
  const is = (word: string | undefined, name: string) => word !== undefined && word.toLowerCase() === name;
  const [command, sub] = argv;
  const argc = argv.length;
  return (
    is(command, 'info') ||
    is(command, 'lolwut') ||
    (argc >= 2 &&
      is(command, 'debug') &&
      (is(sub, 'htstats') || is(sub, 'htstats-key') || is(sub, 'client-eviction'))) ||
    (argc >= 2 && is(command, 'memory') && (is(sub, 'malloc-stats') || is(sub, 'doctor'))) ||
    (argc === 2 && is(command, 'cluster') && (is(sub, 'nodes') || is(sub, 'info'))) ||
    (argc >= 2 && is(command, 'client') && (is(sub, 'list') || is(sub, 'info'))) ||
    (argc === 3 && is(command, 'latency') && is(sub, 'graph')) ||
    (argc === 2 && is(command, 'latency') && is(sub, 'doctor')) ||
    (argc >= 2 && is(command, 'proxy') && is(sub, 'info'))
  );
}

/** redis-cli exits the process in many places; the session asks its owner to. */
export type Exit = (code: number) => never;

export class CliSession {
  connection: RespConnection | undefined;
  /** The database the prompt shows. */
  dbnum = 0;
  inMulti = false;
  interactive = false;
  hintsPreference = true;
  help: HelpEntry[] | undefined;
  private preMultiDb = 0;
  private monitorMode = false;
  private pubsubMode = false;
  private blockingAborted = false;
  private shutdown = false;
  private lastReplyType: RespValue['type'] | undefined;
  /** hiredis's errstr of the current connection: set by I/O errors. */
  private contextError = '';

  constructor(
    readonly config: CliConfig,
    private readonly exit: Exit,
  ) {}

  get delimiters(): Delimiters {
    return { multiBulk: this.config.multiBulkDelimiter, command: this.config.commandDelimiter };
  }

  /** cliRefreshPrompt. */
  prompt(): string {
    if (!this.connection) return 'not connected> ';
    const host = this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host;
    let prompt = `${host}:${this.config.port}`;
    if (this.dbnum !== 0) prompt += `[${this.dbnum}]`;
    if (this.inMulti) prompt += '(TX)';
    return prompt + '> ';
  }

  /** In MONITOR or SUBSCRIBE mode: Ctrl-C ends the stream instead of the program. */
  get streaming(): boolean {
    return this.monitorMode || this.pubsubMode;
  }

  /** sigIntHandler while streaming: drop the connection; the reader reconnects. */
  abortStreaming(): void {
    this.blockingAborted = true;
    this.connection?.destroy();
  }

  /** cliConnect(flags): true once connected and set up. */
  async connect(force: boolean, quiet: boolean): Promise<boolean> {
    if (this.connection && !force) {
      this.installPushHandler();
      return true;
    }
    if (this.connection) {
      this.connection.destroy();
      this.connection = undefined;
      this.dbnum = 0;
      this.inMulti = false;
    }
    try {
      this.connection = await RespConnection.connect(this.config.port, this.config.host);
    } catch (err) {
      if (!quiet)
        writeErr(`Could not connect to Redis at ${this.config.host}:${this.config.port}: ${errorText(err)}\n`);
      return false;
    }
    this.contextError = '';
    this.connection.socket.setKeepAlive(true, 15_000);
    if (!(await this.authenticate()) || !(await this.selectInputDb()) || !(await this.switchToResp3())) return false;
    this.installPushHandler();
    return true;
  }

  private installPushHandler(): void {
    if (!this.connection) return;
    // Without redis-cli's handler, hiredis drops push messages (its auto-free callback).
    this.connection.onPush = this.config.pushOutput ? (message) => this.printPush(message) : () => {};
  }

  private printPush(message: RespValue & { type: 'push' }): void {
    if (this.config.output === 'standard' && isInvalidate(message)) writeOut(formatInvalidateTTY(message));
    else writeOut(this.format(message, false));
  }

  /** A setup command's reply, or undefined after "I/O error". */
  private async setupCommand(args: string[]): Promise<RespValue | undefined> {
    try {
      this.connection!.sendRaw(encodeCommand(args));
      return await this.connection!.readReply();
    } catch (err) {
      this.contextError = errorText(err);
      writeErr('\nI/O error\n');
      return undefined;
    }
  }

  private async authenticate(): Promise<boolean> {
    const { auth, user } = this.config;
    if (auth === undefined) return true;
    const reply = await this.setupCommand(user === undefined ? ['AUTH', auth] : ['AUTH', user, auth]);
    if (!reply) return false;
    if (reply.type === 'error') {
      writeErr(`AUTH failed: ${reply.value}\n`);
      return false;
    }
    return true;
  }

  /** cliSelect. */
  async selectInputDb(): Promise<boolean> {
    if (this.config.inputDb === this.dbnum || !this.connection) return true;
    const reply = await this.setupCommand(['SELECT', String(this.config.inputDb)]);
    if (!reply) return false;
    if (reply.type === 'error') {
      writeErr(`SELECT ${this.config.inputDb} failed: ${reply.value}\n`);
      return false;
    }
    this.dbnum = this.config.inputDb;
    return true;
  }

  private async switchToResp3(): Promise<boolean> {
    if (!this.config.resp3 || this.config.resp2) return true;
    const reply = await this.setupCommand(['HELLO', '3']);
    if (!reply) return false;
    if (reply.type === 'error') {
      writeErr(`HELLO 3 failed: ${reply.value}\n`);
      return false;
    }
    return true;
  }

  /** cliInitHelp: the help table from COMMAND DOCS (empty when not connected). */
  async initHelp(): Promise<void> {
    if (!(await this.connect(false, true)) || !this.connection) {
      this.help = [];
      return;
    }
    try {
      this.connection.sendRaw(encodeCommand(['COMMAND', 'DOCS']));
      const docs = await this.connection.readReply();
      this.help = helpFromCommandDocs(docs) ?? [];
    } catch {
      this.help = [];
    }
  }

  private format(reply: RespValue, verbatim: boolean): string {
    try {
      return formatReply(reply, this.config.output, verbatim, this.delimiters);
    } catch (err) {
      if (err instanceof UnknownReplyTypeError) {
        writeErr(`${err.message}\n`);
        this.exit(1);
      }
      throw err;
    }
  }

  private printContextError(): void {
    if (this.connection) writeErr(`Error: ${this.contextError}\n`);
  }

  /** issueCommandRepeat: HELP locally, anything else to the server (connecting first if needed). */
  async issueCommand(argv: string[], repeat: number): Promise<boolean> {
    if (argv[0]!.toLowerCase() === 'help' || argv[0] === '?') {
      await this.outputHelp(argv.slice(1));
      return true;
    }
    if (!this.connection || this.connection.closed) {
      if (!(await this.connect(true, false))) {
        this.printContextError();
        return false;
      }
    }
    if (!(await this.sendCommand(argv, repeat))) {
      this.printContextError();
      this.connection?.destroy();
      this.connection = undefined;
      return false;
    }
    return true;
  }

  private async outputHelp(words: string[]): Promise<void> {
    if (words.length === 0) {
      writeOut(genericHelpText());
      return;
    }
    if (this.help === undefined) await this.initHelp();
    writeOut(helpText(this.help!, words));
  }

  /** cliReadReply: reads and prints one reply; false when the connection is lost. */
  private async readReply(outputRaw: boolean): Promise<boolean> {
    let reply: RespValue;
    try {
      reply = await this.connection!.readReply();
    } catch (err) {
      if (this.blockingAborted) {
        this.blockingAborted = false;
        this.monitorMode = false;
        this.pubsubMode = false;
        return this.connect(true, false);
      }
      if (this.shutdown) {
        this.connection = undefined;
        return true;
      }
      this.contextError = errorText(err);
      if (this.interactive && isConnectionLost(err)) return false;
      writeErr(`Error: ${this.contextError}\n`);
      return this.exit(1);
    }
    this.lastReplyType = reply.type;
    if (!this.interactive && this.config.exitOnError && reply.type === 'error') {
      writeErr(`${reply.value}\n`);
      this.exit(1);
    }
    writeOut(this.format(reply, outputRaw));
    return true;
  }

  /** cliSendCommand. */
  private async sendCommand(argv: string[], repeat: number): Promise<boolean> {
    const command = argv[0]!.toLowerCase();
    const outputRaw = printsRaw(argv);
    if (command === 'shutdown') this.shutdown = true;
    if (command === 'monitor') this.monitorMode = true;
    if (command === 'subscribe' || command === 'psubscribe' || command === 'ssubscribe') this.pubsubMode = true;
    const request = encodeCommand(argv);
    // A negative repeat count runs forever (with -i, a poor man's watch).
    while (repeat < 0 || repeat-- > 0) {
      const connection = this.connection!;
      if (connection.closed) {
        // hiredis finds out only when it reads: as if the write had succeeded.
        if (!(await this.readReply(outputRaw))) return false;
        continue;
      }
      connection.sendRaw(request);
      if (this.monitorMode) {
        do {
          if (!(await this.readReply(outputRaw))) {
            this.printContextError();
            this.exit(1);
          }
          if (this.lastReplyType === 'error') this.monitorMode = false;
        } while (this.monitorMode);
        return true;
      }
      if (this.pubsubMode) {
        if (this.config.output !== 'raw') writeOut('Reading messages... (press Ctrl-C to quit)\n');
        // Push messages are the replies now, in RESP2 and RESP3 alike.
        connection.onPush = undefined;
        while (this.pubsubMode) {
          if (!(await this.readReply(outputRaw))) {
            this.printContextError();
            this.exit(1);
          }
          if (!this.pubsubMode || this.lastReplyType === 'error') {
            this.installPushHandler();
            this.pubsubMode = false;
          }
        }
        continue;
      }
      if (!(await this.readReply(outputRaw))) return false;
      await this.trackState(command, argv);
      if (this.config.intervalMicros) await sleep(this.config.intervalMicros / 1000);
    }
    return true;
  }

  /** What a successful SELECT, MULTI, EXEC, DISCARD or RESET changes in the prompt. */
  private async trackState(command: string, argv: string[]): Promise<void> {
    const failed = this.lastReplyType === 'error';
    const argc = argv.length;
    if (command === 'select' && argc === 2 && !failed) {
      this.config.inputDb = this.dbnum = atoiInt(argv[1]!);
    } else if (command === 'auth' && (argc === 2 || argc === 3)) {
      await this.selectInputDb();
    } else if (command === 'multi' && argc === 1 && !failed) {
      this.inMulti = true;
      this.preMultiDb = this.dbnum;
    } else if (command === 'exec' && argc === 1 && this.inMulti) {
      this.inMulti = false;
      if (failed || this.lastReplyType === 'null') this.config.inputDb = this.dbnum = this.preMultiDb;
    } else if (command === 'discard' && argc === 1 && !failed) {
      this.inMulti = false;
      this.config.inputDb = this.dbnum = this.preMultiDb;
    } else if (command === 'reset' && argc === 1 && !failed) {
      this.inMulti = false;
      this.dbnum = 0;
      this.config.inputDb = 0;
      this.config.resp3 = false;
    }
  }
}

function atoiInt(text: string): number {
  const match = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  return match ? Number(match[1]) | 0 : 0;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
