// 4. WeChat faults: while the sandbox answers 20% 500, 10% 429 and 10% slower than the backend's client
// timeout, customers order and pay and staff refund for a fixed time (2 minutes full). Then faults stop and
// the backend recovers. Invariants: 0 lost payments, 0 duplicate or excess refunds, every error a customer
// or staff member saw was clear ({code, message}, and retryable:true on 429/502/503).
import { CampaignDb } from '../lib/database';
import { HttpClient } from '../lib/http';
import { Invariants, type Scenario, type ScenarioResult } from '../lib/scenario';
import { checkRecovery, runWorkload } from '../lib/workload';

export const wechatFaults: Scenario = {
  id: 4,
  name: 'wechat-faults',
  budgetMs: (short) => (short ? 120_000 : 420_000),
  async run(ctx): Promise<ScenarioResult> {
    const { stack } = ctx;
    const http = new HttpClient(stack.backendUrl, { timeoutMs: 30_000 });
    const db = await CampaignDb.open(stack.dbUri);
    const inv = new Invariants();
    try {
      // The stack's backend times out WeChat calls after 5 s: the slow answers take 6 s.
      await stack.setFaults({ rates: { error500: 0.2, error429: 0.1, delay: 0.1 }, delay_ms: 6000 });
      let run;
      try {
        run = await runWorkload({ stack, http, durationMs: ctx.short ? 20_000 : 120_000, concurrency: ctx.short ? 4 : 16, tag: 'faults' });
      } finally {
        await stack.setFaults('reset');
      }
      const c = run.counters;
      const recovery = await checkRecovery({ stack, db, paid: run.paid, recoveryMs: ctx.short ? 60_000 : 180_000, inv });
      inv.equal(c.unclearErrors.length, 0, `unclear errors (${c.unclearErrors.slice(0, 3).join(' | ')})`);
      return {
        violations: inv.violations,
        figures: {
          orders: c.ordersCreated,
          paidAtSandbox: c.paidAtSandbox,
          refunds: c.refundsAccepted,
          clearErrors: c.clearErrors,
          unclearErrors: c.unclearErrors.length,
          retries: c.retries,
          noAnswer: c.noAnswer,
          ...recovery,
        },
      };
    } finally {
      http.close();
      await db.close();
    }
  },
};
