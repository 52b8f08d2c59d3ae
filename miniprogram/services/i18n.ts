// UI text in zh-HK and English, chosen from the system language (Chinese -> zh-HK, else English).
import type { RefundStatus } from '../../shared/api';
import type { OrderDisplayStatus } from './order-status';
import type { ErrorCode } from '../../shared/errors';

export type Lang = 'zh-HK' | 'en';

/** Codes of failures that happen on the phone rather than at the backend. */
export type ClientErrorCode = 'NETWORK' | 'TIMEOUT' | 'LOGIN_FAILED' | 'BAD_RESPONSE' | 'UNKNOWN';

/** Forms of a counted phrase; "{n}" is replaced by the number (see `countText`). */
export interface Plural {
  one: string;
  other: string;
}

export interface Messages {
  common: { loading: string; retry: string; error: string; refresh: string; items: Plural; status: string };
  tabs: { shop: string; orders: string };
  errors: Record<ErrorCode | ClientErrorCode, string>;
  orderStatus: Record<OrderDisplayStatus, string>;
  refundStatus: Record<RefundStatus, string>;
  catalog: { title: string; empty: string; checkout: string; addOne: string; removeOne: string; cartEmpty: string; total: string };
  checkout: {
    title: string;
    empty: string;
    browse: string;
    remove: string;
    unitPrice: string;
    total: string;
    totalNote: string;
    placeOrder: string;
    placing: string;
    unavailable: string;
  };
  pay: {
    title: string;
    orderNo: string;
    total: string;
    expiresAt: string;
    payNow: string;
    paying: string;
    cancelled: string;
    sandboxNote: string;
  };
  result: {
    title: string;
    checking: string;
    paid: string;
    paidHint: string;
    pending: string;
    pendingHint: string;
    notCompleted: string;
    notCompletedHint: string;
    failed: string;
    failedHint: string;
    cancelled: string;
    cancelledHint: string;
    viewOrder: string;
    backToShop: string;
    payAgain: string;
    orderAgain: string;
    orderingAgain: string;
    amount: string;
  };
  orders: { title: string; empty: string; loadMore: string; noMore: string };
  detail: {
    title: string;
    orderNo: string;
    status: string;
    items: string;
    createdAt: string;
    paidAt: string;
    amountPaid: string;
    total: string;
    refunds: string;
    noRefunds: string;
    refundedTotal: string;
    refundedAt: string;
    pay: string;
    orderAgain: string;
    /** What the wallet was charged: {amount} (e.g. CNY 46.20) and {rate}. */
    charged: string;
    chargedAt: string;
    /** A WeChat Pay promotion: {amount} off. */
    discount: string;
    discountAmount: string;
  };
  cashier: {
    title: string;
    banner: string;
    merchant: string;
    amount: string;
    pay: string;
    cancel: string;
    fail: string;
    noPayment: string;
    working: string;
  };
}

