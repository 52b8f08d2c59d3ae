// POST /api/auth/login: a wx.login code for a customer token.
import Router from '@koa/router';
import { z } from 'zod';
import type { CustomerLogin } from '../../auth/customer-login';
import { validate } from '../validate';

const loginSchema = z.strictObject({
  code: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII'),
});

export function authRoutes(logins: CustomerLogin): Router {
  const r = new Router({ prefix: '/api/auth' });
  r.post('/login', async (ctx) => {
    const { code } = validate(loginSchema, ctx.request.body);
    ctx.body = await logins.login(code);
  });
  return r;
}
