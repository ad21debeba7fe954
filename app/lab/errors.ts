/**
 * The lab's failures as the API reports them: a code and a sentence for the user.
 */
import type { ApiError } from '../api/contract';
import { NodeOperationError } from './supervisor';
import { TopologyRuleError } from './topology';

/** A failure with a sentence for the user; the hosts send it as an ApiError. */
export class LabError extends Error {
  constructor(
    readonly code: ApiError['code'],
    message: string,
    readonly extra: Pick<ApiError, 'line' | 'field'> = {},
  ) {
    super(message);
    this.name = 'LabError';
  }
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof LabError) return { code: error.code, message: error.message, ...error.extra };
  if (error instanceof TopologyRuleError) return { code: 'rule', message: error.message };
  if (error instanceof NodeOperationError) {
    const code = error.code === 'unknown-node' ? 'not-found' : error.code === 'remote' ? 'refused' : 'failed';
    return { code, message: error.message };
  }
  return { code: 'failed', message: error instanceof Error ? error.message : String(error) };
}