const en: Messages = {
  common: {
    loading: 'Loading…',
    retry: 'Try again',
    error: 'Something went wrong',
    refresh: 'Refresh',
    items: { one: '{n} item', other: '{n} items' },
    status: 'Status',
  },
  tabs: { shop: 'Shop', orders: 'My orders' },
  errors: {
    VALIDATION_FAILED: 'Some details are not valid. Please check and try again.',
    INVALID_JSON: 'The request could not be read. Please try again.',
    UNAUTHENTICATED: 'Please sign in again.',
    TOKEN_EXPIRED: 'Your session has expired. Please sign in again.',
    FORBIDDEN: 'You are not allowed to do this.',
    NOT_FOUND: 'Not found.',
    ORDER_NOT_FOUND: 'This order could not be found.',
    REFUND_NOT_FOUND: 'This refund could not be found.',
    PRODUCT_NOT_FOUND: 'A product in your cart is no longer available.',
    // Staff-only (the shop's tills): never answered to the Mini Program, but every code has its sentence.
    TILL_NOT_FOUND: 'Something went wrong. Please try again.',
    TILL_DISABLED: 'Something went wrong. Please try again.',
    TILL_REQUIRED: 'Something went wrong. Please try again.',
    METHOD_NOT_ALLOWED: 'Something went wrong. Please update the app and try again.',
    CONFLICT: 'This changed in the meantime. Please refresh.',
    DUPLICATE: 'This was already done.',
    ORDER_NOT_PAYABLE: 'This order can no longer be paid.',
    ORDER_NOT_CLOSABLE: 'This order can no longer be cancelled.',
    ORDER_CLOSE_TOO_SOON: 'This order cannot be cancelled in its first 5 minutes. Please try again shortly.',
    ORDER_NOT_REFUNDABLE: 'This order cannot be refunded.',
    REFUND_EXCEEDS_BALANCE: 'The refund is larger than the amount left to refund.',
    REFUND_NOT_AWAITING_STAFF: 'This refund has already been handled.',
    REFUND_ACCEPTED_AT_WECHAT: 'WeChat Pay is already processing this refund.',
    IDEMPOTENCY_MISMATCH: 'Your cart changed while the order was being placed. Please try again.',
    PAYLOAD_TOO_LARGE: 'Too many items in one order.',
    UNSUPPORTED_MEDIA_TYPE: 'The request could not be read. Please try again.',
    TOO_MANY_REQUESTS: 'Too many attempts. Please wait a moment and try again.',
    INTERNAL: 'The shop had a problem. Please try again later.',
    PAYMENT_PROVIDER_ERROR: 'WeChat Pay had a problem. Please try again.',
    PAYMENT_PROVIDER_UNAVAILABLE: 'WeChat Pay is not available right now. Please try again later.',
    SERVICE_UNAVAILABLE: 'The shop is not available right now. Please try again later.',
    NETWORK: 'No connection to the shop. Check your network and try again.',
    TIMEOUT: 'The shop took too long to answer. Please try again.',
    LOGIN_FAILED: 'Could not sign you in with WeChat. Please try again.',
    BAD_RESPONSE: 'The shop sent an answer we could not read. Please try again.',
    UNKNOWN: 'Something went wrong. Please try again.',
  },
  orderStatus: {
    PENDING: 'Awaiting payment',
    PAID: 'Paid',
    PARTIALLY_REFUNDED: 'Partially refunded',
    REFUNDED: 'Refunded',
    CLOSED: 'Cancelled',
    FAILED: 'Payment failed',
  },
  refundStatus: {
    PENDING: 'Requested',
    PROCESSING: 'Processing',
    SUCCESS: 'Refunded',
    CLOSED: 'Closed',
    ABNORMAL: 'Needs attention',
    FAILED: 'Failed',
  },
  catalog: {
    title: 'Shop',
    empty: 'No products yet.',
    checkout: 'Checkout',
    addOne: 'Add one {name}',
    removeOne: 'Remove one {name}',
    cartEmpty: 'Your cart is empty',
    total: 'Total',
  },
  checkout: {
    title: 'Cart',
    empty: 'Your cart is empty.',
    browse: 'Browse products',
    remove: 'Remove',
    unitPrice: 'each',
    total: 'Total',
    totalNote: 'Prices are confirmed by the shop when you place the order.',
    placeOrder: 'Place order',
    placing: 'Placing order…',
    unavailable: 'Some products are no longer available and were removed.',
  },
  pay: {
    title: 'Payment',
    orderNo: 'Order no.',
    total: 'Total',
    expiresAt: 'Pay before',
    payNow: 'Pay with WeChat Pay',
    paying: 'Paying…',
    cancelled: 'Payment cancelled. You can pay whenever you are ready.',
    sandboxNote: 'Sandbox: no real money moves.',
  },
  result: {
    title: 'Payment result',
    checking: 'Checking the payment with the shop…',
    paid: 'Payment successful',
    paidHint: 'Thank you. Your order is confirmed.',
    pending: 'Payment not confirmed yet',
    pendingHint: 'WeChat Pay has not confirmed this payment yet. Refresh in a moment.',
    notCompleted: 'Payment not completed',
    notCompletedHint: 'WeChat Pay did not take the payment. You can pay this order again.',
    failed: 'Payment failed',
    failedHint: 'No money was taken. This order can no longer be paid; you can order the same items again.',
    cancelled: 'Order cancelled',
    cancelledHint: 'This order was closed without payment.',
    viewOrder: 'View order',
    backToShop: 'Back to shop',
    payAgain: 'Pay again',
    orderAgain: 'Order again',
    orderingAgain: 'Placing a new order…',
    amount: 'Amount',
  },
  orders: { title: 'My orders', empty: 'No orders yet.', loadMore: 'Load more', noMore: 'No more orders' },
  detail: {
    title: 'Order',
    orderNo: 'Order no.',
    status: 'Status',
    items: 'Items',
    createdAt: 'Ordered at',
    paidAt: 'Paid at',
    amountPaid: 'Amount paid',
    total: 'Total',
    refunds: 'Refunds',
    noRefunds: 'No refunds',
    refundedTotal: 'Refunded',
    refundedAt: 'Refunded at',
    pay: 'Pay now',
    orderAgain: 'Order again',
    charged: 'charged {amount}',
    chargedAt: 'charged {amount} at {rate}',
    discount: 'Discount',
    discountAmount: '-{amount}',
  },
  cashier: {
    title: 'Sandbox cashier',
    banner: 'Sandbox: this stands in for the WeChat Pay sheet. No real money moves.',
    merchant: 'Merchant',
    amount: 'Amount',
    pay: 'Pay',
    cancel: 'Cancel',
    fail: 'Simulate a failure',
    noPayment: 'No payment is waiting here.',
    working: 'Working…',
  },
};

