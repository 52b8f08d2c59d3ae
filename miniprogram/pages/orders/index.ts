// The customer's orders, newest first, a page at a time (a tab page). Each shows the same status as the
// order page: refunds included (services/order-status.ts).
import type { OrderView } from '../../../shared/api';
import { fetchOrders } from '../../services/api';
import { errorText } from '../../services/errors';
import { countText, currentLang, formatDateTime, localized, messages } from '../../services/i18n';
import { formatAmount } from '../../services/money';
import { displayStatus } from '../../services/order-status';
import { localizeTabBar } from '../../services/tab-bar';

const PAGE_SIZE = 20;

interface OrderRow {
  id: string;
  outTradeNo: string;
  status: string;
  summary: string;
  countText: string;
  totalText: string;
  createdText: string;
}

function row(o: OrderView): OrderRow {
  const names = o.items.map((i) => localized(i.name));
  return {
    id: o.id,
    outTradeNo: o.outTradeNo,
    status: displayStatus(o),
    summary: names.slice(0, 2).join(currentLang() === 'zh-HK' ? '、' : ', ') + (names.length > 2 ? '…' : ''),
    countText: countText(
      o.items.reduce((n, i) => n + i.quantity, 0),
      messages().common.items,
    ),
    totalText: formatAmount(o.total, o.currency),
    createdText: formatDateTime(o.createdAt),
  };
}

Component({
  data: {
    t: messages(),
    state: 'loading',
    errorText: '',
    orders: [] as OrderRow[],
    page: 0,
    total: 0,
    loadingMore: false,
    moreError: '',
  },
  methods: {
    onLoad() {
      const t = messages();
      this.setData({ t });
      wx.setNavigationBarTitle({ title: t.orders.title });
    },
    onShow() {
      localizeTabBar();
      // Statuses change (payments, refunds): reload the first page whenever the list is shown.
      void this.reload();
    },
    onPullDownRefresh() {
      void this.reload().then(() => wx.stopPullDownRefresh());
    },
    onReachBottom() {
      void this.loadMore();
    },
    async reload() {
      if (!this.data.orders.length) this.setData({ state: 'loading' });
      this.setData({ errorText: '', moreError: '' });
      try {
        const list = await fetchOrders(1, PAGE_SIZE);
        const orders = list.items.map(row);
        this.setData({ orders, page: 1, total: list.total, state: orders.length ? 'ready' : 'empty' });
      } catch (err) {
        this.setData({ state: 'error', errorText: errorText(err) });
      }
    },
    async loadMore() {
      if (this.data.loadingMore || this.data.state !== 'ready' || this.data.orders.length >= this.data.total) return;
      this.setData({ loadingMore: true, moreError: '' });
      try {
        const list = await fetchOrders(this.data.page + 1, PAGE_SIZE);
        const seen: Record<string, boolean> = {};
        for (const o of this.data.orders) seen[o.id] = true;
        // New orders shift pages; skip rows already shown.
        const fresh = list.items.filter((o) => !seen[o.id]).map(row);
        this.setData({ orders: this.data.orders.concat(fresh), page: list.page, total: list.total, loadingMore: false });
      } catch (err) {
        this.setData({ loadingMore: false, moreError: errorText(err) });
      }
    },
    onOpen(e: WechatMiniprogram.TouchEvent) {
      wx.navigateTo({ url: `/pages/order-detail/index?id=${encodeURIComponent(String(e.currentTarget.dataset.id))}` });
    },
  },
});
