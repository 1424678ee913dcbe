import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { STRIPE_BODY_DICTIONARY_V1 } from './stripe-body-dictionary-v1.js';

/**
 * The record model every provider's records share: how a record's status may move (its
 * `Lifecycle`, enforced in DynamoDB by `orderingCondition` or a rank), what an event did to it
 * (`RecordOutcome`, `Move`), and how a record keeps an event's raw body (`packBody`).
 */

/**
 * How a record's `status` may move, for every provider's records: each status has a rank, a
 * terminal status never changes, and an event that is older than the record's state, or asks
 * for a move the lifecycle does not allow, never overwrites it. Each route enforces its
 * lifecycle in DynamoDB (a conditional update), never by reading first.
 */
export interface Lifecycle<S extends string = string> {
  rank: Readonly<Record<S, number>>;
  terminal: readonly S[];
  /**
   * Only moves up in rank (money movements, Just Wallet records). Otherwise a newer event may
   * move the status anywhere (a declined payment may be retried), and only up in rank between
   * events created in the same second.
   */
  forwardOnly: boolean;
  /** The status at which the money has arrived (a payout `completed`, a funding `success`). */
  settled?: S;
  /** The final statuses that may still follow `settled` (a bank return after completion). */
  returns?: readonly S[];
}

/** A status's rank, or undefined if the lifecycle does not know it. */
export function rankOf<S extends string>(lifecycle: Lifecycle<S>, status: string): number | undefined {
  return Object.hasOwn(lifecycle.rank, status) ? lifecycle.rank[status as S] : undefined;
}

export const isTerminal = <S extends string>(lifecycle: Lifecycle<S>, status: string): boolean =>
  (lifecycle.terminal as readonly string[]).includes(status);

/**
 * What a record did with an event, in both routes: `applied` (created, or moved to the event's
 * status), `stale` (the event is older than the record's state, or a move back from it: the
 * status stays; a record that keeps its events keeps this one as late), `duplicate` (this very
 * event was applied before: nothing changed).
 */
export type RecordOutcome = 'applied' | 'stale' | 'duplicate';

/** A status move one event made: `from` is undefined when it created the record. */
export interface Move {
  from?: string;
  to: string;
}

