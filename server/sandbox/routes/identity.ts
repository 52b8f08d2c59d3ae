// Who a request speaks for. Direct mode: `mchid` (+ `appid`) equal to the signing merchant. Institution mode:
// `sp_mchid` equal to the signing merchant, a `sub_mchid` it serves, `sp_appid` / `sub_appid` bound to them.
import type { Merchant } from '../config';
import type { Identity } from '../ledger/ledger';
import { errors, RID } from './errors';

type Src = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);

export function identityOf(m: Merchant, src: Src, location: 'body' | 'query'): Identity {
  if (m.mode === 'direct') {
    const mchid = str(src.mchid);
    if (!mchid) throw errors.param('#/properties/mchid', undefined, 'required', location);
    if (mchid !== m.mchid) {
      throw errors.param('#/properties/mchid', mchid, 'must equal the mchid of the Authorization header', location);
    }
    return { mode: 'direct', mchid, merchantKey: mchid };
  }
  const sp = str(src.sp_mchid);
  if (!sp) throw errors.param('#/properties/sp_mchid', undefined, 'required', location);
  if (sp !== m.mchid) throw errors.param('#/properties/sp_mchid', sp, 'must equal the mchid of the Authorization header', location);
  const sub = str(src.sub_mchid);
  if (!sub) {
    throw Object.assign(errors.param('#/properties/sub_mchid', undefined, 'required', location), { ridCode: RID.subMchidMissing });
  }
  if (!m.subMchids.includes(sub)) {
    throw errors.noAuth('子商户号与机构商户号不存在受理关系', 'The sub_mchid is not served by this institution', RID.noRelation);
  }
  return { mode: 'institution', mchid: sp, sub_mchid: sub, merchantKey: `${sp}/${sub}` };
}

/** The appid fields of an order body, checked against the merchant's bindings. */
export function appidsOf(m: Merchant, body: Src): { appid: string; sub_appid?: string } {
  if (m.mode === 'direct') {
    const appid = str(body.appid);
    if (!appid) throw errors.param('#/properties/appid', undefined, 'required');
    if (!m.appids.includes(appid)) throw errors.appidMismatch('appid和mchid不匹配', 'The appid is not bound to the mchid');
    return { appid };
  }
  const sp = str(body.sp_appid);
  if (!sp) throw errors.param('#/properties/sp_appid', undefined, 'required');
  if (!m.appids.includes(sp)) throw errors.appidMismatch('sp_appid和sp_mchid不匹配', 'The sp_appid is not bound to the sp_mchid');
  const sub = str(body.sub_appid);
  if (sub && !m.subAppids.includes(sub))
    throw errors.appidMismatch('sub_appid和sub_mchid不匹配', 'The sub_appid is not bound to the sub_mchid');
  return { appid: sp, sub_appid: sub };
}
