// The backend's public configuration (currency, sandbox mode...), fetched once per app run.
// Uses the transport directly: the session needs it to log in (sandbox mode), so it cannot go through request.ts.
import type { ClientConfig } from '../../shared/api';
import { AppError, fromResponse } from './errors';
import { send } from './http';

let cached: Promise<ClientConfig> | null = null;

async function fetchConfig(): Promise<ClientConfig> {
  const res = await send('GET', '/api/config', undefined, undefined);
  if (res.status !== 200) throw fromResponse(res.status, res.body);
  const body = res.body as Partial<ClientConfig> | null;
  if (!body || typeof body !== 'object' || typeof body.currency !== 'string' || typeof body.sandbox !== 'boolean')
    throw new AppError('BAD_RESPONSE', res.status, true);
  return body as ClientConfig;
}

export function getClientConfig(): Promise<ClientConfig> {
  if (!cached) {
    cached = fetchConfig();
    // A failed fetch is not remembered: the next page load asks again.
    cached.catch(() => {
      cached = null;
    });
  }
  return cached;
}
