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
    if (s && typeof s === 'object' && typeof (s as StoredCart).requestId === 'string' && (s as StoredCart).items && typeof (s as StoredCart).items === 'object') {
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
