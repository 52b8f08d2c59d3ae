// Structured logs. Secrets are redacted by path so that no call site can leak them by accident.
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'Authorization',
  '*.authorization',
  '*.Authorization',
  'paySign',
  '*.paySign',
  '*.*.paySign',
  'session_key',
  '*.session_key',
  'privateKey',
  '*.privateKey',
  'apiV3Key',
  '*.apiV3Key',
  'password',
  '*.password',
  'token',
  '*.token',
];

export function createLogger(level: string, name = 'backend'): Logger {
  return pino({ name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}

export type { Logger };
