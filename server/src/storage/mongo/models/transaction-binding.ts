// Binds a WeChat transaction id to the one order it paid (`_id` = transaction id, so the binding is unique
// on every MongoDB-protocol server). A platform-signed event that carries an already-bound transaction under
// another order's out_trade_no can then never pay that second order.
import { Schema, type Connection, type Model } from 'mongoose';

export interface TransactionBindingDoc {
  _id: string; // WeChat transaction id
  outTradeNo: string;
  boundAt: Date;
}

const schema = new Schema<TransactionBindingDoc>(
  { _id: { type: String, required: true }, outTradeNo: { type: String, required: true }, boundAt: { type: Date, required: true } },
  { collection: 'transaction_bindings', strict: 'throw', versionKey: false },
);

export type TransactionBindingModel = Model<TransactionBindingDoc>;
export function transactionBindingModel(conn: Connection): TransactionBindingModel {
  return (
    (conn.models.TransactionBinding as TransactionBindingModel | undefined) ??
    conn.model<TransactionBindingDoc>('TransactionBinding', schema)
  );
}

/** Binds `transactionId` to `outTradeNo`; true when it is (now or already) bound to that order, false when to another. */
export async function bindTransaction(Binding: TransactionBindingModel, transactionId: string, outTradeNo: string): Promise<boolean> {
  try {
    await Binding.create({ _id: transactionId, outTradeNo, boundAt: new Date() });
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code !== 11000) throw err;
    const existing = await Binding.findById(transactionId).lean<TransactionBindingDoc>();
    return existing?.outTradeNo === outTradeNo;
  }
}
