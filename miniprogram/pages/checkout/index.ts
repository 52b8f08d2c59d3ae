// The cart: quantities can change here; the order (and its total) is made by the server.
import type { Product } from '../../../shared/api';
import { createOrder, fetchProducts } from '../../services/api';
import { cartQuantities, clearCart, orderRequest, removeSkus, setQuantity } from '../../services/cart';
import { getClientConfig } from '../../services/config';
import { errorText, toAppError } from '../../services/errors';
import { localized, messages } from '../../services/i18n';
import { formatAmount } from '../../services/money';

interface CartRow {
  sku: string;
  name: string;
  unitPriceText: string;
  quantity: number;
}

Component({
  data: {
    t: messages(),
    state: 'loading',
    errorText: '',
    rows: [] as CartRow[],
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
        this.setData({ maxQuantity: config.maxQuantityPerItem });
        this.showCart(list.items);
      } catch (err) {
        this.setData({ state: 'error', errorText: errorText(err) });
      }
    },
    showCart(products: Product[]) {
      const quantities = cartQuantities();
      const bySku: Record<string, Product> = {};
      for (const p of products) if (p.active) bySku[p.sku] = p;
      const gone = Object.keys(quantities).filter((sku) => !bySku[sku]);
      if (gone.length) {
        removeSkus(gone);
        this.setData({ notice: this.data.t.checkout.unavailable });
      }
      const rows: CartRow[] = [];
      for (const sku of Object.keys(quantities)) {
        const p = bySku[sku];
        if (!p) continue;
        rows.push({ sku, name: localized(p.name), unitPriceText: formatAmount(p.price, p.currency), quantity: quantities[sku] ?? 0 });
      }
      this.setData({ rows, state: rows.length ? 'ready' : 'empty' });
    },
    change(sku: string, quantity: number) {
      if (this.data.placing) return;
      const q = Math.min(this.data.maxQuantity, Math.max(0, quantity));
      setQuantity(sku, q);
      const rows = this.data.rows.map((r) => (r.sku === sku ? { ...r, quantity: q } : r)).filter((r) => r.quantity > 0);
      this.setData({ rows, state: rows.length ? 'ready' : 'empty', placeError: '' });
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
        const { order } = await createOrder(orderRequest());
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
