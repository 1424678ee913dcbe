import { _default, enum as oneOf, minLength, optional, string, url } from 'zod/mini';
import { int, readConfig, type Env } from '../shared/config.js';
import { DEFAULT_MAX_BODY_BYTES } from '../shared/http.js';
import { SIGNATURE_MODES } from './signature.js';

/** Every setting of the Just Wallet route, read and checked once at cold start. */
export function justWalletConfig(env: Env) {
  return readConfig(env, {
    RECORDS_TABLE: string().check(minLength(1)),
    EVENTS_TABLE: string().check(minLength(1)),
    DYNAMODB_ENDPOINT: optional(url()),
    JUST_WALLET_SIGNATURE_MODE: _default(oneOf(SIGNATURE_MODES), 'auto'),
    /** Events are kept (and redeliveries recognised from them) this long; records keep their own history. */
    JUST_WALLET_EVENT_RETENTION_DAYS: int(30),
    MAX_BODY_BYTES: int(DEFAULT_MAX_BODY_BYTES),
  });
}

export type JustWalletConfig = ReturnType<typeof justWalletConfig>;
