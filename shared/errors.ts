// Error codes the backend answers with ({code, message}); the Mini Program and console map them to text.
// Plain string unions and objects only: this file is read by the Mini Program too.

export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  UNAUTHENTICATED: 401,
  TOKEN_EXPIRED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ORDER_NOT_FOUND: 404,
  REFUND_NOT_FOUND: 404,
  PRODUCT_NOT_FOUND: 404,
  /** A POS charge or a till change names a till that does not exist. */
  TILL_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  DUPLICATE: 409,
  ORDER_NOT_PAYABLE: 409,
  ORDER_NOT_CLOSABLE: 409,
  /** WeChat Pay refuses to close an order within 5 minutes of its creation (RULE_LIMIT). */
  ORDER_CLOSE_TOO_SOON: 409,
  ORDER_NOT_REFUNDABLE: 409,
  REFUND_EXCEEDS_BALANCE: 409,
  IDEMPOTENCY_MISMATCH: 409,
  /** A POS charge names a till an admin disabled. */
  TILL_DISABLED: 409,
  /** A POS charge names no till while POS_REQUIRE_TILL is on. */
  TILL_REQUIRED: 400,
  /** Retry or cancel asked of a refund that is not waiting for staff (another person acted, or it moved on). */
  REFUND_NOT_AWAITING_STAFF: 409,
  /** Cancel asked of a refund WeChat Pay turns out to have accepted: it is tracked, not cancelled. */
  REFUND_ACCEPTED_AT_WECHAT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  PAYMENT_PROVIDER_ERROR: 502,
  PAYMENT_PROVIDER_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The body of every error answer. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Field-level problems for VALIDATION_FAILED. */
  details?: Record<string, unknown>;
  /** True when the same request may succeed if repeated later. */
  retryable?: boolean;
  requestId?: string;
}
