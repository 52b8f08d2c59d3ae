// Orders that reached a final state on this instance, for customers waiting to hear it. After the payment sheet
// the Mini Program asks once (GET /api/orders/:id?wait=1) and the answer waits here for the notification
// instead of the Mini Program polling. In memory and bounded: a waiter is a promise and a timer, at most
// `maxWaiters` at once; the recently settled orders are kept a few seconds (at most `maxRecent`) so that a
// question arriving just after the notification is answered without a read. Orders created here are also
// kept (by out_trade_no, a few minutes, bounded) so that their notification needs no read of the order: only
// what never changes (amount, currency, owner) is trusted from memory, since every move is a conditional update
// that re-checks the status in the database. The same orders, by id, let the customer's waiting question start
// waiting without reading the order first.
import type { Order } from './ports/orders';

export interface SettlementWait {
  /** The settled order, or undefined when `ms` passed first (or the wait was cancelled). */
  settled: Promise<Order | undefined>;
  cancel(): void;
}

export class OrderSettlements {
  private readonly waiters = new Map<string, Set<(o: Order | undefined) => void>>();
  private readonly recentOrders = new Map<string, { order: Order; at: number }>();
  private readonly created = new Map<string, { order: Order; at: number }>();
  private readonly createdById = new Map<string, { order: Order; at: number }>();
  private waiting = 0;

  constructor(
    private readonly maxWaiters = 1000,
    private readonly recentMs = 15_000,
    private readonly maxRecent = 5000,
    private readonly createdMs = 10 * 60_000,
  ) {}

  /** An order this instance just created (its notification may come here). */
  createdHere(order: Order): void {
    this.keep(this.created, order.outTradeNo, order, this.createdMs);
    this.keep(this.createdById, order.id, order, this.createdMs);
  }

  /** The order with this out_trade_no as this instance last knew it, if recent: its status may be stale. */
  known(outTradeNo: string): Order | undefined {
    return fresh(this.created, outTradeNo, this.createdMs);
  }

  /** The same, by order id. */
  knownById(id: string): Order | undefined {
    return fresh(this.createdById, id, this.createdMs);
  }

  private keep(map: Map<string, { order: Order; at: number }>, key: string, order: Order, ttlMs: number): void {
    const now = Date.now();
    map.delete(key);
    map.set(key, { order, at: now });
    // Oldest first (insertion order): drop what is too old or beyond the bound.
    for (const [k, r] of map) {
      if (map.size <= this.maxRecent && now - r.at < ttlMs) break;
      map.delete(k);
    }
  }

  /** Called after this instance moved `order` to a final state: wakes whoever waits for it. */
  settled(order: Order): void {
    this.keep(this.recentOrders, order.id, order, this.recentMs);
    if (this.created.has(order.outTradeNo)) this.keep(this.created, order.outTradeNo, order, this.createdMs);
    if (this.createdById.has(order.id)) this.keep(this.createdById, order.id, order, this.createdMs);
    const ws = this.waiters.get(order.id);
    if (ws) for (const w of [...ws]) w(order);
  }

  /** The order as this instance settled it in the last few seconds. */
  recent(id: string): Order | undefined {
    return fresh(this.recentOrders, id, this.recentMs);
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

/** The entry under `key` if it was kept less than `ttlMs` ago. */
function fresh(map: Map<string, { order: Order; at: number }>, key: string, ttlMs: number): Order | undefined {
  const r = map.get(key);
  return r && Date.now() - r.at < ttlMs ? r.order : undefined;
}
