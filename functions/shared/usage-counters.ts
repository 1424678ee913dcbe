import type { TransactWriteCommandInput, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { sleep } from './clock.js';
import { fieldUpdate, updateExpression } from './dynamodb.js';

/**
 * The counter items of the usage table and the writes on them (the reservation transaction that
 * combines them is in usage.ts). A counter holds 24 hourly slots (`h<i>`: the hour, epoch hours;
 * `a<i>`: the amount, minor units; slot i = hour mod 24) and `used`, their sum.
 */

/** The platform counter of a currency is this many items: one item is one partition (see docs/decisions.md). */
export const PLATFORM_SHARDS = 4;
export const SLOTS = 24;
export const HOUR_MS = 3_600_000;

export type Counter = Record<string, unknown>;

/** One write of a TransactWriteItems. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export const recipientKey = (accountId: string, currency: string) => `recipient#${accountId}#${currency}`;
export const platformKeys = (currency: string) => Array.from({ length: PLATFORM_SHARDS }, (_, shard) => `platform#${currency}#${shard}`);

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

/** An amount split over the shards with room, biggest room first; or, when they have less together, how much that is. */
export function splitByRoom(
  shards: (Counter | undefined)[],
  caps: number[],
  amount: number,
  hour: number,
): { parts: Record<number, number> } | { leftMinor: number } {
  const rooms = shards
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

/** The writes that take slots out of the window (and make the current one this hour's), each on condition nobody did it first. */
export function rolls(key: string, counter: Counter | undefined, hour: number): Omit<UpdateCommandInput, 'TableName'>[] {
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
export function take(tableName: string, key: string, part: number, cap: number, hour: number, expiresAt: number): TransactItem {
  const current = hour % SLOTS;
  const expires = fieldUpdate({ expiresAt }, 'e');
  const names: Record<string, string> = { '#used': 'used', '#a': `a${current}`, '#h': `h${current}`, ...expires.names };
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
      UpdateExpression: updateExpression({ sets: ['#used = #used + :part', '#a = #a + :part', ...expires.sets], removes: [] }),
      ConditionExpression: `#h = :hour AND #used <= :room AND ${fresh.join(' AND ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':part': part, ':room': cap - part, ':hour': hour, ':oldest': hour - SLOTS, ...expires.values },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/** `used -= part` out of the slot of `hour`, on condition that slot still holds that hour (else it has left the window). */
export function giveBack(tableName: string, key: string, part: number, hour: number): TransactItem {
  const slot = hour % SLOTS;
  return {
    Update: {
      TableName: tableName,
      Key: { key },
      UpdateExpression: 'SET #used = #used - :part, #a = #a - :part',
      ConditionExpression: '#h = :hour',
      ExpressionAttributeNames: { '#used': 'used', '#a': `a${slot}`, '#h': `h${slot}` },
      ExpressionAttributeValues: { ':part': part, ':hour': hour },
    },
  };
}

/** Why a TransactWriteItems was cancelled: a code and the item as it was (where asked for) per write, in order. */
export interface Cancelled {
  codes: string[];
  items: (Counter | undefined)[];
}

/** The cancellation reasons of a TransactWriteItems, or undefined when the error is anything else. */
export function cancellation(error: unknown): Cancelled | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons =
    (error as { CancellationReasons?: { Code?: string; Item?: Parameters<typeof unmarshall>[0] }[] }).CancellationReasons ?? [];
  return {
    codes: reasons.map((reason) => reason.Code ?? 'None'),
    items: reasons.map((reason) => (reason.Item ? unmarshall(reason.Item) : undefined)),
  };
}

/** True, after a short random back-off growing with `round`, when the transaction lost a race with another one. */
export async function backedOffConflict(cancelled: Cancelled, round: number): Promise<boolean> {
  if (!cancelled.codes.includes('TransactionConflict')) return false;
  await sleep(Math.min(10 * 2 ** round, 200) * Math.random());
  return true;
}
