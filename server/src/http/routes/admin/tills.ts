// The Quick Pay tills under /api/admin/tills: every staff role reads them (cashiers choose one, viewers filter
// statements by store); admins add, edit, disable and enable them, each change audited (`till.*`).
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { TillList } from '../../../../../shared/api';
import type { AuditEntry } from '../../../domain/staff-audit';
import { deviceIpProblem, toTillView, type TillService } from '../../../domain/tills';
import { requireCapability } from '../../middleware/staff-auth';
import { limitedText } from '../../text-limits';
import { validate } from '../../validate';

type Audit = (ctx: Context, e: Omit<AuditEntry, 'requestId' | 'ip'>) => Promise<void>;

const idParam = z.strictObject({ id: z.string().regex(/^[0-9a-fA-F]{24}$/, 'must be an id') });
const deviceIp = z
  .string()
  .trim()
  .superRefine((s, ctx) => {
    const problem = deviceIpProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const createSchema = z.strictObject({
  storeId: limitedText('storeId'),
  storeName: limitedText('storeName'),
  storeAddress: limitedText('storeAddress').optional(),
  deviceId: limitedText('deviceId'),
  deviceIp: deviceIp.optional(),
  label: limitedText('tillLabel'),
});
const updateSchema = z
  .strictObject({
    storeId: limitedText('storeId').optional(),
    storeName: limitedText('storeName').optional(),
    storeAddress: limitedText('storeAddress').nullable().optional(),
    deviceId: limitedText('deviceId').optional(),
    deviceIp: deviceIp.nullable().optional(),
    label: limitedText('tillLabel').optional(),
  })
  .refine((o) => Object.keys(o).length > 0, 'give at least one field to change');
const emptyBody = z.strictObject({});
const noQuery = (ctx: Context) => {
  if (Object.keys(ctx.query).length) validate(z.strictObject({}), ctx.query, 'query');
};

export function tillRoutes(router: Router, tills: TillService, audit: Audit): void {
  router.get('/tills', requireCapability('orders'), async (ctx) => {
    noQuery(ctx);
    const body: TillList = { items: (await tills.list()).map(toTillView) };
    ctx.body = body;
  });

  router.get('/tills/:id', requireCapability('orders'), async (ctx) => {
    const { id } = validate(idParam, ctx.params, 'path');
    noQuery(ctx);
    ctx.body = toTillView(await tills.get(id));
  });

  router.post('/tills', requireCapability('tills'), async (ctx) => {
    const input = validate(createSchema, ctx.request.body);
    const till = await tills.create(input);
    await audit(ctx, {
      action: 'till.create',
      target: `till:${till.id}`,
      detail: { storeId: till.storeId, storeName: till.storeName, deviceId: till.deviceId, label: till.label },
    });
    ctx.status = 201;
    ctx.body = toTillView(till);
  });

  router.patch('/tills/:id', requireCapability('tills'), async (ctx) => {
    const { id } = validate(idParam, ctx.params, 'path');
    const patch = validate(updateSchema, ctx.request.body);
    const { before, after, changed } = await tills.update(id, patch);
    if (changed.length) {
      const changes = Object.fromEntries(changed.map((k) => [k, { from: before[k] ?? null, to: after[k] ?? null }]));
      await audit(ctx, { action: 'till.update', target: `till:${after.id}`, detail: { changes } });
    }
    ctx.body = toTillView(after);
  });

  for (const [path, active] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    router.post(`/tills/:id/${path}`, requireCapability('tills'), async (ctx) => {
      const { id } = validate(idParam, ctx.params, 'path');
      if (ctx.request.body !== undefined) validate(emptyBody, ctx.request.body);
      const { till, changed } = await tills.setActive(id, active);
      // Disabling a disabled till changes nothing: answered the same, audited once.
      if (changed)
        await audit(ctx, { action: `till.${path}`, target: `till:${till.id}`, detail: { label: till.label, storeId: till.storeId } });
      ctx.body = toTillView(till);
    });
  }
}
