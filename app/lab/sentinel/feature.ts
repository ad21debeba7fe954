/**
 * Sentinel: redis-sentinel processes the lab runs beside the nodes, their view and their events.
 */
import { LabError } from '../errors';
import type { Handlers, LabContext, LabFeature } from '../feature';

export class SentinelFeature implements LabFeature {
  constructor(protected readonly ctx: LabContext) {}

  readonly handlers: Partial<Handlers> = {
    'sentinel.create': async () => notBuilt(),
    'sentinel.remove': async () => notBuilt(),
    'sentinel.stop': async () => notBuilt(),
    'sentinel.start': async () => notBuilt(),
    'sentinel.failover': async () => notBuilt(),
    'sentinel.view': async () => notBuilt(),
    'sentinel.move': async () => notBuilt(),
  };

  async dispose(): Promise<void> {}
}

function notBuilt(): never {
  throw new LabError('refused', 'Not built yet.');
}
