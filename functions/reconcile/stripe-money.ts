import type Stripe from 'stripe';
import { describeStripeError, type StripeClient } from '../shared/stripe.js';
import { payoutDescription } from '../shared/money.js';
import { villageWasPaid, type MoneyObject, type ReconciledItem, type StripeFinding } from './decide.js';

/**
 * What reconciliation may do at Stripe: look money movements up, cancel a payout, reverse a
 * transfer. Nothing here creates a payout or a transfer.
 */
export interface StripeMoney {
  find(item: ReconciledItem): Promise<StripeFinding>;
  cancelPayout(item: ReconciledItem, payoutId: string): Promise<MoneyObject>;
  reverseTransfer(item: ReconciledItem, transferId: string): Promise<MoneyObject>;
}

/** Payouts created before the ledger item are impossible; an hour's slack covers clock skew. */
const LOOKBACK_SLACK_SECONDS = 3600;

export function stripeMoney(stripe: () => Promise<StripeClient>, timeoutMs: number): StripeMoney {
  return {
    async find(item) {
      const client = await stripe();
      // Village was told paid: the object is the one Stripe's answer to the create call named.
      if (item.stripeObjectId && villageWasPaid(item)) return retrieve(client, item, item.stripeObjectId, timeoutMs);
      // Otherwise every movement naming the cash-out is a candidate, with the one the item is
      // bound to (if any): the gateway's own must be among them, and more than one is for a person.
      const matches = item.mode === 'payout' ? await payoutsFor(client, item, timeoutMs) : await transfersFor(client, item, timeoutMs);
      if (item.stripeObjectId && !matches.some((match) => match.id === item.stripeObjectId)) {
        const bound = await retrieve(client, item, item.stripeObjectId, timeoutMs);
        if (bound.found === 'one') matches.push(bound.object);
      }
      if (matches.length === 0) return { found: 'none' };
      if (matches.length > 1) return { found: 'several', ids: matches.map((match) => match.id) };
      return { found: 'one', object: matches[0]! };
    },
    async cancelPayout(item, payoutId) {
      const client = await stripe();
      const payout = await client.payouts.cancel(
        payoutId,
        {},
        { stripeAccount: item.accountId, idempotencyKey: `reconcile-cancel:${item.cashOutId}`, timeout: timeoutMs },
      );
      return fromPayout(payout);
    },
    async reverseTransfer(item, transferId) {
      const client = await stripe();
      await client.transfers.createReversal(
        transferId,
        { metadata: { cash_out_id: item.cashOutId, reason: 'reconciliation' } },
        { idempotencyKey: `reconcile-reversal:${item.cashOutId}`, timeout: timeoutMs },
      );
      return fromTransfer(await client.transfers.retrieve(transferId, {}, { timeout: timeoutMs }));
    },
  };
}

async function retrieve(client: StripeClient, item: ReconciledItem, id: string, timeout: number): Promise<StripeFinding> {
  try {
    const type = item.stripeObjectType ?? item.mode;
    const object =
      type === 'payout'
        ? fromPayout(await client.payouts.retrieve(id, {}, { stripeAccount: item.accountId, timeout }))
        : fromTransfer(await client.transfers.retrieve(id, {}, { timeout }));
    return { found: 'one', object };
  } catch (error) {
    const failure = describeStripeError(error);
    if (failure?.statusCode === 404 || failure?.code === 'resource_missing') return { found: 'none' };
    throw error;
  }
}

/**
 * The connected account's payouts since the cash-out began that name it: by its cash-out id in
 * metadata, or by the description the gateway gives its payouts (a payout's metadata can be
 * changed afterwards, its description cannot). No upper bound on time: a create request that
 * reached Stripe late still made the gateway's payout.
 */
async function payoutsFor(client: StripeClient, item: ReconciledItem, timeout: number): Promise<MoneyObject[]> {
  if (!item.accountId) return [];
  const since = Math.floor(Date.parse(item.createdAt) / 1000) - LOOKBACK_SLACK_SECONDS;
  const description = payoutDescription(item.cashOutId);
  const found: MoneyObject[] = [];
  for await (const payout of client.payouts.list({ created: { gte: since }, limit: 100 }, { stripeAccount: item.accountId, timeout })) {
    if (payout.metadata?.cash_out_id === item.cashOutId || payout.description === description) found.push(fromPayout(payout));
  }
  return found;
}

/** Transfers are grouped by cash-out id (`transfer_group`). */
async function transfersFor(client: StripeClient, item: ReconciledItem, timeout: number): Promise<MoneyObject[]> {
  const found: MoneyObject[] = [];
  for await (const transfer of client.transfers.list({ transfer_group: item.cashOutId, limit: 100 }, { timeout })) {
    if (transfer.transfer_group === item.cashOutId || transfer.metadata?.cash_out_id === item.cashOutId) found.push(fromTransfer(transfer));
  }
  return found;
}

function fromPayout(payout: Stripe.Payout): MoneyObject {
  return {
    id: payout.id,
    object: 'payout',
    status: payout.status,
    amount: payout.amount,
    currency: payout.currency,
    created: payout.created,
    failureCode: payout.failure_code ?? undefined,
    failureMessage: payout.failure_message ?? undefined,
  };
}

function fromTransfer(transfer: Stripe.Transfer): MoneyObject {
  const fullyReversed = transfer.reversed || transfer.amount_reversed >= transfer.amount;
  return {
    id: transfer.id,
    object: 'transfer',
    status: fullyReversed ? 'reversed' : 'paid',
    amount: transfer.amount,
    currency: transfer.currency,
    created: transfer.created,
    amountReversed: transfer.amount_reversed,
  };
}
