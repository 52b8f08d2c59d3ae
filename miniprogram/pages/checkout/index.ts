// The cart: quantities can change here, with each line's amount and the total at the catalog's prices.
// Placing the order makes the backend price it again: the order's total is the one charged.
import type { Product } from '../../../shared/api';
import { createOrder, fetchProducts, imageSrc } from '../../services/api';
import { cartQuantities, clearCart, orderRequest, priceCart, removeSkus, setQuantity } from '../../services/cart';
import { getClientConfig } from '../../services/config';
import { errorText, toAppError } from '../../services/errors';
import { countText, fill, localized, messages } from '../../services/i18n';
import { formatAmount } from '../../services/money';
import { handOffPayment } from '../../services/pay';

interface CartRow {
  sku: string;
  name: string;
  imageSrc: string;
  unitPrice: number;
  unitPriceText: string;
  quantity: number;
  amountText: string;
  addLabel: string;
  removeLabel: string;
}

Component({
  data: {
    t: messages(),
    state: 'loading',
    errorText: '',
    rows: [] as CartRow[],
    currency: '',
    count: 0,
    countText: '',
    totalText: '',
    maxQuantity: 99,
    placing: false,
    placeError: '',
    notice: '',
  },
  methods: {
    onLoad() {
      const t = messages();
      this.setData({ t });
      wx.setNavigationBarTitle({ title: t.checkout.title });
    },
    onShow() {
      void this.load();
    },
    async load() {
      this.setData({ state: 'loading', errorText: '' });
      try {
        const [config, list] = await Promise.all([getClientConfig(), fetchProducts()]);
        this.setData({ maxQuantity: config.maxQuantityPerItem, currency: config.currency });
        this.showCart(list.items);
      } catch (err) {
        this.setData({ state: 'error', errorText: errorText(err) });
      }
    },
    showCart(products: Product[]) {
      const t = this.data.t.checkout;
      const quantities = cartQuantities();
      const bySku: Record<string, Product> = {};
      for (const p of products) if (p.active) bySku[p.sku] = p;
      const gone = Object.keys(quantities).filter((sku) => !bySku[sku]);
      if (gone.length) {
        removeSkus(gone);
        this.setData({ notice: t.unavailable });
      }
      const rows: CartRow[] = [];
      for (const sku of Object.keys(quantities)) {
        const p = bySku[sku];
        if (!p) continue;
        const name = localized(p.name);
        rows.push({
          sku,
          name,
          imageSrc: imageSrc(p.imageUrl),
          unitPrice: p.price,
          unitPriceText: formatAmount(p.price, p.currency),
          quantity: quantities[sku] ?? 0,
          amountText: '',
          addLabel: fill(this.data.t.catalog.addOne, { name }),
          removeLabel: fill(this.data.t.catalog.removeOne, { name }),
        });
      }
      this.showRows(rows);
    },
    /** Line amounts, item count and total for these rows (rows at 0 are dropped). */
    showRows(rows: CartRow[]) {
      const kept = rows.filter((r) => r.quantity > 0);
      const quantities: Record<string, number> = {};
      const prices: Record<string, number> = {};
      for (const r of kept) {
        quantities[r.sku] = r.quantity;
        prices[r.sku] = r.unitPrice;
      }
      const summary = priceCart(quantities, prices);
      const currency = this.data.currency;
      this.setData({
        rows: kept.map((r) => ({ ...r, amountText: formatAmount(r.unitPrice * r.quantity, currency) })),
        count: summary.count,
        countText: countText(summary.count, this.data.t.common.items),
        totalText: formatAmount(summary.total, currency),
        state: kept.length ? 'ready' : 'empty',
      });
    },
    change(sku: string, quantity: number) {
      if (this.data.placing) return;
      const q = Math.min(this.data.maxQuantity, Math.max(0, quantity));
      setQuantity(sku, q);
      this.showRows(this.data.rows.map((r) => (r.sku === sku ? { ...r, quantity: q } : r)));
      this.setData({ placeError: '' });
    },
    onPlus(e: WechatMiniprogram.TouchEvent) {
      const sku = String(e.currentTarget.dataset.sku);
      const row = this.data.rows.find((r) => r.sku === sku);
      if (row) this.change(sku, row.quantity + 1);
    },
    onMinus(e: WechatMiniprogram.TouchEvent) {
      const sku = String(e.currentTarget.dataset.sku);
      const row = this.data.rows.find((r) => r.sku === sku);
      if (row) this.change(sku, row.quantity - 1);
    },
    onDelete(e: WechatMiniprogram.TouchEvent) {
      this.change(String(e.currentTarget.dataset.sku), 0);
    },
    onBrowse() {
      wx.navigateBack({ delta: 1 });
    },
    async onPlaceOrder() {
      if (this.data.placing || this.data.rows.length === 0) return;
      this.setData({ placing: true, placeError: '' });
      try {
        // The same clientRequestId on a retry: the backend answers with the order it already made.
        const answer = await createOrder(orderRequest());
        const { order } = answer;
        // The answer is prepaid and signed already: the pay page uses it for the first payment.
        handOffPayment(answer);
        clearCart();
        wx.redirectTo({ url: `/pages/pay/index?orderId=${encodeURIComponent(order.id)}` });
      } catch (err) {
        const e = toAppError(err);
        this.setData({ placing: false, placeError: e.message });
        // The catalog changed under the cart: show what is still for sale.
        if (e.code === 'PRODUCT_NOT_FOUND' || e.code === 'VALIDATION_FAILED') void this.load();
      }
    },
  },
});
