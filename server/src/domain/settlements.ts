// Settlement batches from WeChat Pay, in the API's shape, a page at a time.
import type { Settlement, SettlementList } from '../../../shared/api';
import { providerError } from './order-service';
import { isWechatPayError, type PaymentGateway } from './ports/payment-gateway';

export const SETTLEMENT_PAGE_SIZE = 10;

export interface SettlementQueryInput {
  state: 'SETTLED' | 'UNSETTLE';
  from?: string;
  to?: string;
  page: number;
}

export async function querySettlements(gateway: PaymentGateway, q: SettlementQueryInput): Promise<SettlementList> {
  let list;
  try {
    list = await gateway.settlements({
      settle_state: q.state,
      ...(q.state === 'SETTLED' ? { settle_start_date: q.from, settle_end_date: q.to } : {}),
      limit: SETTLEMENT_PAGE_SIZE,
      offset: (q.page - 1) * SETTLEMENT_PAGE_SIZE,
    });
  } catch (err) {
    // WeChat Pay answers RESOURCE_NOT_EXISTS when no batch matches: that is an empty page, not a failure.
    if (isWechatPayError(err, 'RESOURCE_NOT_EXISTS')) return { items: [], total: 0 };
    throw providerError(err, 'could not query settlements at WeChat Pay');
  }
  const items: Settlement[] = list.data.map((s) => {
    const out: Settlement = {
      batchId: s.batch_id,
      settled: q.state === 'SETTLED',
      amount: { currency: s.amount.currency, settled: s.amount.settled, unsettle: s.amount.unsettle },
    };
    if (s.settlement_date) out.settlementDate = s.settlement_date;
    if (s.trade_start_date) out.tradeStartDate = s.trade_start_date;
    if (s.trade_end_date) out.tradeEndDate = s.trade_end_date;
    for (const k of ['pay', 'refund', 'net', 'fee'] as const) if (s.amount[k] !== undefined) out.amount[k] = s.amount[k];
    if (s.wallet_region) out.walletRegion = s.wallet_region;
    if (s.split_amount) {
      const sp = s.split_amount;
      out.splitAmount = { currency: sp.currency, settled: sp.settled, unsettle: sp.unsettle };
      if (sp.pay !== undefined) out.splitAmount.pay = sp.pay;
      if (sp.refund !== undefined) out.splitAmount.refund = sp.refund;
    }
    return out;
  });
  return { items, total: list.total_count ?? items.length };
}
