import { SignatureError } from '../shared/errors.js';
import { header, type RawBody } from '../shared/http.js';
import { constantTimeEqual, hmacSha256Hex } from '../shared/hmac.js';
import { compactJsonExact } from '../shared/json.js';
import { matchesAnySecret, type SecretSource } from '../shared/secrets.js';

export const SIGNATURE_HEADER = 'Signature';

/**
 * Just Wallet's prose says the `Signature` header carries the webhook secret itself; its
 * sample code compares it with the hex HMAC-SHA256 of the JSON body. `secret` and `hmac`
 * accept one of the two, `auto` either.
 */
export const SIGNATURE_MODES = ['secret', 'hmac', 'auto'] as const;
export type SignatureMode = (typeof SIGNATURE_MODES)[number];

const HEX_HMAC = /^(?:sha256=)?([0-9a-fA-F]{64})$/;

/** The `Signature` header Just Wallet would send for this body, in either of its two ways. */
export function justWalletSignature(secret: string, body: Buffer | string, mode: Exclude<SignatureMode, 'auto'>): string {
  return mode === 'secret' ? secret : hmacSha256Hex(secret, body);
}

/**
 * Checked before the body is parsed, in constant time, against the current and the previous
 * secret. The HMAC is tried over the raw body and, failing that, over its compact
 * re-serialisation (what the provider's sample code signs); a body that is not JSON simply
 * does not match that way. That re-serialisation keeps each number's exact text, as the
 * stored event does: with JSON.stringify(JSON.parse()) a body saying `100.5000000000000001`
 * would pass on a signature over `100.5`, and be kept with the amount nobody signed.
 */
export async function verifyJustWalletSignature(
  headers: Record<string, string | undefined> | undefined,
  body: RawBody,
  secret: SecretSource,
  mode: SignatureMode,
): Promise<void> {
  const given = header(headers, SIGNATURE_HEADER)?.trim();
  if (given === undefined || given === '') {
    throw new SignatureError('signature_missing', `No ${SIGNATURE_HEADER} header.`);
  }
  const hex = mode === 'secret' ? undefined : HEX_HMAC.exec(given)?.[1]?.toLowerCase();
  let compact: string | null | undefined;
  const compactBody = (): string | null => {
    if (compact === undefined) {
      try {
        compact = compactJsonExact(body.text);
      } catch {
        compact = null;
      }
    }
    return compact;
  };
  const matches = (candidate: string): boolean => {
    if (mode !== 'hmac' && constantTimeEqual(given, candidate)) return true;
    if (hex === undefined) return false;
    if (constantTimeEqual(hmacSha256Hex(candidate, body.bytes), hex)) return true;
    const reserialised = compactBody();
    return reserialised !== null && reserialised !== body.text && constantTimeEqual(hmacSha256Hex(candidate, reserialised), hex);
  };
  if (!(await matchesAnySecret(secret, matches))) {
    const expected = {
      secret: 'is not the webhook secret',
      hmac: 'is not an HMAC-SHA256 of the body',
      auto: 'is neither the webhook secret nor an HMAC-SHA256 of the body',
    }[mode];
    throw new SignatureError('signature_mismatch', `The ${SIGNATURE_HEADER} header ${expected} (signature mode ${mode}).`);
  }
}
