import { type StripeDeps, type ApplyOutcome } from './inbox.js';
import { PLATFORM_SOURCE_ID } from './source-id.js';
import type { Envelope, StripeObjects } from './event.js';

/**
 * `account.updated`: whether the connected account can receive payouts, on every recipient
 * using it. The cash-out handler still asks Stripe before paying; this keeps the operator's
 * view current. Guarded by the event's `created`, so an older redelivery changes nothing.
 */
export async function applyAccount(envelope: Envelope, account: StripeObjects['account'], deps: StripeDeps): Promise<ApplyOutcome> {
  // Recipients are the platform's connected accounts: a merchant source's account events do not speak for them.
  if (deps.sourceId !== PLATFORM_SOURCE_ID)
    return {
      outcome: 'ignored',
      detail: `account ${account.id}: an account event from source ${deps.sourceId} does not change the platform's recipients; stored only`,
    };
  const updated = await deps.recipients.setPayoutsEnabled(
    account.id,
    account.payouts_enabled,
    envelope.created,
    new Date(deps.clock.now()),
  );
  if (updated === 0) {
    return { outcome: 'stale', detail: `account ${account.id}: no recipient changed (none uses it, or a newer event was applied)` };
  }
  if (!account.payouts_enabled) deps.logger.warn('A recipient account can no longer receive payouts', { accountId: account.id });
  return { outcome: 'applied', detail: `account ${account.id}: payoutsEnabled = ${account.payouts_enabled} on ${updated} recipient(s)` };
}
