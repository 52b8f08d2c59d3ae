// 5. Crash: the same workload as scenario 4 (without WeChat faults) while the backend is SIGKILLed three times
// and restarted. Invariants as in 4: 0 lost payments, 0 duplicate or excess refunds, clear errors while up.
import { CampaignDb } from '../lib/database';
import { HttpClient } from '../lib/http';
import { Invariants, type Scenario, type ScenarioResult } from '../lib/scenario';
import { checkRecovery, runWorkload } from '../lib/workload';

export const crash: Scenario = {
  id: 5,
  name: 'crash',
  budgetMs: (short) => (short ? 150_000 : 420_000),
  async run(ctx): Promise<ScenarioResult> {
    const { stack } = ctx;
    const http = new HttpClient(stack.backendUrl, { timeoutMs: 30_000 });
    const db = await CampaignDb.open(stack.dbUri);
    const inv = new Invariants();
    const duration = ctx.short ? 30_000 : 90_000;
    const killAt = [0.2, 0.45, 0.7].map((f) => f * duration);
    let kills = 0;
    let downMs = 0;
    try {
      const run = await runWorkload({
        stack,
        http,
        durationMs: duration,
        concurrency: ctx.short ? 4 : 16,
        tag: 'crash',
        onTick: async (elapsed) => {
          if (kills < killAt.length && elapsed >= killAt[kills]!) {
            kills++;
            const t = Date.now();
            await stack.killBackend();
            await new Promise((r) => setTimeout(r, 1000));
            await stack.restartBackend();
            downMs += Date.now() - t;
            ctx.log(`crash: killed and restarted the backend (${kills})`);
          }
        },
      });
      const c = run.counters;
      const recovery = await checkRecovery({ stack, db, paid: run.paid, recoveryMs: ctx.short ? 60_000 : 180_000, inv });
      inv.equal(kills, 3, 'backend kills carried out');
      inv.equal(c.unclearErrors.length, 0, `unclear errors (${c.unclearErrors.slice(0, 3).join(' | ')})`);
      return {
        violations: inv.violations,
        figures: {
          kills,
          downS: Math.round(downMs / 1000),
          orders: c.ordersCreated,
          paidAtSandbox: c.paidAtSandbox,
          refunds: c.refundsAccepted,
          noAnswer: c.noAnswer,
          unclearErrors: c.unclearErrors.length,
          ...recovery,
        },
      };
    } finally {
      http.close();
      await db.close();
    }
  },
};