const zhHK: Messages = {
  common: {
    loading: '載入中…',
    retry: '重試',
    error: '發生錯誤',
    refresh: '重新整理',
    items: { one: '{n} 件商品', other: '{n} 件商品' },
    status: '狀態',
  },
  tabs: { shop: '商店', orders: '我的訂單' },
  errors: {
    VALIDATION_FAILED: '部分資料無效，請檢查後再試。',
    INVALID_JSON: '無法讀取請求，請再試一次。',
    UNAUTHENTICATED: '請重新登入。',
    TOKEN_EXPIRED: '登入已逾時，請重新登入。',
    FORBIDDEN: '你沒有權限進行此操作。',
    NOT_FOUND: '找不到資料。',
    ORDER_NOT_FOUND: '找不到此訂單。',
    REFUND_NOT_FOUND: '找不到此退款。',
    PRODUCT_NOT_FOUND: '購物車內有商品已下架。',
    TILL_NOT_FOUND: '出現問題，請再試一次。',
    TILL_DISABLED: '出現問題，請再試一次。',
    TILL_REQUIRED: '出現問題，請再試一次。',
    METHOD_NOT_ALLOWED: '發生錯誤，請更新程式後再試。',
    CONFLICT: '資料已有變更，請重新整理。',
    DUPLICATE: '此操作已完成。',
    ORDER_NOT_PAYABLE: '此訂單已無法付款。',
    ORDER_NOT_CLOSABLE: '此訂單已無法取消。',
    ORDER_CLOSE_TOO_SOON: '訂單建立後 5 分鐘內無法取消，請稍後再試。',
    ORDER_NOT_REFUNDABLE: '此訂單無法退款。',
    REFUND_EXCEEDS_BALANCE: '退款金額超過可退款餘額。',
    REFUND_NOT_AWAITING_STAFF: '此退款已經處理。',
    REFUND_ACCEPTED_AT_WECHAT: '微信支付已在處理此退款。',
    IDEMPOTENCY_MISMATCH: '下單期間購物車有變更，請再試一次。',
    PAYLOAD_TOO_LARGE: '一張訂單內的商品太多。',
    UNSUPPORTED_MEDIA_TYPE: '無法讀取請求，請再試一次。',
    TOO_MANY_REQUESTS: '嘗試次數過多，請稍後再試。',
    INTERNAL: '商店發生問題，請稍後再試。',
    PAYMENT_PROVIDER_ERROR: '微信支付發生問題，請再試一次。',
    PAYMENT_PROVIDER_UNAVAILABLE: '微信支付暫時無法使用，請稍後再試。',
    SERVICE_UNAVAILABLE: '商店暫時無法使用，請稍後再試。',
    NETWORK: '無法連線到商店，請檢查網絡後再試。',
    TIMEOUT: '商店回應逾時，請再試一次。',
    LOGIN_FAILED: '無法以微信登入，請再試一次。',
    BAD_RESPONSE: '無法讀取商店的回應，請再試一次。',
    UNKNOWN: '發生錯誤，請再試一次。',
  },
  orderStatus: {
    PENDING: '待付款',
    PAID: '已付款',
    PARTIALLY_REFUNDED: '部分退款',
    REFUNDED: '已退款',
    CLOSED: '已取消',
    FAILED: '付款失敗',
  },
  refundStatus: { PENDING: '已申請', PROCESSING: '處理中', SUCCESS: '已退款', CLOSED: '已關閉', ABNORMAL: '需人工處理', FAILED: '失敗' },
  catalog: {
    title: '商店',
    empty: '暫時未有商品。',
    checkout: '結帳',
    addOne: '加一件{name}',
    removeOne: '減一件{name}',
    cartEmpty: '購物車是空的',
    total: '合計',
  },
  checkout: {
    title: '購物車',
    empty: '購物車是空的。',
    browse: '瀏覽商品',
    remove: '移除',
    unitPrice: '每件',
    total: '合計',
    totalNote: '下單時由商店確認價格。',
    placeOrder: '下單',
    placing: '下單中…',
    unavailable: '部分商品已下架，已從購物車移除。',
  },
  pay: {
    title: '付款',
    orderNo: '訂單編號',
    total: '總額',
    expiresAt: '請於此時間前付款',
    payNow: '使用微信支付',
    paying: '付款中…',
    cancelled: '已取消付款，你可以稍後再付款。',
    sandboxNote: '沙盒模式：不會涉及真實金錢。',
  },
  result: {
    title: '付款結果',
    checking: '正在向商店確認付款…',
    paid: '付款成功',
    paidHint: '多謝惠顧，你的訂單已確認。',
    pending: '付款尚未確認',
    pendingHint: '微信支付尚未確認此付款，請稍後重新整理。',
    notCompleted: '付款未完成',
    notCompletedHint: '微信支付未有收款，你可以再次為此訂單付款。',
    failed: '付款失敗',
    failedHint: '未有扣款。此訂單已無法付款，你可以用相同商品重新下單。',
    cancelled: '訂單已取消',
    cancelledHint: '此訂單未付款並已關閉。',
    viewOrder: '查看訂單',
    backToShop: '返回商店',
    payAgain: '再次付款',
    orderAgain: '重新下單',
    orderingAgain: '正在重新下單…',
    amount: '金額',
  },
  orders: { title: '我的訂單', empty: '暫時未有訂單。', loadMore: '載入更多', noMore: '沒有更多訂單' },
  detail: {
    title: '訂單',
    orderNo: '訂單編號',
    status: '狀態',
    items: '商品',
    createdAt: '下單時間',
    paidAt: '付款時間',
    amountPaid: '已付金額',
    total: '總額',
    refunds: '退款',
    noRefunds: '沒有退款',
    refundedTotal: '已退款',
    refundedAt: '退款時間',
    pay: '立即付款',
    orderAgain: '重新下單',
    charged: '實際扣款 {amount}',
    chargedAt: '實際扣款 {amount}（匯率 {rate}）',
    discount: '優惠',
    discountAmount: '-{amount}',
  },
  cashier: {
    title: '沙盒收銀台',
    banner: '沙盒模式：此頁代替微信支付視窗，不會涉及真實金錢。',
    merchant: '商戶',
    amount: '金額',
    pay: '付款',
    cancel: '取消',
    fail: '模擬付款失敗',
    noPayment: '這裡沒有待付款的交易。',
    working: '處理中…',
  },
};

