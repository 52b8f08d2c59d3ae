// Products with their prices; + / - put them in the cart.
import type { ClientConfig, Product } from '../../../shared/api';
import { fetchProducts } from '../../services/api';
import { cartCount, cartQuantities, setQuantity } from '../../services/cart';
import { getClientConfig } from '../../services/config';
import { errorText } from '../../services/errors';
import { localized, messages } from '../../services/i18n';
import { formatAmount } from '../../services/money';

interface ProductRow {
  sku: string;
  name: string;
  description: string;
  priceText: string;
  quantity: number;
}

const DEFAULT_MAX_QUANTITY = 99;

Component({
  data: {
    t: messages(),
    state: 'loading',
    errorText: '',
    products: [] as ProductRow[],
    cartCount: 0,
    maxQuantity: DEFAULT_MAX_QUANTITY,
  },
  methods: {
    onLoad() {
      const t = messages();
      this.setData({ t });
      wx.setNavigationBarTitle({ title: t.catalog.title });
      void this.load();
    },
    onShow() {
      this.refreshCart();
    },
    onPullDownRefresh() {
      void this.load().then(() => wx.stopPullDownRefresh());
    },
    async load() {
      this.setData({ state: 'loading', errorText: '' });
      try {
        const [config, list] = await Promise.all([getClientConfig(), fetchProducts()]);
        this.showProducts(config, list.items);
      } catch (err) {
        this.setData({ state: 'error', errorText: errorText(err) });
      }
    },
    showProducts(config: ClientConfig, items: Product[]) {
      const quantities = cartQuantities();
      const products = items
        .filter((p) => p.active)
        .map((p) => ({
          sku: p.sku,
          name: localized(p.name),
          description: p.description ? localized(p.description) : '',
          priceText: formatAmount(p.price, p.currency),
          quantity: quantities[p.sku] ?? 0,
        }));
      this.setData({
        products,
        maxQuantity: config.maxQuantityPerItem,
        cartCount: cartCount(),
        state: products.length ? 'ready' : 'empty',
      });
    },
    refreshCart() {
      const quantities = cartQuantities();
      const products = this.data.products.map((p) => ({ ...p, quantity: quantities[p.sku] ?? 0 }));
      this.setData({ products, cartCount: cartCount() });
    },
    change(sku: string, delta: number) {
      const row = this.data.products.find((p) => p.sku === sku);
      if (!row) return;
      const next = Math.min(this.data.maxQuantity, Math.max(0, row.quantity + delta));
      if (next === row.quantity) return;
      setQuantity(sku, next);
      this.refreshCart();
    },
    onAdd(e: WechatMiniprogram.TouchEvent) {
      this.change(String(e.currentTarget.dataset.sku), 1);
    },
    onRemove(e: WechatMiniprogram.TouchEvent) {
      this.change(String(e.currentTarget.dataset.sku), -1);
    },
    onCheckout() {
      if (this.data.cartCount === 0) return;
      wx.navigateTo({ url: '/pages/checkout/index' });
    },
    onOrders() {
      wx.navigateTo({ url: '/pages/orders/index' });
    },
  },
});
