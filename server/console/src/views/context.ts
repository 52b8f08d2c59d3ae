import type { Session } from '../session';

/** What the router hands a view: the session, the route, and a signal that fires when the view is left. */
export interface ViewContext {
  session: Session;
  signal: AbortSignal;
  /** Route segments after the view's name: `#/orders/abc` -> ['abc']. */
  params: string[];
  query: URLSearchParams;
  /** The merchant's priced currency (from /api/config). */
  currency: string;
  navigate(hash: string): void;
}

export type View = (ctx: ViewContext) => HTMLElement;
