// Maps the driver's duplicate-key error (E11000) to a domain error, so callers branch on codes, not drivers.
import { DomainError } from '../domain/errors';

export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/** Runs `op`; a unique-index violation becomes DomainError('DUPLICATE'). Other errors pass through. */
export async function uniquely<T>(op: () => Promise<T>, message: string): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (isDuplicateKeyError(err)) throw new DomainError('DUPLICATE', message);
    throw err;
  }
}
