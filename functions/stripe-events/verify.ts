import Stripe from 'stripe';
import type { Clock } from '../shared/clock.js';
import { SignatureError, ValidationError } from '../shared/errors.js';
import { header } from '../shared/http.js';
import { matchesAnySecret, secretValues, type SecretSource } from '../shared/secrets.js';

export const STRIPE_SIGNATURE_HEADER = 'Stripe-Signature';

/** The value the stack puts in an operator secret until the operator sets it. */
const NOT_SET = 'NOT_SET';

/** The SDK's message when the signature matches but its timestamp is too old. */
const STALE_MESSAGE = 'Timestamp outside the tolerance zone';

export interface VerifyOptions {
  /** The endpoint secrets to try: the platform endpoint's and, when set, the Connect endpoint's. */
  secrets: readonly SecretSource[];
  toleranceSeconds: number;
  clock: Clock;
}

/**
 * Checks `Stripe-Signature` with the SDK's `webhooks.constructEvent` on the raw body, against
 * every value of every configured endpoint secret (current and previous while rotating;
 * the SDK itself accepts any of several `v1` entries). Answers Stripe's way: 400 for a
 * missing, wrong or stale signature. Returns the event as JSON, not yet validated.
 */
export async function verifyStripeEvent(
  headers: Record<string, string | undefined> | undefined,
  rawBody: string,
  options: VerifyOptions,
): Promise<unknown> {
  const signature = header(headers, STRIPE_SIGNATURE_HEADER)?.trim();
  if (!signature) throw new SignatureError('signature_missing', `No ${STRIPE_SIGNATURE_HEADER} header.`, 400);
  if (!/(^|,)t=\d+(,|$)/.test(signature) || !/(^|,)v1=[0-9a-f]+(,|$)/i.test(signature)) {
    throw new SignatureError(
      'signature_malformed',
      `The ${STRIPE_SIGNATURE_HEADER} header must be "t=<unix seconds>,v1=<hex>[,v1=<hex>…]".`,
      400,
    );
  }
  if (!(await anySecretSet(options.secrets))) {
    // Our configuration, not the sender, is at fault: a 500 makes Stripe retry until it is fixed.
    throw new Error('No Stripe webhook signing secret is set: put the endpoint secret (whsec_…) into STRIPE_WEBHOOK_SECRET.');
  }

  const result: { event?: unknown; stale?: boolean; unparseable?: boolean } = {};
  const check = (secret: string): boolean => {
    if (secret === NOT_SET) return false;
    try {
      result.event = Stripe.webhooks.constructEvent(rawBody, signature, secret, options.toleranceSeconds, undefined, options.clock.now());
      return true;
    } catch (error) {
      if (error instanceof SyntaxError) {
        result.unparseable = true;
        return true;
      }
      if (isSignatureError(error) && error.message === STALE_MESSAGE) {
        result.stale = true;
        return true;
      }
      if (isSignatureError(error)) return false;
      throw error;
    }
  };
  for (const source of options.secrets) {
    if (await matchesAnySecret(source, check)) break;
  }
  if (result.stale) {
    throw new SignatureError(
      'signature_expired',
      `The ${STRIPE_SIGNATURE_HEADER} timestamp is more than ${options.toleranceSeconds} s old; a replayed event is refused.`,
      400,
    );
  }
  if (result.unparseable) throw new ValidationError('malformed_json', 'The signed body is not valid JSON.');
  if (result.event === undefined) {
    throw new SignatureError(
      'signature_mismatch',
      `No ${STRIPE_SIGNATURE_HEADER} v1 signature matches the body for any configured endpoint secret.`,
      400,
    );
  }
  return result.event;
}

function isSignatureError(error: unknown): error is Error {
  return error instanceof Stripe.errors.StripeSignatureVerificationError;
}

async function anySecretSet(sources: readonly SecretSource[]): Promise<boolean> {
  for (const source of sources) {
    if (secretValues(await source.get()).some((value) => value !== NOT_SET)) return true;
  }
  return false;
}
