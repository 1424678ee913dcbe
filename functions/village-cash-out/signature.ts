import { SignatureError } from '../shared/errors.js';
import { header } from '../shared/http.js';
import { constantTimeEqual, hmacSha256Hex } from '../shared/hmac.js';
import { matchesAnySecret, type SecretSource } from '../shared/secrets.js';

export const DEFAULT_SIGNATURE_HEADERS = ['X-Village-Signature-256', 'X-Village-Signature', 'X-Hub-Signature-256'];

const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/** `sha256=` + hex HMAC-SHA256 of the raw body, keyed with the Village webhook secret. */
export function villageSignature(secret: string, body: Buffer | string): string {
  return `sha256=${hmacSha256Hex(secret, body)}`;
}

/**
 * Village does not publish its header's name, so the first of the configured names that is
 * present is used. Checked against the raw bytes, before any parsing, in constant time,
 * against the current and the previous secret.
 */
export async function verifyVillageSignature(
  headers: Record<string, string | undefined> | undefined,
  body: Buffer,
  secret: SecretSource,
  headerNames: readonly string[] = DEFAULT_SIGNATURE_HEADERS,
): Promise<void> {
  const name = headerNames.find((candidate) => header(headers, candidate) !== undefined);
  const value = name === undefined ? undefined : header(headers, name)?.trim();
  if (value === undefined || value === '') {
    throw new SignatureError('signature_missing', `No signature: expected one of the headers ${headerNames.join(', ')}.`);
  }
  const match = SIGNATURE.exec(value);
  if (!match) {
    throw new SignatureError('signature_malformed', `The ${name} header must be "sha256=" followed by 64 hex digits.`);
  }
  const given = match[1]!.toLowerCase();
  const valid = await matchesAnySecret(secret, (candidate) => constantTimeEqual(hmacSha256Hex(candidate, body), given));
  if (!valid) throw new SignatureError('signature_mismatch', `The ${name} signature does not match the body.`);
}
