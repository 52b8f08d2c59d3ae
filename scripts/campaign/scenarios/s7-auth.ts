// 7. Auth: customer A reading, paying or refunding B's order; a customer token on every staff route; a viewer
// refunding; expired, tampered, alg:none, wrong-audience... tokens on customer and staff routes. Invariants:
// every such request answered 401/403 (404 accepted where a customer asks for an order that is not theirs: it
// does not reveal that the order exists), A's order list never shows B's order, and no state change.
import type { OrderList } from '../../../shared/api';
import { CampaignDb, diffSnapshots } from '../lib/database';
import { loginUsers, payOrders, placeOrders } from '../lib/fixtures';
import { HttpClient } from '../lib/http';
import { Invariants, type Scenario, type ScenarioResult } from '../lib/scenario';
import { waitFor } from '../lib/shop';
import { badTokens } from '../lib/tokens';

interface Probe {
  what: string;
  method: string;
  path: string;
  token?: string;
  body?: unknown;
  allowed: number[];
}

const DENIED = [401, 403];

export const auth: Scenario = {
  id: 7,
  name: 'auth',
  budgetMs: (short) => (short ? 45_000 : 120_000),
  async run(ctx): Promise<ScenarioResult> {
    const { stack } = ctx;
    const http = new HttpClient(stack.backendUrl, { timeoutMs: 60_000 });
    const db = await CampaignDb.open(stack.dbUri);
    const inv = new Invariants();
    try {
      const [a, b] = await loginUsers(stack, 'auth', 2);
      const [orderA] = await placeOrders(http, stack, [a!], 1, 'auth-a', 1);
      const [orderB, paidB] = await placeOrders(http, stack, [b!], 2, 'auth-b', 1);
      await payOrders(stack, [paidB!]);
      await waitFor(async () => (await db.orders({ outTradeNo: paidB!.outTradeNo }))[0]?.status === 'PAID', 20_000);
      const admin = await stack.staffToken('admin');
      const viewer = await stack.staffToken('viewer');
      const openidB = String((await db.orders({ outTradeNo: orderB!.outTradeNo }))[0]?.customerOpenid ?? 'unknown');

      const probes: Probe[] = [];
      const add = (p: Probe) => probes.push(p);
      for (const target of [orderB!, paidB!]) {
        add({ what: 'A reads B', method: 'GET', path: `/api/orders/${target.id}`, token: a!.token, allowed: [...DENIED, 404] });
        add({
          what: 'A pays B',
          method: 'POST',
          path: `/api/orders/${target.id}/pay`,
          token: a!.token,
          body: {},
          allowed: [...DENIED, 404],
        });
        add({
          what: 'A cashier B',
          method: 'POST',
          path: '/api/sandbox/cashier',
          token: a!.token,
          body: { orderId: target.id, payment: target.payment, action: 'pay' },
          allowed: [...DENIED, 404],
        });
        add({
          what: 'A refunds B',
          method: 'POST',
          path: `/api/admin/orders/${target.id}/refunds`,
          token: a!.token,
          body: { amount: 1, requestId: `auth-refund-${target.id}`.slice(0, 64) },
          allowed: DENIED,
        });
        add({
          what: 'viewer refunds',
          method: 'POST',
          path: `/api/admin/orders/${target.id}/refunds`,
          token: viewer,
          body: { amount: 1, requestId: `auth-viewer-${target.id}`.slice(0, 64) },
          allowed: DENIED,
        });
      }
      const staffRoutes: [string, string, unknown?][] = [
        ['GET', '/api/admin/orders'],
        ['GET', `/api/admin/orders/${paidB!.id}`],
        ['GET', `/api/admin/refunds/${paidB!.id}`],
        ['POST', `/api/admin/orders/${paidB!.id}/refunds`, { amount: 1, requestId: 'auth-staff-route-1' }],
        ['POST', `/api/admin/orders/${orderB!.id}/close`, {}],
        ['POST', '/api/admin/pos/charge', { authCode: '134567890123456789', amount: 1, description: 'x', requestId: 'auth-pos-0001' }],
        ['GET', '/api/admin/statements/20260101'],
        ['GET', '/api/admin/settlements?state=UNSETTLE'],
      ];
      for (const [method, path, body] of staffRoutes) {
        add({ what: 'customer token on staff route', method, path, token: a!.token, body, allowed: DENIED });
        add({ what: 'no token on staff route', method, path, body, allowed: DENIED });
        for (const [kind, token] of Object.entries(
          badTokens({ secret: stack.jwtSecret, sub: 'admin', aud: 'staff', role: 'admin', genuine: viewer }),
        )) {
          add({ what: `staff ${kind}`, method, path, token, body, allowed: DENIED });
        }
      }
      const customerRoutes: [string, string, unknown?][] = [
        ['GET', '/api/orders'],
        ['GET', `/api/orders/${orderB!.id}`],
        ['POST', `/api/orders/${orderB!.id}/pay`, {}],
        ['POST', '/api/orders', { items: [{ sku: 'X', quantity: 1 }], clientRequestId: 'auth-create-0001' }],
      ];
      for (const [method, path, body] of customerRoutes) {
        add({ what: 'no token', method, path, body, allowed: DENIED });
        add({ what: 'staff token on customer route', method, path, token: admin, body, allowed: DENIED });
        for (const [kind, token] of Object.entries(
          badTokens({ secret: stack.jwtSecret, sub: openidB, aud: 'customer', genuine: a!.token }),
        )) {
          add({ what: `customer ${kind}`, method, path, token, body, allowed: DENIED });
        }
      }
      const before = await db.snapshot();
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      for (const p of probes) {
        const res = await http.json(p.method, p.path, p.body, p.token).catch(() => undefined);
        const status = res?.status ?? 0;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (!p.allowed.includes(status)) failures.push(`${p.what} ${p.method} ${p.path.replace(/\/[0-9a-f]{24}/g, '/:id')} -> ${status}`);
      }
      const listA = await http.json('GET', '/api/orders?page=1&pageSize=50', undefined, a!.token);
      const leaked = (listA.json<OrderList>()?.items ?? []).filter((o) => o.id === orderB!.id || o.id === paidB!.id).length;
      inv.check(listA.status === 200, `A's own order list answered ${listA.status}`);
      inv.check(
        (listA.json<OrderList>()?.items ?? []).some((o) => o.id === orderA!.id),
        "A's own order list lacks A's order",
      );
      const after = await db.snapshot();
      const changes = diffSnapshots(
        before,
        after,
        /audit|attempt|notification|event|lease|log|ratelimit|customers/i,
        new Set([orderA!.id, orderB!.id, paidB!.id]),
      );
      inv.check(failures.length === 0, `${failures.length} probes not refused: ${[...new Set(failures)].slice(0, 12).join('; ')}`);
      inv.equal(leaked, 0, "B's orders in A's list");
      inv.check(changes.length === 0, `state changed: ${changes.join('; ')}`);
      return {
        violations: inv.violations,
        figures: {
          probes: probes.length,
          refused: probes.length - failures.length,
          notRefused: failures.length,
          leaked,
          stateChanges: changes.length,
          statuses: [...statuses]
            .sort((x, y) => x[0] - y[0])
            .map(([k, v]) => `${k}:${v}`)
            .join(','),
        },
      };
    } finally {
      http.close();
      await db.close();
    }
  },
};
