import { Decimal } from 'decimal.js';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from './clock.js';
import { currencyExponent } from './money.js';

/**
 * What a cash-out may move, per currency: exact decimals in major units, as an operator set
 * them. A currency without limits is not paid at all.
 */
export interface CurrencyLimits {
  perCashOut: string;
  /** Per recipient (their Stripe connected account), over a rolling 24 hours. */
  perRecipientDay: string;
  /** The whole platform, over a rolling 24 hours. */
  perDay: string;
  /** Who last set them and when; absent for the defaults. */
  updatedAt?: string;
  updatedBy?: string;
}

/** Which limit refused a cash-out. */
export type LimitName = 'per_cash_out' | 'per_recipient_day' | 'per_day' | 'currency_not_enabled';

/** Kept on the ledger item of a cash-out refused by a limit: which limit, and what it had left. */
export interface LimitRefusal {
  limit: LimitName;
  currency: string;
  /** The limit, in major units ("" for a currency without limits). */
  limitAmount: string;
  /** What the limit had left for this cash-out, in major units. */
  left: string;
}

const DEFAULT = { perCashOut: '10000.00', perRecipientDay: '25000.00', perDay: '250000.00' };

/** Out of the box: these five currencies, at these limits; any other is refused until an operator sets its limits. */
export const DEFAULT_LIMITS: Readonly<Record<string, CurrencyLimits>> = Object.fromEntries(
  ['USD', 'EUR', 'GBP', 'CAD', 'AUD'].map((currency) => [currency, DEFAULT]),
);

/** The one item of the limits table: each currency's limits in an attribute named by its code. */
export const LIMITS_ITEM = { id: 'currencies' } as const;

/** Major units to minor units, exactly (the limits are checked with the format `toMinorUnits` checks). */
export const limitMinor = (amount: string, currency: string): number =>
  new Decimal(amount).times(new Decimal(10).pow(currencyExponent(currency))).toNumber();

/** Minor units back to an exact major-unit text ("2500.00"). */
export const majorText = (minor: number, currency: string): string =>
  new Decimal(minor).dividedBy(new Decimal(10).pow(currencyExponent(currency))).toFixed(currencyExponent(currency));

/**
 * Reads the limits (the Village function may read them, never write them: its role has GetItem
 * on the limits table only). Kept for `cacheMs` (at most 60 s in AWS, 0 locally) so a change
 * applies within a minute without a read per cash-out.
 */
export class LimitSettings {
  private cached?: { at: number; value: Record<string, CurrencyLimits> };

  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: { clock: Clock; cacheMs: number },
  ) {}

  /** Every currency with limits: the defaults, overridden by what operators set. */
  async all(): Promise<Record<string, CurrencyLimits>> {
    const now = this.options.clock.now();
    if (this.cached && now - this.cached.at < this.options.cacheMs) return this.cached.value;
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: LIMITS_ITEM, ConsistentRead: true }));
    const set = Object.entries(result.Item ?? {}).filter(
      ([key, value]) => /^[A-Z]{3}$/.test(key) && typeof value === 'object' && value !== null,
    ) as [string, CurrencyLimits][];
    const value = { ...DEFAULT_LIMITS, ...Object.fromEntries(set) };
    this.cached = { at: now, value };
    return value;
  }

  async forCurrency(currency: string): Promise<CurrencyLimits | undefined> {
    return (await this.all())[currency];
  }
}
