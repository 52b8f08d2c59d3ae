// Orders that reached a final state on this instance, for customers waiting to hear it. After the payment sheet
// the Mini Program asks once (GET /api/orders/:id?wait=1) and the answer waits here for the notification
// instead of the Mini Program polling. In memory and bounded: a waiter is a promise and a timer, at most
// `maxWaiters` at once; the recently settled orders are kept a few seconds (at most `maxRecent`) so that a
// question arriving just after the notification is answered without a read.
import type { Order } from './ports/orders';

export interface SettlementWait {
  /** The settled order, or undefined when `ms` passed first (or the wait was cancelled). */
  settled: Promise<Order | undefined>;
  cancel(): void;
}

export class OrderSettlements {
  private readonly waiters = new Map<string, Set<(o: Order | undefined) => void>>();
  private readonly recentOrders = new Map<string, { order: Order; at: number }>();
  private waiting = 0;

  constructor(
    private readonly maxWaiters = 1000,
    private readonly recentMs = 15_000,
    private readonly maxRecent = 5000,
  ) {}

  /** Called after this instance moved `order` to a final state: wakes whoever waits for it. */
  settled(order: Order): void {
    const now = Date.now();
    this.recentOrders.delete(order.id);
    this.recentOrders.set(order.id, { order, at: now });
    // Oldest first (insertion order): drop what is too old or beyond the bound.
    for (const [id, r] of this.recentOrders) {
      if (this.recentOrders.size <= this.maxRecent && now - r.at < this.recentMs) break;
      this.recentOrders.delete(id);
    }
    const ws = this.waiters.get(order.id);
    if (ws) for (const w of [...ws]) w(order);
  }

  /** The order as this instance settled it in the last few seconds. */
  recent(id: string): Order | undefined {
    const r = this.recentOrders.get(id);
    return r && Date.now() - r.at < this.recentMs ? r.order : undefined;
  }

  /** Waits up to `ms` for `id` to settle here; undefined when too many wait already (the caller must not wait). */
  wait(id: string, ms: number): SettlementWait | undefined {
    if (this.waiting >= this.maxWaiters) return undefined;
    this.waiting++;
    let finish!: (o: Order | undefined) => void;
    const settled = new Promise<Order | undefined>((resolve) => {
      const set = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, set);
      const timer = setTimeout(() => finish(undefined), ms);
      let done = false;
      finish = (o) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.waiting--;
        set.delete(finish);
        if (!set.size && this.waiters.get(id) === set) this.waiters.delete(id);
        resolve(o);
      };
      set.add(finish);
    });
    return { settled, cancel: () => finish(undefined) };
  }

  get size(): number {
    return this.waiting;
  }
}
