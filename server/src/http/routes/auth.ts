import Router from '@koa/router';
import { z } from 'zod';
import type { LoginResponse } from '../../../../shared/api';
import { code2session, type Code2SessionOptions } from '../../auth/code2session';
import { signToken } from '../../auth/jwt';
import { isDuplicateKeyError } from '../../db/errors';
import type { CustomerModel } from '../../models/customer';
import { validate } from '../validate';

const loginSchema = z.strictObject({ code: z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII') });

export interface AuthRouteDeps {
  Customer: CustomerModel;
  jwtSecret: string;
  ttlSeconds: number;
  wechat: Code2SessionOptions;
}

export function authRoutes(deps: AuthRouteDeps): Router {
  const r = new Router({ prefix: '/api/auth' });
  r.post('/login', async (ctx) => {
    const { code } = validate(loginSchema, ctx.request.body);
    const { openid, unionid } = await code2session(deps.wechat, code);
    const now = new Date();
    const remember = () =>
      deps.Customer.updateOne(
        { openid },
        { $set: { lastLoginAt: now, ...(unionid ? { unionid } : {}) }, $setOnInsert: { firstLoginAt: now } },
        { upsert: true },
      );
    // Two first logins at once may both try the insert: the loser's retry is a plain update.
    await remember().catch((err) => (isDuplicateKeyError(err) ? remember() : Promise.reject(err)));
    const body: LoginResponse = { token: signToken(deps.jwtSecret, { sub: openid, aud: 'customer' }, deps.ttlSeconds), expiresIn: deps.ttlSeconds };
    ctx.body = body;
  });
  return r;
}
