import { createHash } from 'node:crypto';
import {
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { sleep, type Clock } from './clock.js';
import { isConditionalCheckFailed } from './dynamodb.js';

/**
 * What cash-outs have taken of the rolling 24-hour limits, in the usage table. Design (see
 * docs/decisions.md, "Limits"):
 *
 * - A counter item per scope and currency: `recipient#<acct>#<CUR>`, and the platform's split
 *   in PLATFORM_SHARDS items `platform#<CUR>#<n>`, each allowed its share of the day's limit.
 *   A counter holds 24 hourly slots (`h<i>`: the hour, epoch hours; `a<i>`: the amount, minor
 *   units; slot i = hour mod 24) and `used`, their sum.
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

/** The platform counter of a currency is this many items: one item is one partition (see docs/decisions.md). */
export const PLATFORM_SHARDS = 4;
const SLOTS = 24;
const HOUR_MS = 3_600_000;
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

type Counter = Record<string, unknown>;

export const recipientKey = (accountId: string, currency: string) => `recipient#${accountId}#${currency}`;
export const platformKeys = (currency: string) => Array.from({ length: PLATFORM_SHARDS }, (_, shard) => `platform#${currency}#${shard}`);
export const reservationKey = (cashOutId: string) => `reservation#${cashOutId}`;

/** The day's limit split over the shards, exactly: the remainder goes to shard 0. */
export function shardCaps(perDay: number): number[] {
  const base = Math.floor(perDay / PLATFORM_SHARDS);
  return Array.from({ length: PLATFORM_SHARDS }, (_, shard) => (shard === 0 ? perDay - base * (PLATFORM_SHARDS - 1) : base));
}

/** What a counter holds inside the window ending with `hour`, from its slots. */
export function usedInWindow(counter: Counter | undefined, hour: number): number {
  let used = 0;
  for (let slot = 0; slot < SLOTS; slot += 1) {
    const at = counter?.[`h${slot}`];
    if (typeof at === 'number' && at > hour - SLOTS) used += Number(counter?.[`a${slot}`] ?? 0);
  }
  return used;
}

/** The writes that take slots out of the window (and make the current one this hour's), each on condition nobody did it first. */
function rolls(key: string, counter: Counter | undefined, hour: number): Omit<UpdateCommandInput, 'TableName'>[] {
  const current = hour % SLOTS;
  const updates: Omit<UpdateCommandInput, 'TableName'>[] = [];
  for (let slot = 0; slot < SLOTS; slot += 1) {
    const at = counter?.[`h${slot}`];
    const base = { Key: { key }, ExpressionAttributeNames: { '#used': 'used', '#h': `h${slot}`, '#a': `a${slot}` } };
    if (slot === current && at === undefined) {
      updates.push({
        ...base,
        UpdateExpression: 'SET #h = :hour, #a = :zero, #used = if_not_exists(#used, :zero)',
        ConditionExpression: 'attribute_not_exists(#h)',
        ExpressionAttributeValues: { ':hour': hour, ':zero': 0 },
      });
    } else if (slot === current && at !== hour && typeof at === 'number' && at < hour) {
      updates.push({
        ...base,
        UpdateExpression: 'SET #h = :hour, #a = :zero, #used = #used - #a',
        ConditionExpression: '#h = :old',
        ExpressionAttributeValues: { ':hour': hour, ':zero': 0, ':old': at },
      });
    } else if (slot !== current && typeof at === 'number' && at <= hour - SLOTS) {
      updates.push({
        ...base,
        UpdateExpression: 'SET #used = #used - #a REMOVE #h, #a',
        ConditionExpression: '#h = :old',
        ExpressionAttributeValues: { ':old': at },
      });
    }
  }
  return updates;
}

/** `used += part` into this hour's slot, on condition the result stays within `cap` and every slot is inside the window. */
function take(tableName: string, key: string, part: number, cap: number, hour: number, expiresAt: number) {
  const current = hour % SLOTS;
  const names: Record<string, string> = { '#used': 'used', '#a': `a${current}`, '#h': `h${current}` };
  const fresh: string[] = [];
  for (let slot = 0; slot < SLOTS; slot += 1) {
    if (slot === current) continue;
    names[`#h${slot}`] = `h${slot}`;
    fresh.push(`(attribute_not_exists(#h${slot}) OR #h${slot} > :oldest)`);
  }
  return {
    Update: {
      TableName: tableName,
      Key: { key },
      UpdateExpression: 'SET #used = #used + :part, #a = #a + :part, expiresAt = :expires',
      ConditionExpression: `#h = :hour AND #used <= :room AND ${fresh.join(' AND ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':part': part, ':room': cap - part, ':hour': hour, ':oldest': hour - SLOTS, ':expires': expiresAt },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    },
  };
}

interface Cancelled {
  codes: string[];
  items: (Counter | undefined)[];
}

function cancellation(error: unknown): Cancelled | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons =
    (error as { CancellationReasons?: { Code?: string; Item?: Parameters<typeof unmarshall>[0] }[] }).CancellationReasons ?? [];
  return {
    codes: reasons.map((reason) => reason.Code ?? 'None'),
    items: reasons.map((reason) => (reason.Item ? unmarshall(reason.Item) : undefined)),
  };
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
    const recipient = recipientKey(request.accountId, request.currency);
    const shards = platformKeys(request.currency);
    const caps = shardCaps(request.perDay);
    const first = createHash('sha256').update(request.cashOutId).digest().readUInt32BE(0) % PLATFORM_SHARDS;
    let platformParts: Record<number, number> = { [first]: request.amountMinor };
    for (let round = 1; round <= MAX_ROUNDS && this.clock.now() < deadlineAt; round += 1) {
      const now = new Date(this.clock.now());
      const expiresAt = Math.floor(now.getTime() / 1000) + KEEP_SECONDS;
      const parts: Record<string, number> = {
        [recipient]: request.amountMinor,
        ...Object.fromEntries(Object.entries(platformParts).map(([shard, part]) => [shards[Number(shard)]!, part])),
      };
      const reservation: Reservation = {
        key: reservationKey(request.cashOutId),
        cashOutId: request.cashOutId,
        currency: request.currency,
        amountMinor: request.amountMinor,
        accountId: request.accountId,
        hour,
        parts,
        reservedAt: now.toISOString(),
        expiresAt,
      };
      const counters: [string, number, number][] = [
        [recipient, request.amountMinor, request.perRecipientDay],
        ...Object.entries(platformParts).map(([shard, part]): [string, number, number] => [
          shards[Number(shard)]!,
          part,
          caps[Number(shard)]!,
        ]),
      ];
      try {
        await this.db.send(
          new TransactWriteCommand({
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
              ...counters.map(([key, part, cap]) => take(this.tableName, key, part, cap, hour, expiresAt)),
            ],
          }),
        );
        return { reserved: true, reservation, earlier: false };
      } catch (error) {
        const cancelled = cancellation(error);
        if (!cancelled) throw error;
        if (cancelled.codes[0] === 'ConditionalCheckFailed') {
          const earlier = (cancelled.items[0] as Reservation | undefined) ?? (await this.reservation(request.cashOutId));
          if (!earlier) continue;
          if (earlier.releasedAt)
            throw new Error(`The limits taken for cash-out ${request.cashOutId} were given back already; it cannot be paid now.`, {
              cause: error,
            });
          return { reserved: true, reservation: earlier, earlier: true };
        }
        if (cancelled.codes.includes('TransactionConflict')) {
          await sleep(Math.min(10 * 2 ** round, 200) * Math.random());
          continue;
        }
        const refused = await this.settle(counters, cancelled.items.slice(1), cancelled.codes.slice(1), hour);
        if (refused === 'rolled') continue;
        if (refused === recipient)
          return {
            reserved: false,
            limit: 'per_recipient_day',
            leftMinor: Math.max(0, request.perRecipientDay - usedInWindow(cancelled.items[1], hour)),
          };
        const split = await this.splitOverShards(shards, caps, request.amountMinor, hour);
        if (split === 'rolled') continue;
        if ('leftMinor' in split) return { reserved: false, limit: 'per_day', leftMinor: split.leftMinor };
        platformParts = split.parts;
      }
    }
    throw new Error(`Could not take cash-out ${request.cashOutId}'s amount from the limits in time.`);
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
    const rooms = items
      .map((item, shard) => ({ shard, room: Math.max(0, caps[shard]! - usedInWindow(item, hour)) }))
      .sort((a, b) => b.room - a.room);
    const left = rooms.reduce((sum, { room }) => sum + room, 0);
    if (left < amount) return { leftMinor: left };
    const parts: Record<number, number> = {};
    let remaining = amount;
    for (const { shard, room } of rooms) {
      if (remaining === 0) break;
      const part = Math.min(room, remaining);
      if (part > 0) parts[shard] = part;
      remaining -= part;
    }
    return { parts };
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
    const slot = reservation.hour % SLOTS;
    const gone = new Set<string>();
    for (let round = 1; round <= MAX_ROUNDS; round += 1) {
      const keys = Object.keys(reservation.parts).filter((key) => !gone.has(key));
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: { key: reservation.key },
                  UpdateExpression: 'SET releasedAt = :now',
                  ConditionExpression: 'attribute_exists(#key) AND attribute_not_exists(releasedAt)',
                  ExpressionAttributeNames: { '#key': 'key' },
                  ExpressionAttributeValues: { ':now': new Date(this.clock.now()).toISOString() },
                },
              },
              ...keys.map((key) => ({
                Update: {
                  TableName: this.tableName,
                  Key: { key },
                  UpdateExpression: 'SET #used = #used - :part, #a = #a - :part',
                  ConditionExpression: '#h = :hour',
                  ExpressionAttributeNames: { '#used': 'used', '#a': `a${slot}`, '#h': `h${slot}` },
                  ExpressionAttributeValues: { ':part': reservation.parts[key]!, ':hour': reservation.hour },
                },
              })),
            ],
          }),
        );
        return 'released';
      } catch (error) {
        const cancelled = cancellation(error);
        if (!cancelled) throw error;
        if (cancelled.codes[0] === 'ConditionalCheckFailed') return 'already';
        if (cancelled.codes.includes('TransactionConflict')) {
          await sleep(Math.min(10 * 2 ** round, 200) * Math.random());
          continue;
        }
        keys.forEach((key, index) => cancelled.codes[index + 1] === 'ConditionalCheckFailed' && gone.add(key));
      }
    }
    throw new Error(`Could not give back the limits taken for cash-out ${cashOutId}.`);
  }
}
