// The store filter of the order list and the statement: the stores of the tills (disabled ones too: their past
// charges stay), and the store the address names even when no till has it any more.
import { api } from '../api';
import { h, replaceChildren } from '../dom';
import { t } from '../ui';
import type { ViewContext } from './context';
import { storesOf } from './till-text';

export type Store = { id: string; name: string };

export function storeLabel(s: Store): string {
  return s.name === s.id ? s.id : `${s.name} (${s.id})`;
}

/** A `<select>` of the stores, `chosen` selected; `loaded` gives the stores (none when the tills could not be read). */
export function storeSelect(ctx: ViewContext, chosen: string, testid: string): { select: HTMLSelectElement; loaded: Promise<Store[]> } {
  const all = () => h('option', { value: '' }, t('common.allStores'));
  const select = h(
    'select',
    { name: 'store', testid },
    all(),
    chosen ? h('option', { value: chosen, selected: true }, chosen) : null,
  ) as HTMLSelectElement;
  const loaded = api.tills(ctx.signal).then(
    (r) => {
      const stores = storesOf(r.items);
      if (chosen && !stores.some((s) => s.id === chosen)) stores.push({ id: chosen, name: chosen });
      replaceChildren(select, all(), ...stores.map((s) => h('option', { value: s.id, selected: s.id === chosen }, storeLabel(s))));
      return stores;
    },
    () => [], // the filter keeps what the address says; the view itself still loads
  );
  return { select, loaded };
}
