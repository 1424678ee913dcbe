import type { OperatorDeps } from '../../wiring.js';
import type { PageContext } from '../views/layout.js';

/** What every group of the console's pages is given. */
export interface ConsolePages {
  deps: OperatorDeps;
  /** What every page shows in its frame (who, where) and the token its forms carry. */
  page: PageContext;
  now: () => number;
  /** Whether Stripe objects without events to say so are live (a deployed stack) or test (local). */
  livemode: boolean;
  /** Look for flags on cash-outs changed within this long. */
  attentionWindowMs: number;
  /** At most this many cash-outs in a bulk replay. */
  bulkLimit: number;
}

/** A listing shows this many rows a page. */
export const PAGE_SIZE = 25;

/** A posted form's text fields; anything else (a file) is read as absent. */
export function stringFields(form: Record<string, unknown>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(form).map(([key, value]) => [key, typeof value === 'string' ? value : undefined]));
}
