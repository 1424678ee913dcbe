import { createHash } from 'node:crypto';
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from './clock.js';
import { isConditionalCheckFailed, fieldUpdate, updateExpression } from './dynamodb.js';
import {
  HOUR_MS,
  PLATFORM_SHARDS,
  backedOffConflict,
  cancellation,
  giveBack,
  platformKeys,
  recipientKey,
  rolls,
  shardCaps,
  splitByRoom,
  take,
  usedInWindow,
  type Cancelled,
  type Counter,
} from './usage-counters.js';

/**
 * What cash-outs have taken of the rolling 24-hour limits, in the usage table. Design (see
 * docs/decisions.md, "Limits"):
 *
 * - A counter item per scope and currency: `recipient#<acct>#<CUR>`, and the platform's split
 *   in PLATFORM_SHARDS items `platform#<CUR>#<n>`, each allowed its share of the day's limit.
 *   A counter holds 24 hourly slots and `used`, their sum; the writes on counters are in
 *   usage-counters.ts, this module combines them with the reservation item.
 * - Taking is one TransactWriteItems: a reservation item `reservation#<cashOutId>` put on
 *   condition it does not exist (so a retry or a takeover of the same cash-out never takes
 *   twice) and, per counter, `used += amount` on condition `used <= cap - amount`, that the
 *   current slot is this hour's and that no slot is older than 24 hours. DynamoDB checks all of
 *   it atomically: two cash-outs racing for the last of a limit cannot both pass. A condition
 *   cannot sum slots, hence `used`; slots out of the window are first taken out of `used` by
 *   conditional writes of their own (`roll`), so `used` is exactly the window's sum when a
 *   reservation is checked against it.
 * - Giving back is one transaction too: `releasedAt` set on the reservation on condition it is
 *   not set yet (exactly once, however often a failure is delivered), and the amount taken out
 *   of the slot it went into, where that slot still holds that hour (else it has left the window).
 */

/** Reservations and idle counters are kept this long past their last use (TTL), well past the window. */
const KEEP_SECONDS = 3 * 86_400;
const MAX_ROUNDS = 12;

export interface Reservation {
  key: string;
  cashOutId: string;
  currency: string;
  amountMinor: number;
  accountId: string;
  /** The hour (epoch hours) whose slots it went into. */
  hour: number;
  /** Minor units taken from each counter. */
  parts: Record<string, number>;
  reservedAt: string;
  releasedAt?: string;
  expiresAt: number;
}

export interface ReserveRequest {
  cashOutId: string;
  accountId: string;
  currency: string;
  amountMinor: number;
  /** Minor units. */
  perRecipientDay: number;
  perDay: number;
}

export type ReserveResult =
  | { reserved: true; reservation: Reservation; earlier: boolean }
  | { reserved: false; limit: 'per_recipient_day' | 'per_day'; leftMinor: number };

/** One round of taking: the reservation item, and per counter the key, the part taken and its cap (the recipient's first). */
interface Attempt {
  reservation: Reservation;
  counters: [key: string, part: number, cap: number][];
  hour: number;
}

/** After a refused round: the answer, or try again (`again`), or again with the platform's share split over these shards. */
type Next = ReserveResult | 'again' | { parts: Record<number, number> };

export const reservationKey = (cashOutId: string) => `reservation#${cashOutId}`;

/** The round's reservation and counters: the recipient's, and the platform shards in `platformParts`. */
function attempt(request: ReserveRequest, hour: number, platformParts: Record<number, number>, now: Date): Attempt {
  const recipient = recipientKey(request.accountId, request.currency);
  const shards = platformKeys(request.currency);
  const caps = shardCaps(request.perDay);
  const platform = Object.entries(platformParts).map(([shard, part]): [string, number, number] => [
    shards[Number(shard)]!,
    part,
    caps[Number(shard)]!,
  ]);
  const reservation: Reservation = {
    key: reservationKey(request.cashOutId),
    cashOutId: request.cashOutId,
    currency: request.currency,
    amountMinor: request.amountMinor,
    accountId: request.accountId,
    hour,
    parts: { [recipient]: request.amountMinor, ...Object.fromEntries(platform.map(([key, part]) => [key, part])) },
    reservedAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + KEEP_SECONDS,
  };
  return { reservation, counters: [[recipient, request.amountMinor, request.perRecipientDay], ...platform], hour };
}

