// api.weixin.qq.com's GET /sns/jscode2session on the sandbox's port: a code minted by
// /sandbox/wxlogin-code becomes the user's stable openid, once. Errors in WeChat's shape (HTTP 200, errcode).
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Sandbox } from '../sandbox';

export const WX_ERRORS = {
  appidMissing: { errcode: 41002, errmsg: 'appid missing' },
  secretMissing: { errcode: 41004, errmsg: 'appsecret missing' },
  codeMissing: { errcode: 41008, errmsg: 'missing code' },
  grantType: { errcode: 40002, errmsg: 'invalid grant_type' },
  invalidAppid: { errcode: 40013, errmsg: 'invalid appid' },
  invalidSecret: { errcode: 40125, errmsg: 'invalid appsecret' },
  invalidCode: { errcode: 40029, errmsg: 'invalid code' },
  codeUsed: { errcode: 40163, errmsg: 'code been used' },
};

export function snsRouter(sandbox: Sandbox): Router {
  const r = new Router();
  r.get('/sns/jscode2session', async (ctx) => {
    const q = ctx.query as Record<string, string | undefined>;
    const rid = randomBytes(6).toString('hex');
    const fail = (e: { errcode: number; errmsg: string }) => {
      ctx.body = { errcode: e.errcode, errmsg: `${e.errmsg}, rid: ${rid}` };
    };
    if (!q.appid) return fail(WX_ERRORS.appidMissing);
    if (!q.secret) return fail(WX_ERRORS.secretMissing);
    if (!q.js_code) return fail(WX_ERRORS.codeMissing);
    if (q.grant_type !== 'authorization_code') return fail(WX_ERRORS.grantType);
    const app = sandbox.config.miniprograms.find((a) => a.appid === q.appid);
    if (!app) return fail(WX_ERRORS.invalidAppid);
    if (app.secret !== q.secret) return fail(WX_ERRORS.invalidSecret);
    const now = new Date(sandbox.clock.now());
    const code = await sandbox.models.LoginCode.findOne({ _id: q.js_code }).lean();
    if (!code || code.appid !== q.appid || code.expires_at <= now) return fail(WX_ERRORS.invalidCode);
    const used = await sandbox.models.LoginCode.findOneAndUpdate(
      { _id: q.js_code, used_at: null },
      { $set: { used_at: now } },
      { returnDocument: 'after' },
    ).lean();
    if (!used) return fail(WX_ERRORS.codeUsed);
    ctx.body = { session_key: randomBytes(16).toString('base64'), openid: sandbox.openid(code.appid, code.user) };
  });
  return r;
}
