// Model-side check of a free-text field: the same rule (and unit) as the HTTP edge, from shared/text-limits.ts.
import { textProblem, type TextField } from '../../../../../shared/text-limits';

export function textValidator(field: TextField) {
  return {
    validator: (v: unknown) => v === undefined || v === null || (typeof v === 'string' && textProblem(v, field) === undefined),
    message: (props: { value?: unknown }) =>
      `${field}: ${typeof props.value === 'string' ? (textProblem(props.value, field) ?? 'invalid') : 'must be a string'}`,
  };
}
