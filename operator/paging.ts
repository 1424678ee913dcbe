import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../functions/shared/errors.js';

/** Where a page ends: the sort key (a time) and the item's own key, to break ties. */
export interface Position {
  at: string;
  key: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass it back for the next (older) page. */
  next?: string;
  /** The search stopped early (too many items examined): `next` continues it. */
  partial?: boolean;
}

export const encodeCursor = (position: Position): string =>
  Buffer.from(JSON.stringify([position.at, position.key]), 'utf8').toString('base64url');

export function decodeCursor(cursor: string | undefined): Position | undefined {
  if (!cursor) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((part) => typeof part === 'string'))
      return { at: value[0] as string, key: value[1] as string };
  } catch {
    // Falls through to the refusal below.
  }
  throw new ValidationError('bad_cursor', 'The page cursor is not one this console gave out; start from the first page.');
}

export interface Ordering<T> {
  at(item: T): string;
  key(item: T): string;
}

/** The partitions to read, given the newest sort key wanted (the cursor's, inclusive). */
export type PartitionQueries = (upTo: string | undefined) => QueryCommandInput[];

/** Items examined per partition before a page is returned partial, so a filter matching nothing cannot read a whole table. */
export const EXAMINE_BUDGET = 2000;

/**
 * One page, newest first, across several index partitions (one per status, or per provider):
 * each is read newest first from the cursor down, and the results merged. Keyset paging, so a
 * page never repeats or skips an item however many are added meanwhile.
 */
export async function newestFirst<T>(
  db: DynamoDBDocumentClient,
  queries: PartitionQueries,
  order: Ordering<T>,
  options: { limit: number; cursor?: string; budget?: number },
): Promise<Page<T>> {
  const after = decodeCursor(options.cursor);
  const budget = options.budget ?? EXAMINE_BUDGET;
  const before = (item: T, position: Position) =>
    order.at(item) < position.at || (order.at(item) === position.at && order.key(item) < position.key);
  const newer = (a: T, b: T) => order.at(b).localeCompare(order.at(a)) || order.key(b).localeCompare(order.key(a));

  const collected: T[] = [];
  let stoppedAt: Position | undefined;
  for (const query of queries(after?.at)) {
    const taken: T[] = [];
    let examined = 0;
    for await (const item of readNewestFirst<T>(db, query, options.limit + 1)) {
      if (after && !before(item, after)) continue;
      const last = taken[taken.length - 1];
      if (taken.length > options.limit && last && order.at(item) !== order.at(last)) break;
      if (++examined > budget) {
        const position = { at: order.at(item), key: order.key(item) };
        if (!stoppedAt || position.at > stoppedAt.at || (position.at === stoppedAt.at && position.key > stoppedAt.key))
          stoppedAt = position;
        break;
      }
      taken.push(item);
    }
    collected.push(...taken);
  }
  // Past a partition's stopping point its items were not all read: they wait for the next page.
  const complete = stoppedAt ? collected.filter((item) => !before(item, stoppedAt!)) : collected;
  complete.sort(newer);
  const items = complete.slice(0, options.limit);
  if (complete.length > options.limit) {
    const last = items[items.length - 1]!;
    return { items, next: encodeCursor({ at: order.at(last), key: order.key(last) }) };
  }
  if (stoppedAt) return { items, next: encodeCursor(stoppedAt), partial: true };
  return { items };
}

/** Every item of a query, page by page, newest first. */
export async function* readNewestFirst<T>(db: DynamoDBDocumentClient, input: QueryCommandInput, pageSize?: number): AsyncGenerator<T> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        ...input,
        ScanIndexForward: false,
        ExclusiveStartKey: start,
        ...(pageSize ? { Limit: Math.max(pageSize, 25) } : {}),
      }),
    );
    yield* (page.Items ?? []) as T[];
    start = page.LastEvaluatedKey;
  } while (start);
}

/** A sort-key range for a key condition: `from` and `upTo` (inclusive), either optional. */
export function timeRange(
  attribute: string,
  from: string | undefined,
  upTo: string | undefined,
): { expression?: string; values: Record<string, string> } {
  if (from && upTo) return { expression: `${attribute} BETWEEN :from AND :upTo`, values: { ':from': from, ':upTo': upTo } };
  if (from) return { expression: `${attribute} >= :from`, values: { ':from': from } };
  if (upTo) return { expression: `${attribute} <= :upTo`, values: { ':upTo': upTo } };
  return { values: {} };
}

/**
 * Pages of the same listing from several sources (each newest first, from the same cursor)
 * as one: the `limit` newest of them all, an item in two sources once (the first source's).
 * A source that stopped early (`partial`) holds back every item older than where it stopped.
 */
export function mergePages<T>(pages: Page<T>[], order: Ordering<T>, limit: number): Page<T> {
  const seen = new Set<string>();
  const all: T[] = [];
  for (const item of pages.flatMap((page) => page.items)) {
    if (seen.has(order.key(item))) continue;
    seen.add(order.key(item));
    all.push(item);
  }
  all.sort((a, b) => order.at(b).localeCompare(order.at(a)) || order.key(b).localeCompare(order.key(a)));
  const stops = pages.flatMap((page) => (page.partial && page.next ? [decodeCursor(page.next)!] : []));
  const stop = stops.sort((a, b) => b.at.localeCompare(a.at) || b.key.localeCompare(a.key))[0];
  const complete = stop
    ? all.filter((item) => order.at(item) > stop.at || (order.at(item) === stop.at && order.key(item) >= stop.key))
    : all;
  const items = complete.slice(0, limit);
  const last = items[items.length - 1];
  if (last && (complete.length > limit || (items.length === limit && pages.some((page) => page.next && !page.partial))))
    return { items, next: encodeCursor({ at: order.at(last), key: order.key(last) }) };
  if (stop) return { items, next: encodeCursor(stop), partial: true };
  return { items };
}
