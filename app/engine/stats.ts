/** Server-wide counters reported by INFO stats / errorstats (and reset by CONFIG RESETSTAT). */
export class ServerStats {
  totalConnections = 0;
  totalCommands = 0;
  rejectedConnections = 0;
  expiredKeys = 0;
  evictedKeys = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  /** Every byte read / written, the replication traffic included (total_net_input_bytes). */
  netInputBytes = 0;
  netOutputBytes = 0;
  /** The replication part: our master's stream and payload in, our replicas' out (stat_net_repl_*). */
  netReplInputBytes = 0;
  netReplOutputBytes = 0;
  /** sync_full, sync_partial_ok, sync_partial_err. */
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;
  totalErrorReplies = 0;
  /** errorstat_<CODE>:count=N, keyed by the first word of the error. */
  readonly errors = new Map<string, number>();
  unexpectedErrorReplies = 0;
  pubsubChannels = 0;

  /** Instantaneous ops/sec, sampled by the cron as Redis's trackInstantaneousMetric does. */
  private readonly opsSamples: number[] = [];
  private lastSampleTime = Date.now();
  private lastSampleCommands = 0;
  /** Bytes/sec of the four traffic counters (net input/output, replication input/output), same sampling. */
  private readonly bytesSamples: number[][] = [[], [], [], []];
  private lastSampleBytes = [0, 0, 0, 0];

  recordError(text: string): void {
    this.totalErrorReplies++;
    const space = text.indexOf(' ');
    const code = space === -1 ? text : text.slice(0, space);
    // Redis caps the number of distinct error codes it tracks at 128.
    if (!this.errors.has(code) && this.errors.size >= 128) return;
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  sampleOps(now: number): void {
    const elapsed = now - this.lastSampleTime;
    if (elapsed <= 0) return;
    const ops = ((this.totalCommands - this.lastSampleCommands) * 1000) / elapsed;
    this.opsSamples.push(ops);
    if (this.opsSamples.length > 16) this.opsSamples.shift();
    const bytes = [this.netInputBytes, this.netOutputBytes, this.netReplInputBytes, this.netReplOutputBytes];
    for (let i = 0; i < bytes.length; i++) {
      const samples = this.bytesSamples[i]!;
      samples.push(((bytes[i]! - this.lastSampleBytes[i]!) * 1000) / elapsed);
      if (samples.length > 16) samples.shift();
    }
    this.lastSampleBytes = bytes;
    this.lastSampleTime = now;
    this.lastSampleCommands = this.totalCommands;
  }

  /** instantaneous_{input,output,input_repl,output_repl}_kbps, as "%.2f". */
  instantaneousKbps(which: 'input' | 'output' | 'input_repl' | 'output_repl'): string {
    const index = ['input', 'output', 'input_repl', 'output_repl'].indexOf(which);
    const samples = this.bytesSamples[index]!;
    if (samples.length === 0) return '0.00';
    return (samples.reduce((a, b) => a + b, 0) / samples.length / 1024).toFixed(2);
  }

  instantaneousOps(): number {
    if (this.opsSamples.length === 0) return 0;
    return Math.round(this.opsSamples.reduce((a, b) => a + b, 0) / this.opsSamples.length);
  }

  reset(): void {
    this.totalConnections = 0;
    this.totalCommands = 0;
    this.rejectedConnections = 0;
    this.expiredKeys = 0;
    this.evictedKeys = 0;
    this.keyspaceHits = 0;
    this.keyspaceMisses = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.netReplInputBytes = 0;
    this.netReplOutputBytes = 0;
    this.lastSampleBytes = [0, 0, 0, 0];
    this.syncFull = 0;
    this.syncPartialOk = 0;
    this.syncPartialErr = 0;
    this.totalErrorReplies = 0;
    this.errors.clear();
    this.unexpectedErrorReplies = 0;
  }
}
