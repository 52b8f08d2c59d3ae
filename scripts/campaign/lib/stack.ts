// What the campaign needs from a running stack (backend process + sandbox process + database). The adapter
// in ./start-stack builds it from the project's test support; scenarios see only this interface.
import type { PlatformSigner } from './notifications';

export interface MerchantView {
  mchid: string;
  appid: string;
  apiV3Key: string;
  serial: string;
  privateKeyPem: string;
}

export interface CampaignStack {
  backendUrl: string;
  sandboxUrl: string;
  /** The backend's database (for snapshots and invariant checks). */
  dbUri: string;
  jwtSecret: string;
  notifyTransactionsPath: string;
  notifyRefundsPath: string;
  /** The merchant the backend is configured as. */
  merchant: MerchantView;
  /** Another merchant known to the sandbox (not ours). */
  otherMerchant: { mchid: string; appid: string };
  /** The sandbox's platform signing key and its certificate serial. */
  platform: PlatformSigner;
  /** A customer bearer token for `user` (wx.login code from the sandbox, then POST /api/auth/login). */
  loginCustomer(user: string): Promise<string>;
  /** A staff bearer token with `role`. */
  staffToken(role: 'admin' | 'cashier' | 'viewer'): Promise<string>;
  /** Pays the order at the sandbox's cashier, as the customer `user` would. */
  payInSandbox(user: string, order: { id: string; outTradeNo: string }, payment: Record<string, unknown>): Promise<void>;
  /** Sandbox admin: POST /sandbox/faults; DELETE resets. */
  setFaults(body: { rates?: Record<string, number>; delay_ms?: number; arm?: unknown[] } | 'reset'): Promise<void>;
  /** The sandbox's view of an order (transaction fields, `refundable`), or undefined. */
  sandboxOrder(outTradeNo: string): Promise<Record<string, unknown> | undefined>;
  /** All refunds of an order at the sandbox (signed APIv3 call). */
  sandboxRefunds(outTradeNo: string): Promise<Array<{ out_refund_no: string; status: string; amount: { refund: number } }>>;
  /** Starts one more backend instance on the same database and sandbox (another port). */
  addBackend(env?: Record<string, string>): Promise<{ url: string; stop(): Promise<void> }>;
  backendAlive(): boolean;
  killBackend(): Promise<void>;
  restartBackend(): Promise<void>;
  stop(): Promise<void>;
}