export class LimitUsage {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly clock: Clock,
  ) {}

  async get(key: string): Promise<Counter | undefined> {
    return (await this.db.send(new GetCommand({ TableName: this.tableName, Key: { key }, ConsistentRead: true }))).Item;
  }

  async reservation(cashOutId: string): Promise<Reservation | undefined> {
    return (await this.get(reservationKey(cashOutId))) as Reservation | undefined;
  }

  /**
   * Takes a cash-out's amount from its recipient's counter and the platform's, or says which
   * limit refuses it and how much that limit has left. The platform's share is taken from one
   * shard (chosen by the cash-out id), or, when that one has not room enough, split over the
   * shards that have: it is refused only when all the shards together have less than the amount.
   * Throws when it could not be settled before `deadlineAt` (nothing may then be paid).
   */
  async reserve(request: ReserveRequest, deadlineAt: number): Promise<ReserveResult> {
    const hour = Math.floor(this.clock.now() / HOUR_MS);
    const first = createHash('sha256').update(request.cashOutId).digest().readUInt32BE(0) % PLATFORM_SHARDS;
    let platformParts: Record<number, number> = { [first]: request.amountMinor };
    for (let round = 1; round <= MAX_ROUNDS && this.clock.now() < deadlineAt; round += 1) {
      const taking = attempt(request, hour, platformParts, new Date(this.clock.now()));
      try {
        await this.db.send(this.reserveTransaction(taking));
        return { reserved: true, reservation: taking.reservation, earlier: false };
      } catch (error) {
        const next = await this.afterRefusal(error, request, taking, round);
        if (next === 'again') continue;
        if ('parts' in next) platformParts = next.parts;
        else return next;
      }
    }
    throw new Error(`Could not take cash-out ${request.cashOutId}'s amount from the limits in time.`);
  }

  /** The reservation put on condition it does not exist, and every counter's take, in one transaction. */
  private reserveTransaction({ reservation, counters, hour }: Attempt): TransactWriteCommand {
    return new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: this.tableName,
            Item: reservation,
            ConditionExpression: 'attribute_not_exists(#key)',
            ExpressionAttributeNames: { '#key': 'key' },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        ...counters.map(([key, part, cap]) => take(this.tableName, key, part, cap, hour, reservation.expiresAt)),
      ],
    });
  }

  /**
   * A refused round read: the cash-out's earlier reservation, a lost race, windows to roll, or a
   * counter out of room (the recipient's refuses; the platform's share is split over the shards).
   */
  private async afterRefusal(error: unknown, request: ReserveRequest, { counters, hour }: Attempt, round: number): Promise<Next> {
    const cancelled = cancellation(error);
    if (!cancelled) throw error;
    if (cancelled.codes[0] === 'ConditionalCheckFailed') return this.earlier(request.cashOutId, cancelled, error);
    if (await backedOffConflict(cancelled, round)) return 'again';
    const refused = await this.settle(counters, cancelled.items.slice(1), cancelled.codes.slice(1), hour);
    if (refused === 'rolled') return 'again';
    if (refused === recipientKey(request.accountId, request.currency))
      return {
        reserved: false,
        limit: 'per_recipient_day',
        leftMinor: Math.max(0, request.perRecipientDay - usedInWindow(cancelled.items[1], hour)),
      };
    const split = await this.splitOverShards(platformKeys(request.currency), shardCaps(request.perDay), request.amountMinor, hour);
    if (split === 'rolled') return 'again';
    if ('leftMinor' in split) return { reserved: false, limit: 'per_day', leftMinor: split.leftMinor };
    return split;
  }

  /** The cash-out took its amount before (a retry or a takeover): that reservation, unless it was given back. */
  private async earlier(cashOutId: string, cancelled: Cancelled, error: unknown): Promise<Next> {
    const earlier = (cancelled.items[0] as Reservation | undefined) ?? (await this.reservation(cashOutId));
    if (!earlier) return 'again';
    if (earlier.releasedAt)
      throw new Error(`The limits taken for cash-out ${cashOutId} were given back already; it cannot be paid now.`, { cause: error });
    return { reserved: true, reservation: earlier, earlier: true };
  }

  /** After a refused take: rolls what had slots out of the window ('rolled'), else names the first counter out of room. */
  private async settle(
    counters: [string, number, number][],
    items: (Counter | undefined)[],
    codes: string[],
    hour: number,
  ): Promise<'rolled' | string> {
    let rolled = false;
    for (const [index, [key]] of counters.entries()) {
      if (codes[index] !== 'ConditionalCheckFailed') continue;
      rolled = (await this.roll(key, items[index], hour)) || rolled;
    }
    if (rolled) return 'rolled';
    return counters.find((_, index) => codes[index] === 'ConditionalCheckFailed')?.[0] ?? 'rolled';
  }

  /** The platform's share split over the shards with room, biggest room first; or how much they have left together. */
  private async splitOverShards(
    shards: string[],
    caps: number[],
    amount: number,
    hour: number,
  ): Promise<'rolled' | { parts: Record<number, number> } | { leftMinor: number }> {
    const items = await Promise.all(shards.map((key) => this.get(key)));
    let rolled = false;
    for (const [index, key] of shards.entries()) rolled = (await this.roll(key, items[index], hour)) || rolled;
    if (rolled) return 'rolled';
    return splitByRoom(items, caps, amount, hour);
  }

  /** Takes a counter's slots out of the window where needed; true if anything was to do. */
  private async roll(key: string, counter: Counter | undefined, hour: number): Promise<boolean> {
    const updates = rolls(key, counter, hour);
    for (const update of updates) {
      try {
        await this.db.send(new UpdateCommand({ ...update, TableName: this.tableName }));
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    return updates.length > 0;
  }

  /**
   * Gives a cash-out's amount back, exactly once: `released`, or `already` (given back before),
   * or `none` (nothing was taken: refused, or before limits). A part whose hour has left the
   * window is no longer counted, so there is nothing to give back for it.
   */
  async release(cashOutId: string): Promise<'released' | 'already' | 'none'> {
    const reservation = await this.reservation(cashOutId);
    if (!reservation) return 'none';
    if (reservation.releasedAt) return 'already';
    const gone = new Set<string>();
    for (let round = 1; round <= MAX_ROUNDS; round += 1) {
      const keys = Object.keys(reservation.parts).filter((key) => !gone.has(key));
      try {
        await this.db.send(this.releaseTransaction(reservation, keys));
        return 'released';
      } catch (error) {
        const cancelled = cancellation(error);
        if (!cancelled) throw error;
        if (cancelled.codes[0] === 'ConditionalCheckFailed') return 'already';
        if (await backedOffConflict(cancelled, round)) continue;
        keys.forEach((key, index) => cancelled.codes[index + 1] === 'ConditionalCheckFailed' && gone.add(key));
      }
    }
    throw new Error(`Could not give back the limits taken for cash-out ${cashOutId}.`);
  }

  /** `releasedAt` set on condition it is not set yet, and each part in `keys` given back to its counter, in one transaction. */
  private releaseTransaction(reservation: Reservation, keys: string[]): TransactWriteCommand {
    const released = fieldUpdate({ releasedAt: new Date(this.clock.now()).toISOString() });
    return new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: this.tableName,
            Key: { key: reservation.key },
            UpdateExpression: updateExpression(released),
            ConditionExpression: 'attribute_exists(#key) AND attribute_not_exists(releasedAt)',
            ExpressionAttributeNames: { '#key': 'key', ...released.names },
            ExpressionAttributeValues: released.values,
          },
        },
        ...keys.map((key) => giveBack(this.tableName, key, reservation.parts[key]!, reservation.hour)),
      ],
    });
  }
}
