// PaymentGateway decorator: times every call to WeChat Pay and counts it by endpoint and outcome (`ok`, or the
// client error's kind: api, timeout, network, signature, invalid_response, ...). Local work (paySign, verifying
// a notification, readiness) is passed through unrecorded.
import type { PaymentGateway } from '../domain/ports/payment-gateway';
import { WechatPayError } from '../domain/ports/payment-gateway';

export interface CallRecorder {
  wechatCall(endpoint: string, outcome: string, seconds: number): void;
}

export function outcomeOf(err: unknown): string {
  return err instanceof WechatPayError ? err.kind : 'error';
}

export function instrumentGateway(gateway: PaymentGateway, recorder: CallRecorder): PaymentGateway {
  const timed = async <T>(endpoint: string, call: () => Promise<T>): Promise<T> => {
    const start = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
    try {
      const result = await call();
      recorder.wechatCall(endpoint, 'ok', seconds());
      return result;
    } catch (err) {
      recorder.wechatCall(endpoint, outcomeOf(err), seconds());
      throw err;
    }
  };
  return {
    get identity() {
      return gateway.identity;
    },
    prepay: (input) => timed('prepay', () => gateway.prepay(input)),
    paymentParams: (prepayId) => gateway.paymentParams(prepayId),
    queryByOutTradeNo: (outTradeNo) => timed('query_order', () => gateway.queryByOutTradeNo(outTradeNo)),
    close: (outTradeNo) => timed('close_order', () => gateway.close(outTradeNo)),
    micropay: (input) => timed('micropay', () => gateway.micropay(input)),
    reverse: (outTradeNo) => timed('reverse', () => gateway.reverse(outTradeNo)),
    refund: (req) => timed('refund', () => gateway.refund(req)),
    queryRefund: (outRefundNo) => timed('query_refund', () => gateway.queryRefund(outRefundNo)),
    listRefunds: (req) => timed('list_refunds', () => gateway.listRefunds(req)),
    statement: (date) => timed('statement', () => gateway.statement(date)),
    settlements: (query) => timed('settlements', () => gateway.settlements(query)),
    parseNotification: (headers, raw) => gateway.parseNotification(headers, raw),
    ready: () => gateway.ready(),
  };
}
