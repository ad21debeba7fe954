/**
 * Link faults: the lab's TCP proxy between a replica and its master (cut, latency, bandwidth, heal), and what Redis did after (partial or full resync, and why).
 */
import { LabError } from '../errors';
import type { Handlers, LabContext, LabFeature } from '../feature';

export class FaultsFeature implements LabFeature {
  constructor(protected readonly ctx: LabContext) {}

  readonly handlers: Partial<Handlers> = {
    'edge.fault': async () => notBuilt(),
    'edge.heal': async () => notBuilt(),
  };

  async dispose(): Promise<void> {}
}

function notBuilt(): never {
  throw new LabError('refused', 'Not built yet.');
}