export interface ConditionParts {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/**
 * The ConditionExpression (a top-level AND) that lets `target`, from an event created at
 * `created`, replace the stored status, never by reading first: an event applies only if its
 * `created` is not older than the last one applied (`lastEventCreated`), a terminal status never
 * changes, `forwardOnly` lifecycles (money movements) only move up in rank, and others may move
 * anywhere on a newer event and only up in rank between events created in the same second.
 * `alsoFrom` are statuses outside the lifecycle the item may move from (the ledger's `unknown`).
 */
export function orderingCondition<S extends string>(
  lifecycle: Lifecycle<S>,
  target: S,
  created: number,
  alsoFrom: readonly string[] = [],
): ConditionParts {
  const statuses = Object.keys(lifecycle.rank) as S[];
  const open = (status: S) => !isTerminal(lifecycle, status);
  const upTo = (status: S) => open(status) && rank(lifecycle, status) <= rank(lifecycle, target);
  const newer = unique([...statuses.filter(lifecycle.forwardOnly ? upTo : open), target, ...alsoFrom]);
  const sameSecond = unique([...statuses.filter(upTo), target, ...alsoFrom]);
  const values: Record<string, unknown> = { ':created': created };
  const list = (prefix: string, items: string[]) =>
    items
      .map((status, index) => {
        values[`:${prefix}${index}`] = status;
        return `:${prefix}${index}`;
      })
      .join(', ');
  const names = { '#status': 'status' };
  const notOlder = '(attribute_not_exists(lastEventCreated) OR lastEventCreated <= :created)';
  if (lifecycle.forwardOnly) {
    return { expression: `${notOlder} AND #status IN (${list('from', newer)})`, names, values };
  }
  // One placeholder per status, shared by both lists.
  const placeholder = new Map(unique([...sameSecond, ...newer]).map((status, index) => [status, `:s${index}`]));
  for (const [status, name] of placeholder) values[name] = status;
  const of = (items: string[]) => items.map((status) => placeholder.get(status)!).join(', ');
  // Every status it may move from in a newer second it may move from in the same second: the
  // time check is `notOlder` alone (a payment's capture, say).
  if (newer.every((status) => sameSecond.includes(status)))
    return { expression: `${notOlder} AND #status IN (${of(sameSecond)})`, names, values };
  // A top-level AND, so callers can put it in one pair of parentheses (DynamoDB refuses redundant ones).
  const expression = `${notOlder} AND (#status IN (${of(sameSecond)}) OR ((attribute_not_exists(lastEventCreated) OR lastEventCreated < :created) AND #status IN (${of(newer)})))`;
  return { expression, names, values };
}

const rank = <S extends string>(lifecycle: Lifecycle<S>, status: S): number => rankOf(lifecycle, status) ?? 0;

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

/**
 * A raw body as a record keeps it: DEFLATE (zlib's raw stream, no header), a DynamoDB binary
 * attribute; a write costs one unit per KB of the item.
 *
 * Stripe bodies are packed with a preset dictionary (the shapes of Stripe's objects: keys and
 * enum values, no ids, amounts or names; bin/stripe-body-dictionary.ts), and marked by a first
 * byte naming it: a payment event's 1.8–2.5 KB of pretty-printed JSON becomes 0.2–0.35 KB
 * (0.6–0.85 KB without it). A raw DEFLATE stream never starts with a byte whose bits 1–2 are
 * both set (block type 3 is reserved), so a marked body is never read as a plain one (a Just
 * Wallet body, packed without a dictionary). A dictionary, once used, is
 * kept forever; a better one would be a new marker beside it.
 */
export type BodyDictionary = 'stripe-v1';

const DICTIONARIES: Record<BodyDictionary, { marker: number; bytes: Buffer }> = {
  'stripe-v1': { marker: 0xd7, bytes: Buffer.from(STRIPE_BODY_DICTIONARY_V1, 'utf8') },
};

const BY_MARKER = new Map(Object.values(DICTIONARIES).map((entry) => [entry.marker, entry.bytes]));

/**
 * The compressor's memory, sized to what it packs: every call allocates it afresh (Node's sync
 * API), and zlib's default (a 32 KB window, a 128 KB hash: about 256 KB) is garbage after each
 * event. A 16 KB window holds the 15 KB dictionary; a body of a few KB needs no more. The packed
 * bytes are the same size here and unpack with any window (inflate's default is the largest).
 */
const PLAIN = { windowBits: 12, memLevel: 4 } as const;
const WITH_DICTIONARY = { windowBits: 14, memLevel: 5 } as const;

/** A raw body packed: against the whole dictionary when one is named, plain otherwise (a Just Wallet body). */
export function packBody(raw: string, dictionary?: BodyDictionary): Uint8Array {
  const body = Buffer.from(raw, 'utf8');
  if (!dictionary) return deflateRawSync(body, PLAIN);
  const { marker, bytes } = DICTIONARIES[dictionary];
  const packed = deflateRawSync(body, { ...WITH_DICTIONARY, dictionary: bytes });
  const marked = new Uint8Array(packed.length + 1);
  marked[0] = marker;
  marked.set(packed, 1);
  return marked;
}

/** The body exactly as received (byte for byte, so the signature would still verify). */
export function unpackBody(packed: Uint8Array): string {
  const dictionary = packed.length > 0 ? BY_MARKER.get(packed[0]!) : undefined;
  if (dictionary) return inflateRawSync(packed.subarray(1), { dictionary }).toString('utf8');
  return inflateRawSync(packed).toString('utf8');
}
