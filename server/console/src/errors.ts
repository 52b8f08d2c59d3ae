// Turns an API error `{code, message}` into a sentence in the chosen language. Pure: unit-tested directly.
import { hasKey, translate, type Lang } from './i18n';

export interface ApiErrorLike {
  status: number;
  code: string;
  message: string;
  requestId?: string;
}

/** The sentence to show for a failed request; 5xx answers also carry the reference support needs. */
export function describeError(lang: Lang, err: ApiErrorLike): string {
  const key = `err.${err.code}`;
  const text = hasKey(key)
    ? translate(lang, key, { message: err.message, code: err.code })
    : translate(lang, 'err.unknown', { code: err.code, message: err.message });
  return err.status >= 500 && err.requestId ? `${text} ${translate(lang, 'common.requestId', { id: err.requestId })}` : text;
}

/** WeChat Pay's reason for refusing a refund (`lastError`), in plain words; its own message when unknown. */
export function describeWechatReason(lang: Lang, lastError: { code: string; message: string } | undefined): string {
  if (!lastError) return '';
  // Our own code, not WeChat's: a refund staff gave up; its message names who (and why).
  if (lastError.code === 'CANCELLED_BY_STAFF') return translate(lang, 'refund.cancelledBy', { detail: lastError.message });
  const key = `wx.${lastError.code}`;
  return hasKey(key) ? translate(lang, key) : `${lastError.message} (${lastError.code})`;
}
