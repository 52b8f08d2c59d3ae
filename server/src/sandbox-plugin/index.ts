// What only a sandbox deployment mounts (SANDBOX=true): the Mini Program's stand-in for WeChat's payment sheet
// and test-user login codes. The production app never sees these routes; the composition root adds them.
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { OrderService } from '../domain/order-service';
import { sandboxCashierRoutes } from './cashier';
import { sandboxLoginRoutes } from './login-code';

export interface SandboxPluginOptions {
  orders: OrderService;
  requireCustomer: Middleware;
  /** The sandbox's WeChat Pay base URL (its cashier) and its WeChat API base URL (login codes). */
  sandboxBaseUrl: string;
  wechatApiBaseUrl: string;
  appid: string;
  timeoutMs: number;
}

export function sandboxPlugin(deps: SandboxPluginOptions): Router[] {
  return [
    sandboxCashierRoutes({
      orders: deps.orders,
      requireCustomer: deps.requireCustomer,
      sandboxBaseUrl: deps.sandboxBaseUrl,
      timeoutMs: deps.timeoutMs,
    }),
    sandboxLoginRoutes({ wechatApiBaseUrl: deps.wechatApiBaseUrl, appid: deps.appid, timeoutMs: deps.timeoutMs }),
  ];
}
