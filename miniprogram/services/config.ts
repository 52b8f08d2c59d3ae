// The backend's public configuration (currency, sandbox mode...), fetched once per app run.
import type { ClientConfig } from '../../shared/api';
import { fetchConfig } from './api';

let cached: Promise<ClientConfig> | null = null;

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
