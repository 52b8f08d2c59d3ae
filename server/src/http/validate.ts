// Every input is parsed by a strict zod schema; a failure answers 400 VALIDATION_FAILED naming each field.
import type { z } from 'zod';
import { HttpError } from './errors';

export function validate<S extends z.ZodType>(schema: S, data: unknown, what = 'body'): z.infer<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const fields: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const path = issue.path.length ? issue.path.join('.') : what;
    const message = issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message;
    fields[path] ??= message;
  }
  const first = Object.entries(fields)[0];
  throw new HttpError(400, 'VALIDATION_FAILED', first ? `${what}: ${first[0]}: ${first[1]}` : `${what} is invalid`, { fields });
}
