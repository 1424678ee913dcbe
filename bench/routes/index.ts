import { justWalletAdapter } from './just-wallet.js';
import { stripeEventsAdapter } from './stripe-events.js';
import type { RouteAdapter } from './types.js';
import { villageAdapter } from './village-cash-out.js';

/**
 * How to benchmark each route of infra/routes.ts. A route listed there without an adapter
 * here is skipped, and the report says so.
 */
export const ADAPTERS: RouteAdapter[] = [villageAdapter, justWalletAdapter, stripeEventsAdapter];
