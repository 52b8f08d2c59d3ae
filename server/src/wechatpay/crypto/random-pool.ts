// Random bytes from the CSPRNG, drawn a few kilobytes at a time: the same bytes randomBytes would give, without
// a call into OpenSSL for every nonce and id (node's own randomUUID keeps a cache the same way).
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let used = POOL_BYTES;

/** `n` fresh random bytes (a copy: never handed out twice). */
export function randomBytesPooled(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0) throw new Error('byte count must be a non-negative integer');
  if (n > POOL_BYTES / 4) return randomFillSync(Buffer.allocUnsafe(n));
  if (used + n > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const out = Buffer.from(pool.subarray(used, used + n));
  // Handed-out bytes are wiped, so nothing in the pool can be given again or read later.
  pool.fill(0, used, used + n);
  used += n;
  return out;
}
