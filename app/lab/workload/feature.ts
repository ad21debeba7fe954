/**
 * Workloads: writes to a master, reads from its replicas, and the stale-read meter.
 */
import { LabError } from '../errors';
import type { Handlers, LabContext, LabFeature } from '../feature';

export class WorkloadFeature implements LabFeature {
  constructor(protected readonly ctx: LabContext) {}

  readonly handlers: Partial<Handlers> = {
    'workload.start': async () => notBuilt(),
    'workload.stop': async () => notBuilt(),
  };

  async dispose(): Promise<void> {}
}

function notBuilt(): never {
  throw new LabError('refused', 'Not built yet.');
}
