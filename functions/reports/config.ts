import { z } from 'zod';
import { int, readConfig, type Env } from '../shared/config.js';
import { withSourceSecrets } from '../stripe-events/config.js';

/** Every setting of the reports job, read and checked once at cold start. */
export function reportsConfig(env: Env) {
  return withSourceSecrets(
    readConfig(env, {
      LEDGER_TABLE: z.string().min(1),
      RECORDS_TABLE: z.string().min(1),
      SOURCES_TABLE: z.string().min(1),
      DYNAMODB_ENDPOINT: z.string().url().optional(),
      STRIPE_API_BASE: z.string().url().optional(),
      STRIPE_MODE: z.enum(['live', 'test']),
      STRIPE_SOURCE_SECRET_PREFIX: z.string().min(1).optional(),
      STRIPE_SOURCE_SECRETS_DIR: z.string().min(1).optional(),
      STRIPE_TIMEOUT_MS: int(10_000),
    }),
  );
}

export type ReportsConfig = ReturnType<typeof reportsConfig>;
