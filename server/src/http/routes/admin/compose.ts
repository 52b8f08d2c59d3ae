// Builds the staff side (services, routes, refund lookup for customer views, the refund-sync job) from the
// database, configuration and payment gateway. main.ts and the tests call this one function.
import type Router from '@koa/router';
import type { Connection } from 'mongoose';
import type { Config } from '../../../config';
import type { RefundLookup } from '../../../domain/order-view';
import { PosService } from '../../../domain/pos-charge';
import { RefundService, toRefundView } from '../../../domain/refund-service';
import { StaffAccounts } from '../../../domain/staff-accounts';
import { AuditLog } from '../../../domain/staff-audit';
import { DEFAULT_LOGIN_LIMITS, LoginLimiter, type LoginLimits } from '../../../domain/staff-login-limiter';
import { refundSyncJob } from '../../../jobs/refund-sync';
import type { Job } from '../../../jobs/runner';
import type { Logger } from '../../../logger';
import { auditModel } from '../../../models/audit';
import { loginAttemptModel } from '../../../models/login-attempt';
import { orderModel } from '../../../models/order';
import { refundModel } from '../../../models/refund';
import { refundEventModel } from '../../../models/refund-event';
import { staffUserModel } from '../../../models/staff-user';
import type { PaymentGateway } from '../../../payment-gateway';
import { notifyRefundsRoutes } from '../notify-refunds';
import { adminRoutes } from './index';
import { reportRoutes } from './reports';
import { searchRoutes } from './search';
import { reportSource } from '../../../models/dashboard-queries';
import { orderSearch } from '../../../models/order-search';

export interface StaffSideOptions {
  db: Connection;
  config: Pick<Config, 'JWT_SECRET' | 'STAFF_TOKEN_TTL_SECONDS' | 'CURRENCY'>;
  gateway: PaymentGateway;
  logger: Logger;
  /** Instance id for job claims. */
  owner?: string;
  loginLimits?: LoginLimits;
  refundRetryDelaysMs?: number[];
  refundProcessingCheckMs?: number;
  refundSyncIntervalMs?: number;
  posPollMs?: number[];
}

export interface StaffSide {
  apiRoutes: Router[];
  rawRoutes: Router[];
  refundLookup: RefundLookup;
  jobs: Job[];
  refunds: RefundService;
  accounts: StaffAccounts;
  pos: PosService;
  /** Builds the staff side's indexes (unique requestId / outRefundNo / event id...) before serving. */
  init(): Promise<void>;
}

export function createStaffSide(o: StaffSideOptions): StaffSide {
  const Order = orderModel(o.db);
  const Refund = refundModel(o.db);
  const refunds = new RefundService({
    Order,
    Refund,
    gateway: o.gateway,
    logger: o.logger,
    ...(o.refundRetryDelaysMs ? { retryDelaysMs: o.refundRetryDelaysMs } : {}),
    ...(o.refundProcessingCheckMs !== undefined ? { processingCheckMs: o.refundProcessingCheckMs } : {}),
  });
  const accounts = new StaffAccounts({
    StaffUser: staffUserModel(o.db),
    limiter: new LoginLimiter(loginAttemptModel(o.db), o.loginLimits ?? DEFAULT_LOGIN_LIMITS),
    jwtSecret: o.config.JWT_SECRET,
    tokenTtlSeconds: o.config.STAFF_TOKEN_TTL_SECONDS,
  });
  const pos = new PosService({ Order, gateway: o.gateway, currency: o.config.CURRENCY, logger: o.logger, ...(o.posPollMs ? { pollMs: o.posPollMs } : {}) });
  const audit = new AuditLog(auditModel(o.db));
  const api = adminRoutes({
    db: o.db,
    gateway: o.gateway,
    logger: o.logger,
    jwtSecret: o.config.JWT_SECRET,
    tokenTtlSeconds: o.config.STAFF_TOKEN_TTL_SECONDS,
    currency: o.config.CURRENCY,
    accounts,
    refunds,
    pos,
    audit,
  });
  const raw = notifyRefundsRoutes({ Refund, RefundEvent: refundEventModel(o.db), refunds, gateway: o.gateway });
  const refundLookup: RefundLookup = async (ids) => {
    const m = await refunds.forOrders(ids);
    return new Map([...m].map(([k, v]) => [k, v.map(toRefundView)]));
  };
  const jobs = [refundSyncJob({ Refund, refunds, owner: o.owner ?? `pid-${process.pid}`, ...(o.refundSyncIntervalMs ? { intervalMs: o.refundSyncIntervalMs } : {}) })];
  const init = async () => {
    await Promise.all([Refund.init(), refundEventModel(o.db).init(), staffUserModel(o.db).init(), loginAttemptModel(o.db).init(), auditModel(o.db).init()]);
  };
  // Reports and search first: the staff router's catch-all answers 404 for any path it does not know.
  const extra = [reportRoutes({ source: reportSource(o.db), currency: o.config.CURRENCY, jwtSecret: o.config.JWT_SECRET, StaffUser: staffUserModel(o.db), audit }), searchRoutes({ search: orderSearch(o.db), refundLookup, jwtSecret: o.config.JWT_SECRET, StaffUser: staffUserModel(o.db) })];
  return { apiRoutes: [...extra, api], rawRoutes: [raw], refundLookup, jobs, refunds, accounts, pos, init };
}
