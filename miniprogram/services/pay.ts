// Paying: WeChat's payment sheet (wx.requestPayment) or, when the backend runs against the sandbox,
// the sandbox cashier page standing in for it. Either way the outcome is only what the customer did
// in the sheet: the order's real state must then be asked from the backend.
import type { CreateOrderResponse, PaymentParams } from '../../shared/api';

export type PayOutcome = 'ok' | 'cancel' | 'fail';

export const SANDBOX_CASHIER_PAGE = '/pages/sandbox-cashier/index';

/** Maps a requestPayment errMsg: "requestPayment:fail cancel" is the customer closing the sheet. */
export function outcomeOf(errMsg: string): PayOutcome {
  if (/:ok$/.test(errMsg)) return 'ok';
  if (/fail[ _]?cancel/i.test(errMsg)) return 'cancel';
  return 'fail';
}

export function wechatPayment(params: PaymentParams): Promise<PayOutcome> {
  return new Promise((resolve) => {
    wx.requestPayment({
      timeStamp: params.timeStamp,
      nonceStr: params.nonceStr,
      package: params.package,
      signType: params.signType,
      paySign: params.paySign,
      success: () => resolve('ok'),
      fail: (err) => resolve(outcomeOf(err.errMsg)),
    });
  });
}

export interface PendingSandboxPayment {
  orderId: string;
  payment: PaymentParams;
  settle(outcome: PayOutcome): void;
}

let pendingSandbox: PendingSandboxPayment | null = null;

/** Opens the sandbox cashier page and resolves when the customer leaves it. */
export function sandboxPayment(orderId: string, payment: PaymentParams): Promise<PayOutcome> {
  // A sheet left open by an earlier attempt counts as cancelled.
  pendingSandbox?.settle('cancel');
  return new Promise((resolve) => {
    const entry: PendingSandboxPayment = {
      orderId,
      payment,
      settle: (outcome) => {
        if (pendingSandbox === entry) pendingSandbox = null;
        resolve(outcome);
      },
    };
    pendingSandbox = entry;
    wx.navigateTo({
      url: `${SANDBOX_CASHIER_PAGE}?orderId=${encodeURIComponent(orderId)}`,
      fail: () => entry.settle('fail'),
    });
  });
}

/** The sandbox payment waiting for the cashier page, if it is for this order. */
export function pendingSandboxPayment(orderId: string): PendingSandboxPayment | null {
  return pendingSandbox && pendingSandbox.orderId === orderId ? pendingSandbox : null;
}

export function payOrder(orderId: string, payment: PaymentParams, sandbox: boolean): Promise<PayOutcome> {
  return sandbox ? sandboxPayment(orderId, payment) : wechatPayment(payment);
}

/**
 * The order answer of checkout (POST /api/orders already prepaid and signed), handed to the pay page so the
 * first payment needs no second call. Used once; a later attempt asks POST /api/orders/:id/pay.
 */
const HANDOFF_MAX_AGE_MS = 10 * 60_000;
let handed: { answer: CreateOrderResponse; at: number } | null = null;

export function handOffPayment(answer: CreateOrderResponse): void {
  handed = { answer, at: Date.now() };
}

/** The checkout answer for this order, if it is fresh; `take` uses it up. */
export function handedPayment(orderId: string, take = false): CreateOrderResponse | null {
  const h = handed;
  if (!h || h.answer.order.id !== orderId || Date.now() - h.at > HANDOFF_MAX_AGE_MS) return null;
  if (take) handed = null;
  return h.answer;
}
