// 6. Bad input: generated malformed requests (lib/malformed) across every endpoint of shared/api.ts, with valid
// customer and staff tokens so they reach validation. Invariants: 0 5xx, 0 requests without an answer while the
// backend lives, the backend process alive and healthy throughout, the database unchanged (state fields of
// orders and refunds hashed; document counts of every collection except logs of rejected attempts).
import { CampaignDb, diffSnapshots } from '../lib/database';
import { endpointCatalog } from '../lib/endpoints';
import { loginUsers, placeOrders } from '../lib/fixtures';
import { HttpClient } from '../lib/http';
import { generateMalformed, type MalformedCase } from '../lib/malformed';
import { runPool } from '../lib/pool';
import { Invariants, type Scenario, type ScenarioResult } from '../lib/scenario';
import { Latency, round } from '../lib/stats';

/** Collections that may legitimately record a rejected request (audit trail, login attempts, notification and
 * event logs — earlier scenarios' refund notifications also land there while this one runs). */
const ATTEMPT_LOGS = /audit|attempt|notification|event|lease|log|ratelimit/i;

export const badInput: Scenario = {
  id: 6,
  name: 'bad-input',
  budgetMs: (short) => (short ? 60_000 : 600_000),
  async run(ctx): Promise<ScenarioResult> {
    const { stack } = ctx;
    const count = ctx.short ? 1000 : 10_000;
    const http = new HttpClient(stack.backendUrl, { timeoutMs: 30_000 });
    const db = await CampaignDb.open(stack.dbUri);
    const inv = new Invariants();
    try {
      const users = await loginUsers(stack, 'fuzz', 1);
      const [order] = await placeOrders(http, stack, users, 1, 'fuzz', 1);
      const staffToken = await stack.staffToken('admin');
      // The target order is closed first, so that a mutation which happens to leave a request valid (an unknown
      // field on a close, a refund of 1) cannot change state either: any change then is a real finding.
      const closed = await http.json('POST', `/api/admin/orders/${order!.id}/close`, {}, staffToken);
      if (closed.status < 200 || closed.status > 299) {
        return {
          violations: [],
          figures: {},
          incomplete: `could not close the target order: ${closed.status} ${closed.text().slice(0, 200)}`,
        };
      }
      const endpoints = endpointCatalog({
        orderId: order!.id,
        notifyTransactionsPath: stack.notifyTransactionsPath,
        notifyRefundsPath: stack.notifyRefundsPath,
      });
      const cases = [...generateMalformed({ endpoints, validId: order!.id, customerToken: users[0]!.token, staffToken }, count, ctx.seed)];
      const before = await db.snapshot();
      const statuses = new Map<number, number>();
      const fivexx: MalformedCase[] = [];
      const noAnswer: { c: MalformedCase; kind: string }[] = [];
      const latency = new Latency();
      let crashes = 0;
      let checked = 0;
      await runPool(cases, ctx.short ? 8 : 16, async (c, i) => {
        try {
          const res = await latency.time(() => http.send(c.request));
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500) fivexx.push(c);
        } catch (e) {
          noAnswer.push({ c, kind: (e as { kind?: string }).kind ?? 'other' });
        }
        if (i % 500 === 499 || i === cases.length - 1) {
          checked++;
          const health = await http.json('GET', '/healthz').catch(() => undefined);
          if (!stack.backendAlive() || !health || health.status !== 200) crashes++;
        }
      });
      const after = await db.snapshot();
      const changes = diffSnapshots(before, after, ATTEMPT_LOGS, new Set([order!.id]));
      const byKind = (list: MalformedCase[]) => {
        const m = new Map<string, number>();
        for (const c of list) m.set(`${c.endpoint}/${c.kind}`, (m.get(`${c.endpoint}/${c.kind}`) ?? 0) + 1);
        return [...m].map(([k, v]) => `${k}:${v}`).join(',');
      };
      // 5xx grouped by cause, so each finding has its own line (and its own tag).
      const encoding = fivexx.filter((c) => /encoding/.test(c.kind));
      const methods = fivexx.filter((c) => c.kind === 'wrong-method');
      const other = fivexx.filter((c) => !encoding.includes(c) && !methods.includes(c));
      const sample = (list: MalformedCase[]) =>
        list
          .slice(0, 2)
          .map(
            (c) =>
              `${c.request.method} ${c.request.path.slice(0, 50)}${c.request.headers?.['content-encoding'] ? ` content-encoding:${c.request.headers['content-encoding']}` : ''}`,
          )
          .join(' | ');
      inv.equal(
        encoding.length,
        0,
        `[content-encoding] 5xx answers to a bad or unknown Content-Encoding (${byKind(encoding)}; e.g. ${sample(encoding)})`,
      );
      inv.equal(methods.length, 0, `[unknown-method] 5xx answers to unknown HTTP methods (${byKind(methods)}; e.g. ${sample(methods)})`);
      inv.equal(other.length, 0, `5xx answers (${byKind(other)}; e.g. ${sample(other)})`);
      inv.equal(crashes, 0, 'health checks that found the backend dead or unhealthy');
      inv.check(stack.backendAlive(), 'the backend process died');
      // A reset connection is a legitimate answer to an oversized body only; anything else is a failure.
      const badNoAnswer = noAnswer.filter((x) => !(x.kind === 'reset' && /huge|bomb|many-keys|huge-array/.test(x.c.kind)));
      inv.equal(
        badNoAnswer.length,
        0,
        `requests without an answer (${badNoAnswer
          .slice(0, 5)
          .map((x) => `${x.c.endpoint}/${x.c.kind} ${x.kind} ${x.c.request.method} ${x.c.request.path.slice(0, 80)}`)
          .join('; ')})`,
      );
      inv.check(changes.length === 0, `database changed: ${changes.join('; ')}`);
      const s = latency.summary();
      return {
        violations: inv.violations,
        figures: {
          requests: cases.length,
          endpoints: endpoints.length,
          kinds: new Set(cases.map((c) => c.kind)).size,
          '5xx': fivexx.length,
          noAnswer: noAnswer.length,
          crashes,
          healthChecks: checked,
          dbChanges: changes.length,
          p50ms: round(s.p50),
          p99ms: round(s.p99),
          statuses: [...statuses]
            .sort((a, b) => a[0] - b[0])
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
