/**
 * Where a Stripe event came from. `platform` is the operator's own account and its Connect
 * destination (`POST /webhooks/stripe`); every other source is a merchant endpoint
 * (`POST /webhooks/stripe/{sourceId}`) with its own signing secret.
 */
export const PLATFORM_SOURCE_ID = 'platform';

/** 3–64 lowercase letters, digits and `-`: safe in a URL path, a Secrets Manager name and a key. */
export const SOURCE_ID = /^[a-z0-9-]{3,64}$/;

export function isSourceId(value: string): boolean {
  return SOURCE_ID.test(value);
}

/** Why `value` cannot name a merchant source, or undefined when it can. */
export function sourceIdProblem(value: string): string | undefined {
  if (!isSourceId(value)) return `A source id is 3–64 characters of lowercase letters, digits and "-"; "${value.slice(0, 80)}" is not.`;
  if (value === PLATFORM_SOURCE_ID) return `"${PLATFORM_SOURCE_ID}" is reserved for the platform's own endpoint (POST /webhooks/stripe).`;
  return undefined;
}
