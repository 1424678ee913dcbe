import { _default, coerce, enum as oneOf, gte, int as integer, lte, minLength, optional, string, url } from 'zod/mini';
import { int, list, readConfig, type Env } from '../shared/config.js';
import { DEFAULT_MAX_BODY_BYTES } from '../shared/http.js';
import { DEFAULT_SIGNATURE_HEADERS } from './signature.js';
import { DEFAULT_ID_FIELDS } from './payload.js';

/** Every setting of the cash-out route, read and checked once at cold start. */
export function villageConfig(env: Env) {
  return readConfig(env, {
    LEDGER_TABLE: string().check(minLength(1)),
    RECIPIENTS_TABLE: string().check(minLength(1)),
    /** The limits per currency (read only here) and what cash-outs have taken of them. */
    LIMITS_TABLE: string().check(minLength(1)),
    USAGE_TABLE: string().check(minLength(1)),
    /** How long the limits are kept between reads: 0 to 60 s (a change applies within this). `npm start` uses 0. */
    LIMITS_CACHE_SECONDS: _default(coerce.number().check(integer(), gte(0), lte(60)), 60),
    DYNAMODB_ENDPOINT: optional(url()),
    STRIPE_API_BASE: optional(url()),
    STRIPE_PAYOUT_MODE: _default(oneOf(['payout', 'transfer']), 'payout'),
    VILLAGE_DEADLINE_MS: int(8000),
    /** Kept back from the deadline for the answer's way back to Village: no 200 leaves later than the deadline less this. */
    VILLAGE_ANSWER_MARGIN_MS: int(750),
    VILLAGE_SIGNATURE_HEADERS: list(DEFAULT_SIGNATURE_HEADERS),
    VILLAGE_ID_FIELDS: list(DEFAULT_ID_FIELDS),
    /** `true`: a cash-out without an id field is refused (400) instead of being known by the hash of its body. */
    VILLAGE_REQUIRE_ID: _default(oneOf(['true', 'false']), 'false'),
    /** Kept back from the deadline (before the answer margin) for recording the answer: Stripe must have answered by then. */
    VILLAGE_LEDGER_WRITE_RESERVE_MS: int(400),
    /** `live` or `test`: the mode of STRIPE_SECRET_KEY; a key of the other mode is refused before any call. */
    STRIPE_MODE: optional(oneOf(['live', 'test'])),
    STRIPE_ATTEMPT_TIMEOUT_MS: int(3000),
    STRIPE_MIN_ATTEMPT_MS: int(300),
    STRIPE_IDEMPOTENCY_WINDOW_HOURS: int(23),
    MAX_BODY_BYTES: int(DEFAULT_MAX_BODY_BYTES),
  });
}

export type VillageConfig = ReturnType<typeof villageConfig>;
