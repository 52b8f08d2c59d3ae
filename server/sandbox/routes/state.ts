// What the authentication, fault and signing middleware (../app.ts) leave on ctx.state for the endpoints.
import type { Merchant } from '../config';
import type { FaultName } from '../faults/faults';

export interface ApiState {
  merchant: Merchant;
  faults: Set<FaultName>;
  rawBody: string;
  /** Set by an endpoint whose signature covers something other than the body (statements: the SHA-1 JSON). */
  signedBody?: string;
}
