/** Server introspection commands: INFO, TIME, LASTSAVE, SHUTDOWN, MONITOR, SLOWLOG, LATENCY. */
import type { Client } from '../client.js';
import { BUSY_EVAL, BUSY_FUNCTION } from '../scripting/scripting.js';
import type { Command, CommandModule } from '../command-table.js';
import { replyInfo } from '../info.js';
import { latencyReport, latencyState, type LatencyHistogram } from '../latency.js';
import { ERR_SYNTAX, toInt } from './args.js';
import { subcommandSyntaxError } from './client.js';
import { replyHelp } from './help.js';

const SLOWLOG_HELP = [
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
];

function slowlogGet(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    subcommandSyntaxError(c, argv);
    return;
  }
  const log = c.server.slowlog;
  let count = 10;
  if (argv.length === 3) {
    const n = toInt(argv[2]!);
    if (n === null || n < -1) {
      c.error('ERR count should be greater than or equal to -1');
      return;
    }
    count = n === -1 ? log.length : n;
  }
  const entries = log.slice(0, count);
  c.arrayLen(entries.length);
  for (const e of entries) {
    c.arrayLen(6);
    c.integer(e.id);
    c.integer(e.time);
    c.integer(e.usec);
    c.bulkArray(e.argv);
    c.bulk(e.peer);
    c.bulk(e.name);
  }
}

/** SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] (db.c shutdownCommand). */
function shutdown(c: Client, argv: string[]): void {
  let noSave = false;
  let save = false;
  let otherFlags = false;
  let abort = false;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!.toLowerCase();
    if (arg === 'nosave') noSave = true;
    else if (arg === 'save') save = true;
    else if (arg === 'now' || arg === 'force') otherFlags = true;
    else if (arg === 'abort') abort = true;
    else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  if ((abort && (noSave || save || otherFlags)) || (noSave && save)) {
    c.error(ERR_SYNTAX);
    return;
  }
  if (abort) {
    // Shutdown here is immediate (no replicas to wait for): never in progress.
    c.error('ERR No shutdown in progress.');
    return;
  }
  // A busy script has half its effects applied: only SHUTDOWN NOSAVE may stop the server then.
  if (!noSave && c.server.busyScript !== undefined) {
    c.error(c.server.busyScript === 'eval' ? BUSY_EVAL : BUSY_FUNCTION);
    return;
  }
  const force = argv.some((a) => a.toLowerCase() === 'force');
  if (!c.server.shutdown({ save, nosave: noSave, force })) c.error('ERR Errors trying to SHUTDOWN. Check logs.');
}

const LATENCY_HELP = [
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
];

/** fillCommandCDF(). */
function replyHistogram(c: Client, histogram: LatencyHistogram): void {
  c.mapLen(2);
  c.bulk('calls');
  c.integer(histogram.total);
  c.bulk('histogram_usec');
  const points = histogram.cumulative();
  c.mapLen(points.length);
  for (const [micros, count] of points) {
    c.integer(micros);
    c.integer(count);
  }
}

/** LATENCY HISTOGRAM [command ...]: a container name stands for its subcommands. */
function latencyHistogram(c: Client, argv: string[]): void {
  const histograms = latencyState(c.server).histograms;
  const selected: Command[] = [];
  const consider = (cmd: Command) => {
    if (histograms.has(cmd)) selected.push(cmd);
  };
  if (argv.length === 2) {
    for (const cmd of c.server.commands.all()) consider(cmd);
  } else {
    for (let i = 2; i < argv.length; i++) {
      const cmd = c.server.commands.byFullName(argv[i]!);
      if (!cmd || argv[i]!.split('|').length > 2) continue;
      consider(cmd);
      for (const sub of cmd.subcommands.values()) consider(sub);
    }
  }
  c.mapLen(selected.length);
  for (const cmd of selected) {
    c.bulk(cmd.fullName);
    replyHistogram(c, histograms.get(cmd)!);
  }
}

export const serverCommands: CommandModule = {
  info(c, argv) {
    replyInfo(c, argv.slice(1));
  },

  time(c) {
    // Wall-clock time with microsecond resolution, as gettimeofday().
    const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    c.arrayLen(2);
    c.bulk(String(Math.floor(micros / 1e6)));
    c.bulk(String(micros % 1e6));
  },

  shutdown,

  monitor(c) {
    // A replica connection never becomes a monitor; MONITOR twice is a no-op.
    if (c.isReplica || c.monitor) return;
    c.monitor = true;
    c.server.monitors.add(c);
    c.ok();
  },

  'slowlog|help'(c) {
    replyHelp(c, 'slowlog', SLOWLOG_HELP);
  },

  'slowlog|get': slowlogGet,

  'slowlog|len'(c) {
    c.integer(c.server.slowlog.length);
  },

  'slowlog|reset'(c) {
    c.server.slowlog.length = 0;
    c.ok();
  },

  'latency|help'(c) {
    replyHelp(c, 'latency', LATENCY_HELP);
  },

  'latency|latest'(c) {
    const events = latencyState(c.server).events;
    c.arrayLen(events.size);
    for (const [event, series] of events) {
      const last = series.samples[series.samples.length - 1]!;
      c.arrayLen(4);
      c.bulk(event);
      c.integer(last.time);
      c.integer(last.latency);
      c.integer(series.max);
    }
  },

  'latency|history'(c, argv) {
    const series = latencyState(c.server).events.get(argv[2]!);
    const samples = series?.samples ?? [];
    c.arrayLen(samples.length);
    for (const sample of samples) {
      c.arrayLen(2);
      c.integer(sample.time);
      c.integer(sample.latency);
    }
  },

  'latency|reset'(c, argv) {
    c.integer(latencyState(c.server).resetEvents(argv.length === 2 ? undefined : argv.slice(2)));
  },

  'latency|doctor'(c) {
    c.verbatim(latencyReport(c.server));
  },

  'latency|histogram': latencyHistogram,
};
