// How a till is named on screen, and the till a POS device charges at (kept in this browser: a device stays at
// its counter, so the choice outlives the session; it is no secret, only an id).
import type { OrderTillView, TillView } from '../../../../shared/api';
import { t } from '../ui';

const TILL_KEY = 'console.posTill';

export function tillText(till: Pick<OrderTillView, 'label' | 'storeName'>): string {
  return t('pos.tillText', { label: till.label, store: till.storeName });
}

export function rememberedTill(): string | undefined {
  try {
    return localStorage.getItem(TILL_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function rememberTill(id: string | undefined): void {
  try {
    if (id) localStorage.setItem(TILL_KEY, id);
    else localStorage.removeItem(TILL_KEY);
  } catch {
    // private mode: the choice lasts for this page only
  }
}

/** The stores the tills belong to (a store id once, with the name of its first till), by id. */
export function storesOf(tills: TillView[]): Array<{ id: string; name: string }> {
  const byId = new Map<string, string>();
  for (const till of tills) if (!byId.has(till.storeId)) byId.set(till.storeId, till.storeName);
  return [...byId].map(([id, name]) => ({ id, name })).sort((a, b) => a.id.localeCompare(b.id));
}
