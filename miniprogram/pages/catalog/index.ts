// Products with their pictures and prices; + / - put them in the cart. A bar fixed above the tab bar
// shows what is in the cart and its total at these prices, and leads to the checkout.
import type { ClientConfig, Product } from '../../../shared/api';
import { fetchProducts, imageSrc } from '../../services/api';
import { cartQuantities, priceCart, setQuantity } from '../../services/cart';
import { getClientConfig } from '../../services/config';
import { errorText } from '../../services/errors';
import { countText, fill, localized, messages } from '../../services/i18n';
import { formatAmount } from '../../services/money';
import { localizeTabBar } from '../../services/tab-bar';

interface ProductRow {
  sku: string;
  name: string;
  description: string;
  priceText: string;
  imageSrc: string;
  addLabel: string;
  removeLabel: string;
  quantity: number;
}

const DEFAULT_MAX_QUANTITY = 99;

Component({
  data: {
    t: messages(),
    state: 'loading',
    errorText: '',
    products: [] as ProductRow[],
    currency: '',
    prices: {} as Record<string, number>,
    cartCount: 0,
    countText: '',
    totalText: '',
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
      localizeTabBar();
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
      const t = this.data.t.catalog;
      const quantities = cartQuantities();
      const prices: Record<string, number> = {};
      const products = items
        .filter((p) => p.active)
        .map((p) => {
          prices[p.sku] = p.price;
          const name = localized(p.name);
          return {
            sku: p.sku,
            name,
            description: p.description ? localized(p.description) : '',
            priceText: formatAmount(p.price, p.currency),
            imageSrc: imageSrc(p.imageUrl),
            addLabel: fill(t.addOne, { name }),
            removeLabel: fill(t.removeOne, { name }),
            quantity: quantities[p.sku] ?? 0,
          };
        });
      this.setData({
        products,
        prices,
        currency: config.currency,
        maxQuantity: config.maxQuantityPerItem,
        state: products.length ? 'ready' : 'empty',
      });
      this.refreshCart();
    },
    /** Quantities from storage (the checkout may have changed them); count and total at the catalog's prices. */
    refreshCart() {
      const quantities = cartQuantities();
      const products = this.data.products.map((p) => ({ ...p, quantity: quantities[p.sku] ?? 0 }));
      const summary = priceCart(quantities, this.data.prices);
      this.setData({
        products,
        cartCount: summary.count,
        countText: countText(summary.count, this.data.t.common.items),
        totalText: this.data.currency ? formatAmount(summary.total, this.data.currency) : '',
      });
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
      if (this.data.cartCount === 0 || this.data.state !== 'ready') return;
      wx.navigateTo({ url: '/pages/checkout/index' });
    },
  },
});