const MESSAGES: Record<Lang, Messages> = { 'zh-HK': zhHK, en };

/** The system language as WeChat reports it ("zh_HK", "zh_CN", "en"...). */
function systemLanguage(): string {
  try {
    if (typeof wx.getAppBaseInfo === 'function') return wx.getAppBaseInfo().language ?? '';
    return wx.getSystemInfoSync().language ?? '';
  } catch {
    return '';
  }
}

export function langFrom(systemLang: string): Lang {
  return /^zh/i.test(systemLang) ? 'zh-HK' : 'en';
}

export function currentLang(): Lang {
  return langFrom(systemLanguage());
}

export function messages(lang: Lang = currentLang()): Messages {
  return MESSAGES[lang];
}

/** Picks the product or order item name in the UI language. */
export function localized(text: { 'zh-HK': string; en: string }, lang: Lang = currentLang()): string {
  return text[lang] || text.en || text['zh-HK'];
}

/** "1 item", "3 items": the language's form for `n` ("{n}" in the form is the number). */
export function countText(n: number, forms: Plural): string {
  return (n === 1 ? forms.one : forms.other).replace('{n}', String(n));
}

/** Fills "{name}"-style placeholders. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (all, key: string) => (key in values ? String(values[key]) : all));
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** "2026-11-23 18:40" in the phone's time zone; "" for a missing or invalid date. */
export function formatDateTime(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
