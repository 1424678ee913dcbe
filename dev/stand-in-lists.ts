import type { Params } from './stand-in-types.js';

/**
 * The Stripe stand-in's list endpoints for a historical import: `GET /v1/charges`,
 * `/v1/payment_intents`, `/v1/refunds`, `/v1/disputes`, `/v1/payouts` and `/v1/transfers`, as
 * Stripe answers them: newest first; `created[gte|gt|lte|lt]`; `limit` 1–100 (default 10);
 * `starting_after` / `ending_before`; `has_more`. Payouts, charges, payment intents, refunds and
 * disputes are the key's own account's, or a connected account's with `Stripe-Account`;
 * transfers are the platform's, filtered by `transfer_group` when given. The objects are those the
 * stand-in made (payouts, transfers) and those a test or a demo seeded (`seed`), as Stripe
 * would have them from before the gateway ran.
 */

export const LISTS = ['charges', 'payment_intents', 'refunds', 'disputes', 'payouts', 'transfers'] as const;
export type ListName = (typeof LISTS)[number];

/** An object as Stripe sends it. */
export type ListedObject = Record<string, unknown> & { id: string; created: number };

/** An object as the stand-in holds it: whose account it is on (none: the platform's own). */
interface Held {
  object: ListedObject;
  account?: string;
}

/** What the stand-in made itself, listed beside what was seeded. */
export interface MadeObjects {
  payouts: Map<string, ListedObject>;
  transfers: Map<string, ListedObject>;
}

type Answer = { status: number; body: unknown };

export class StandInLists {
  private readonly seeded = new Map<ListName, Held[]>(LISTS.map((list) => [list, []]));

  constructor(private readonly made: MadeObjects) {}

  /** Holds objects as Stripe would have them (oldest first, as created); `account`: a connected account's. */
  seed(list: ListName, objects: readonly Record<string, unknown>[], options: { account?: string } = {}): void {
    for (const object of objects) {
      if (typeof object.id !== 'string' || typeof object.created !== 'number')
        throw new Error(`A seeded ${list} object needs an id and a created time.`);
      this.seeded.get(list)!.push({ object: { ...object } as ListedObject, account: options.account });
    }
  }

  /** How many objects a list holds in all (every account). */
  count(list: ListName): number {
    return this.all(list).length;
  }

  /** The answer to `GET /v1/<list>`, or undefined for any other request. */
  answer(method: string, path: string, params: Params, stripeAccount: string | undefined): Answer | undefined {
    const list = /^\/v1\/([a-z_]+)$/.exec(path)?.[1] as ListName | undefined;
    if (method !== 'GET' || !list || !LISTS.includes(list)) return undefined;
    const limit = params.limit === undefined ? 10 : Number(params.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return invalid('limit must be between 1 and 100.');
    const group = typeof params.transfer_group === 'string' ? params.transfer_group : undefined;
    const owned = ({ object, account }: Held) =>
      list === 'transfers' ? !group || object.transfer_group === group : account === stripeAccount;
    const newestFirst = this.all(list)
      .map((held, position) => ({ held, position }))
      .filter(({ held }) => owned(held) && inCreated(params, held.object.created))
      .sort((a, b) => b.held.object.created - a.held.object.created || b.position - a.position)
      .map(({ held }) => held.object);
    return page(list, newestFirst, params, limit);
  }

  private all(list: ListName): Held[] {
    const made =
      list === 'payouts' || list === 'transfers'
        ? [...this.made[list].values()].map((object) => ({
            object,
            account: typeof object.account === 'string' ? object.account : undefined,
          }))
        : [];
    return [...made, ...this.seeded.get(list)!];
  }
}

function page(list: ListName, all: ListedObject[], params: Params, limit: number): Answer {
  let from = 0;
  let to = all.length;
  if (typeof params.starting_after === 'string') {
    const at = all.findIndex((object) => object.id === params.starting_after);
    if (at < 0) return missing(list, params.starting_after);
    from = at + 1;
  } else if (typeof params.ending_before === 'string') {
    const at = all.findIndex((object) => object.id === params.ending_before);
    if (at < 0) return missing(list, params.ending_before);
    to = at;
    from = Math.max(0, at - limit);
  }
  const data = all.slice(from, Math.min(to, from + limit));
  const hasMore = typeof params.ending_before === 'string' ? from > 0 : from + data.length < to;
  return { status: 200, body: { object: 'list', data, has_more: hasMore, url: `/v1/${list}` } };
}

/** Stripe's `created` filter: a number, or any of `gte`, `gt`, `lte`, `lt`. */
function inCreated(params: Params, created: number): boolean {
  const filter = typeof params.created === 'object' ? params.created : typeof params.created === 'string' ? { eq: params.created } : {};
  const bound = (name: string) => (typeof filter[name] === 'string' ? Number(filter[name]) : undefined);
  const [gte, gt, lte, lt, eq] = ['gte', 'gt', 'lte', 'lt', 'eq'].map(bound);
  return !(
    (gte !== undefined && created < gte) ||
    (gt !== undefined && created <= gt) ||
    (lte !== undefined && created > lte) ||
    (lt !== undefined && created >= lt) ||
    (eq !== undefined && created !== eq)
  );
}

function invalid(message: string): Answer {
  return { status: 400, body: { error: { type: 'invalid_request_error', message } } };
}

function missing(list: ListName, id: string): Answer {
  return {
    status: 404,
    body: {
      error: {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: `No such ${list.replace(/s$/, '').replace('_', ' ')}: '${id}'`,
      },
    },
  };
}
