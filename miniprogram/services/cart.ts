// The cart lives in storage: sku -> quantity, plus the idempotency key of the order it will become.
// The key changes whenever the cart changes, and survives a crash between "place order" and its answer,
// so repeating the same order can never create two.
import type { OrderItemInput } from '../../shared/api';

export const CART_STORAGE_KEY = 'cart';

interface StoredCart {
  items: Record<string, number>;
  requestId: string;
}

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 24 characters from [A-Za-z0-9], as CreateOrderRequest.clientRequestId requires (8..64). */
export function newRequestId(): string {
  let id = Date.now().toString(36);
  while (id.length < 24) id += ID_CHARS.charAt(Math.floor(Math.random() * ID_CHARS.length));
  return id;
}

function read(): StoredCart {
  try {
    const s = wx.getStorageSync(CART_STORAGE_KEY) as unknown;
    if (
      s &&
      typeof s === 'object' &&
      typeof (s as StoredCart).requestId === 'string' &&
      (s as StoredCart).items &&
      typeof (s as StoredCart).items === 'object'
    ) {
      return s as StoredCart;
    }
  } catch {
    // unreadable: start empty
  }
  return { items: {}, requestId: newRequestId() };
}

function write(cart: StoredCart): void {
  wx.setStorageSync(CART_STORAGE_KEY, cart);
}

export function cartQuantities(): Record<string, number> {
  return { ...read().items };
}

export function cartCount(): number {
  const items = read().items;
  return Object.keys(items).reduce((n, sku) => n + (items[sku] ?? 0), 0);
}

/** Sets a quantity (0 removes the line). */
export function setQuantity(sku: string, quantity: number): void {
  const cart = read();
  const q = Math.max(0, Math.floor(quantity));
  if ((cart.items[sku] ?? 0) === q) return;
  if (q === 0) delete cart.items[sku];
  else cart.items[sku] = q;
  write({ items: cart.items, requestId: newRequestId() });
}

export function removeSkus(skus: string[]): void {
  const cart = read();
  let changed = false;
  for (const sku of skus) {
    if (sku in cart.items) {
      delete cart.items[sku];
      changed = true;
    }
  }
  if (changed) write({ items: cart.items, requestId: newRequestId() });
}

/** The order request for the current cart. */
export function orderRequest(): { items: OrderItemInput[]; clientRequestId: string } {
  const cart = read();
  const items = Object.keys(cart.items)
    .filter((sku) => (cart.items[sku] ?? 0) > 0)
    .map((sku) => ({ sku, quantity: cart.items[sku] ?? 0 }));
  return { items, clientRequestId: cart.requestId };
}

export function clearCart(): void {
  wx.removeStorageSync(CART_STORAGE_KEY);
}

export interface CartLine {
  sku: string;
  quantity: number;
  unitPrice: number;
  amount: number;
}

export interface CartSummary {
  lines: CartLine[];
  count: number;
  total: number;
}

/**
 * The cart priced with the catalog the backend just answered: line amounts and their total, shown before
 * the order is placed. The order's own total (computed by the backend when it is created) is the one charged.
 * Skus missing from `prices` are left out.
 */
export function priceCart(quantities: Record<string, number>, prices: Record<string, number>): CartSummary {
  const lines: CartLine[] = [];
  for (const sku of Object.keys(quantities)) {
    const quantity = quantities[sku] ?? 0;
    const unitPrice = prices[sku];
    if (quantity <= 0 || unitPrice === undefined) continue;
    lines.push({ sku, quantity, unitPrice, amount: unitPrice * quantity });
  }
  return { lines, count: lines.reduce((n, l) => n + l.quantity, 0), total: lines.reduce((n, l) => n + l.amount, 0) };
}
