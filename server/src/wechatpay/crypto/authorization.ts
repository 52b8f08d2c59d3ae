// The `Authorization` header of APIv3 requests. Formatting is fixed; parsing accepts the five pairs in any order
// but otherwise follows the format rules strictly (one space after the scheme, `key="value"` joined by bare commas).

export const AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';

const KEYS = ['mchid', 'nonce_str', 'timestamp', 'serial_no', 'signature'] as const;
type AuthKey = (typeof KEYS)[number];

export function formatAuthorization(f: {
  mchid: string;
  nonce: string;
  timestamp: string | number;
  serial: string;
  signature: string;
}): string {
  return `${AUTH_SCHEME} mchid="${f.mchid}",nonce_str="${f.nonce}",timestamp="${f.timestamp}",serial_no="${f.serial}",signature="${f.signature}"`;
}

export type ParsedAuthorization =
  | { ok: true; mchid: string; nonce: string; timestamp: string; serial: string; signature: string }
  | { ok: false; reason: 'missing' | 'scheme' | 'format'; message: string };

const PAIR = /([a-z_]+)="([^"]*)"/y;

export function parseAuthorization(header: string | undefined): ParsedAuthorization {
  if (header === undefined || header === '') {
    return { ok: false, reason: 'missing', message: 'Authorization header is missing' };
  }
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  if (scheme !== AUTH_SCHEME) {
    return { ok: false, reason: 'scheme', message: `Authorization type must be ${AUTH_SCHEME}` };
  }
  const fail = (message: string): ParsedAuthorization => ({ ok: false, reason: 'format', message });
  if (space < 0) return fail('Authorization has no credentials after the scheme');
  const rest = header.slice(space + 1);
  if (/[\r\n]/.test(rest)) return fail('Authorization header must be one line');
  const values = new Map<AuthKey, string>();
  let pos = 0;
  while (pos < rest.length) {
    PAIR.lastIndex = pos;
    const m = PAIR.exec(rest);
    if (!m) return fail(`Authorization value is malformed at offset ${pos}: expected key="value"`);
    const key = m[1] as AuthKey;
    if (!KEYS.includes(key)) return fail(`Authorization has an unknown key "${m[1]}"`);
    if (values.has(key)) return fail(`Authorization repeats the key "${key}"`);
    values.set(key, m[2]!);
    pos = PAIR.lastIndex;
    if (pos < rest.length) {
      if (rest[pos] !== ',') return fail('Authorization pairs must be separated by "," with no spaces');
      pos += 1;
      if (pos === rest.length) return fail('Authorization ends with a trailing ","');
    }
  }
  for (const key of KEYS) {
    if (!values.get(key)) return fail(`Authorization is missing ${key}`);
  }
  const timestamp = values.get('timestamp')!;
  if (!/^\d{1,12}$/.test(timestamp)) return fail('Authorization timestamp must be unix seconds');
  return {
    ok: true,
    mchid: values.get('mchid')!,
    nonce: values.get('nonce_str')!,
    timestamp,
    serial: values.get('serial_no')!,
    signature: values.get('signature')!,
  };
}
