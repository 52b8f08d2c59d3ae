// The zod side of shared/text-limits.ts: a trimmed string checked once, in the unit its field counts.
import { z } from 'zod';
import { textProblem, type TextField } from '../../../shared/text-limits';

export function limitedText(field: TextField, opts: { trim?: boolean } = {}) {
  const base = opts.trim === false ? z.string() : z.string().trim();
  return base.superRefine((s, ctx) => {
    const problem = textProblem(s, field);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}
