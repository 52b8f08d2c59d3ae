// The driver's duplicate-key error (E11000): repositories turn it into a 'duplicate' answer for the domain.
export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}
