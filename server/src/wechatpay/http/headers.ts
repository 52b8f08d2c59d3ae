/** Headers as Node's IncomingMessage, Koa, fetch's Headers or a plain object give them. */
export type HeaderSource = Record<string, string | string[] | number | undefined> | { get(name: string): string | null };

/** Case-insensitive lookup; the first value of a repeated header. */
export function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const v = (headers as { get(name: string): string | null }).get(name);
    return v === null ? undefined : v;
  }
  const record = headers as Record<string, string | string[] | number | undefined>;
  const lower = name.toLowerCase();
  let v = record[lower] ?? record[name]; // Node and Koa give lower-case names: try that first
  if (v === undefined) {
    for (const k of Object.keys(record)) if (k.toLowerCase() === lower) v = record[k];
  }
  if (Array.isArray(v)) return v[0];
  return v === undefined ? undefined : String(v);
}
