/**
 * Consistency: each node's DEBUG DIGEST against its master's, and key-level diffs between two nodes.
 */
import { LabError } from '../errors';
import type { Handlers, LabContext, LabFeature } from '../feature';

export class ConsistencyFeature implements LabFeature {
  constructor(protected readonly ctx: LabContext) {}

  readonly handlers: Partial<Handlers> = {
    'consistency.check': async () => notBuilt(),
    'node.diff': async () => notBuilt(),
  };

  async dispose(): Promise<void> {}
}

function notBuilt(): never {
  throw new LabError('refused', 'Not built yet.');
}
