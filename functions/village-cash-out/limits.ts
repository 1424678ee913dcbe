import type { LedgerItem, StoredAnswer } from '../shared/ledger.js';
import { limitMinor, majorText, type LimitName, type LimitRefusal, type LimitSettings } from '../shared/limits.js';
import type { LimitUsage } from '../shared/usage.js';

/** The limits a cash-out is held to: their settings (read only) and what cash-outs have taken of them. */
export interface CashOutLimits {
  settings: LimitSettings;
  usage: LimitUsage;
}

/** 422: the request is well formed and signed, but the gateway's limits do not allow it. Village treats it as failed. */
export const LIMIT_STATUS_CODE = 422;

export function limitAnswer(item: LedgerItem, refusal: LimitRefusal): StoredAnswer {
  const messages: Record<LimitName, string> = {
    currency_not_enabled: `No limits are set for ${item.currency}, so it is not paid (an operator sets them with npm run limits).`,
    per_cash_out: `${item.amount} ${item.currency} is above the limit per cash-out (${refusal.limitAmount} ${item.currency}).`,
    per_recipient_day: `${item.amount} ${item.currency} is above what this recipient may still be paid in 24 hours (${refusal.left} of ${refusal.limitAmount} ${item.currency}).`,
    per_day: `${item.amount} ${item.currency} is above what the platform may still pay in 24 hours (${refusal.left} of ${refusal.limitAmount} ${item.currency}).`,
  };
  return {
    statusCode: LIMIT_STATUS_CODE,
    body: { error: 'limit_exceeded', message: `${messages[refusal.limit]} Nothing was paid.`, cashOutId: item.cashOutId, ...refusal },
  };
}

/** The checks that need no write: a currency with limits, and the amount within the limit per cash-out. */
export async function limitsFor(
  limits: CashOutLimits,
  item: LedgerItem,
): Promise<{ refusal: LimitRefusal } | { perRecipientDay: number; perDay: number; perRecipientDayText: string; perDayText: string }> {
  const set = await limits.settings.forCurrency(item.currency);
  if (!set)
    return { refusal: { limit: 'currency_not_enabled', currency: item.currency, limitAmount: '', left: majorText(0, item.currency) } };
  if (item.amountMinor > limitMinor(set.perCashOut, item.currency))
    return { refusal: { limit: 'per_cash_out', currency: item.currency, limitAmount: set.perCashOut, left: set.perCashOut } };
  return {
    perRecipientDay: limitMinor(set.perRecipientDay, item.currency),
    perDay: limitMinor(set.perDay, item.currency),
    perRecipientDayText: set.perRecipientDay,
    perDayText: set.perDay,
  };
}

/**
 * Takes the cash-out's amount from the rolling limits, tied to its id (a retry or takeover of
 * the same cash-out finds its own reservation and takes nothing more). A refusal says which
 * limit and what it had left; nothing was taken then.
 */
export async function reserveLimits(
  limits: CashOutLimits,
  item: LedgerItem,
  accountId: string,
  deadlineAt: number,
): Promise<LimitRefusal | undefined> {
  const found = await limitsFor(limits, item);
  if ('refusal' in found) return found.refusal;
  const result = await limits.usage.reserve(
    {
      cashOutId: item.cashOutId,
      accountId,
      currency: item.currency,
      amountMinor: item.amountMinor,
      perRecipientDay: found.perRecipientDay,
      perDay: found.perDay,
    },
    deadlineAt,
  );
  if (result.reserved) return undefined;
  return {
    limit: result.limit,
    currency: item.currency,
    limitAmount: result.limit === 'per_day' ? found.perDayText : found.perRecipientDayText,
    left: majorText(result.leftMinor, item.currency),
  };
}
