// Direct reads of the backend's database for invariant checks: collection counts, a hash of the state-bearing
// fields of orders and refunds (so "database unchanged" and "0 state changes" are checked, not assumed).
import { createHash } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';

/** Fields whose change is a state change (`flagged`, `wxTradeState` as the pending-order job refreshes it, and
 * job timestamps are not). */
const ORDER_STATE_FIELDS = [
  'status',
  'transactionId',
  'paidAt',
  'total',
  'currency',
  'refundable',
  'refundReserved',
  'refunded',
  'refundCount',
  'closedAt',
];

export interface DbSnapshot {
  counts: Record<string, number>;
  ordersHash: string;
  refundsHash: string;
  /** id -> state fields, to name what changed. */
  orders: Map<string, Record<string, unknown>>;
  /** refund id -> its order id and state. */
  refunds: Map<string, { orderId: string; state: string }>;
}

export class CampaignDb {
  private constructor(readonly conn: Connection) {}

  static async open(uri: string): Promise<CampaignDb> {
    const conn = await mongoose.createConnection(uri, { maxPoolSize: 8 }).asPromise();
    return new CampaignDb(conn);
  }

  collection(name: string) {
    return this.conn.collection(name);
  }

  async collectionNames(): Promise<string[]> {
    const list = await this.conn.db!.listCollections({}, { nameOnly: true }).toArray();
    return list.map((c) => c.name).sort();
  }

  /** The first collection whose name matches `re` (names are chosen by the models, e.g. `paymentevents`). */
  async findCollection(re: RegExp): Promise<string | undefined> {
    return (await this.collectionNames()).find((n) => re.test(n));
  }

  async orders(filter: Record<string, unknown> = {}): Promise<Record<string, unknown>[]> {
    return this.collection('orders').find(filter).toArray();
  }

  async snapshot(): Promise<DbSnapshot> {
    const counts: Record<string, number> = {};
    for (const name of await this.collectionNames()) counts[name] = await this.collection(name).countDocuments({});
    const hash = async (name: string, fields?: string[]) => {
      const h = createHash('sha256');
      const docs = await this.collection(name).find({}).sort({ _id: 1 }).toArray();
      for (const d of docs) {
        const picked = fields ? Object.fromEntries(fields.map((f) => [f, d[f]])) : d;
        h.update(JSON.stringify([String(d._id), picked]));
      }
      return h.digest('hex').slice(0, 16);
    };
    const refunds = await this.findCollection(/^refunds$/);
    const orders = new Map<string, Record<string, unknown>>();
    for (const d of await this.collection('orders').find({}).toArray()) {
      orders.set(
        String(d._id),
        Object.fromEntries(ORDER_STATE_FIELDS.map((f) => [f, d[f] instanceof Date ? (d[f] as Date).toISOString() : d[f]])),
      );
    }
    const refundDocs = new Map<string, { orderId: string; state: string }>();
    if (refunds) {
      for (const d of await this.collection(refunds).find({}).toArray()) {
        refundDocs.set(String(d._id), {
          orderId: String(d.orderId),
          state: JSON.stringify([d.status, d.amount, d.reserved, d.settled, d.refundId]),
        });
      }
    }
    return {
      counts,
      ordersHash: await hash('orders', ORDER_STATE_FIELDS),
      refundsHash: refunds ? await hash(refunds) : 'none',
      orders,
      refunds: refundDocs,
    };
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
}

/**
 * Human-readable differences between two snapshots ([] when equal). With `onlyOrders`, changes to existing
 * orders outside that set (and to their refunds) are left out: earlier work settling in the background (a
 * refund notification arriving) is not the change being looked for. New orders and refunds always count.
 */
export function diffSnapshots(a: DbSnapshot, b: DbSnapshot, ignoreCollections: RegExp = /^$/, onlyOrders?: Set<string>): string[] {
  const out: string[] = [];
  const watched = (orderId: string) => !onlyOrders || onlyOrders.has(orderId) || !a.orders.has(orderId);
  const changed: string[] = [];
  for (const [id, after] of b.orders) {
    const before = a.orders.get(id);
    if (!before) {
      changed.push(`order ${id} created`);
      continue;
    }
    if (!watched(id)) continue;
    for (const f of Object.keys(after)) {
      if (JSON.stringify(before[f]) !== JSON.stringify(after[f]))
        changed.push(`order ${id} ${f}: ${JSON.stringify(before[f])} -> ${JSON.stringify(after[f])}`);
    }
  }
  if (changed.length)
    out.push(`orders changed (${changed.slice(0, 4).join('; ')}${changed.length > 4 ? `; +${changed.length - 4} more` : ''})`);
  const refundChanges: string[] = [];
  for (const [id, after] of b.refunds) {
    const before = a.refunds.get(id);
    if (!before) refundChanges.push(`refund ${id} created for order ${after.orderId}`);
    else if (watched(after.orderId) && before.state !== after.state) refundChanges.push(`refund ${id} ${before.state} -> ${after.state}`);
  }
  if (refundChanges.length) out.push(`refunds changed (${refundChanges.slice(0, 3).join('; ')})`);
  const skip = (name: string) => ignoreCollections.test(name) || name === 'orders' || name === 'refunds';
  for (const name of new Set([...Object.keys(a.counts), ...Object.keys(b.counts)])) {
    if (skip(name)) continue;
    if ((a.counts[name] ?? 0) !== (b.counts[name] ?? 0)) out.push(`${name}: ${a.counts[name] ?? 0} -> ${b.counts[name] ?? 0} documents`);
  }
  return out;
}
