// The tab bar (app.json) is declared with English labels; the tab pages put them in the UI language.
import { messages } from './i18n';

export const SHOP_TAB = '/pages/catalog/index';
export const ORDERS_TAB = '/pages/orders/index';

export function localizeTabBar(): void {
  if (typeof wx.setTabBarItem !== 'function') return;
  const t = messages().tabs;
  const ignore = () => undefined; // not a tab page (or no tab bar): nothing to label
  wx.setTabBarItem({ index: 0, text: t.shop, fail: ignore });
  wx.setTabBarItem({ index: 1, text: t.orders, fail: ignore });
}
