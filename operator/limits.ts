import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { systemClock, type Clock } from '../functions/shared/clock.js';
import { historyEntry, HistoryStore, type HistoryEntry } from '../functions/shared/history.js';
import { ValidationError } from '../functions/shared/errors.js';
import { limitMinor, LIMITS_ITEM, LimitSettings, majorText, type CurrencyLimits } from '../functions/shared/limits.js';
import { parseStripeCurrency, toMinorUnits } from '../functions/shared/money.js';
import { LimitUsage } from '../functions/shared/usage.js';
import { platformKeys, usedInWindow } from '../functions/shared/usage-counters.js';

/** The history subject of a currency's limits: every change is an entry there. */
export const limitsSubject = (currency: string) => `limits#${currency}`;

export interface LimitsRow extends CurrencyLimits {
  currency: string;
  /** What the platform has paid (taken, not given back) in the rolling 24 hours, and what is left, in major units. */
  usedToday: string;
  leftToday: string;
  /** `default` until an operator sets them. */
  source: 'default' | 'set';
}

/**
 * An operator's limits for a currency, checked: a currency Stripe supports, positive amounts
 * that fit it, and per cash-out ≤ per recipient a day ≤ per day. Written back exactly, with the
 * currency's decimal places.
 */
export function checkedLimits(
  currencyText: string,
  limits: Pick<CurrencyLimits, 'perCashOut' | 'perRecipientDay' | 'perDay'>,
): { currency: string; limits: Pick<CurrencyLimits, 'perCashOut' | 'perRecipientDay' | 'perDay'> } {
  const currency = parseStripeCurrency(currencyText);
  const minor = {
    perCashOut: toMinorUnits(limits.perCashOut, currency, 'transfer'),
    perRecipientDay: toMinorUnits(limits.perRecipientDay, currency, 'transfer'),
    perDay: toMinorUnits(limits.perDay, currency, 'transfer'),
  };
  if (minor.perCashOut > minor.perRecipientDay)
    throw new ValidationError('invalid_limits', 'The limit per cash-out cannot be above the limit per recipient a day.');
  if (minor.perRecipientDay > minor.perDay)
    throw new ValidationError('invalid_limits', 'The limit per recipient a day cannot be above the limit per day.');
  return {
    currency,
    limits: {
      perCashOut: majorText(minor.perCashOut, currency),
      perRecipientDay: majorText(minor.perRecipientDay, currency),
      perDay: majorText(minor.perDay, currency),
    },
  };
}

/** The operator's side of the limits: read them with today's use, and set them (recorded in the history table). */
export class LimitsAdmin {
  private readonly settings: LimitSettings;
  private readonly usage: LimitUsage;
  private readonly history: HistoryStore;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: { limits: string; usage: string; history: string },
    private readonly clock: Clock = systemClock,
  ) {
    this.settings = new LimitSettings(db, tables.limits, { clock, cacheMs: 0 });
    this.usage = new LimitUsage(db, tables.usage, clock);
    this.history = new HistoryStore(db, tables.history);
  }

  /** Every currency that is paid, with its limits and the platform's use in the rolling 24 hours. */
  async show(): Promise<LimitsRow[]> {
    const all = await this.settings.all();
    const hour = Math.floor(this.clock.now() / 3_600_000);
    const rows: LimitsRow[] = [];
    for (const [currency, limits] of Object.entries(all).sort(([a], [b]) => a.localeCompare(b))) {
      const counters = await Promise.all(platformKeys(currency).map((key) => this.usage.get(key)));
      const used = counters.reduce((sum, counter) => sum + usedInWindow(counter, hour), 0);
      const left = Math.max(0, limitMinor(limits.perDay, currency) - used);
      rows.push({
        currency,
        ...limits,
        usedToday: majorText(used, currency),
        leftToday: majorText(left, currency),
        source: limits.updatedAt ? 'set' : 'default',
      });
    }
    return rows;
  }

  /**
   * Sets a currency's limits, checked (a currency Stripe supports, amounts that fit it, per
   * cash-out ≤ per recipient a day ≤ per day), and records who and when in the history table,
   * in the same transaction: no change without its entry.
   */
  async set(
    currencyText: string,
    input: Pick<CurrencyLimits, 'perCashOut' | 'perRecipientDay' | 'perDay'>,
    who: string,
  ): Promise<{ limits: CurrencyLimits & { currency: string }; entry: HistoryEntry }> {
    const { currency, limits } = checkedLimits(currencyText, input);
    const before = (await this.settings.all())[currency];
    const now = new Date(this.clock.now());
    const stored: CurrencyLimits = { ...limits, updatedAt: now.toISOString(), updatedBy: who };
    const describe = (value: CurrencyLimits) =>
      `per cash-out ${value.perCashOut}, per recipient a day ${value.perRecipientDay}, per day ${value.perDay} ${currency}`;
    const entry = historyEntry(
      limitsSubject(currency),
      {
        who,
        action: 'set_limits',
        outcome: 'set',
        result: `Limits for ${currency} set to ${describe(stored)}; were ${before ? describe(before) : 'none (not paid)'}.`,
      },
      now,
    );
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.tables.limits,
              Key: LIMITS_ITEM,
              UpdateExpression: 'SET #currency = :limits',
              ExpressionAttributeNames: { '#currency': currency },
              ExpressionAttributeValues: { ':limits': stored },
            },
          },
          { Put: this.history.put(entry) },
        ],
      }),
    );
    return { limits: { currency, ...stored }, entry };
  }

  /** The changes to a currency's limits, oldest first. */
  changes(currency: string): Promise<HistoryEntry[]> {
    return this.history.list(limitsSubject(currency));
  }
}
