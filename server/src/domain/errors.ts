// Domain errors carry a machine-readable code; the HTTP edge maps them to statuses once (http/errors.ts).
import type { ErrorCode } from '../../../shared/errors';

export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
