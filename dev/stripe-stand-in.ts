import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { listen } from './gateway.js';
import { StandInLists } from './stand-in-lists.js';
import { StandInReports, type RawAnswer } from './stand-in-reports.js';
import type { HeldEvent, Params, StripeObject } from './stand-in-types.js';

/**
 * A local stand-in for the parts of the Stripe API the gateway uses, reached through the
 * real `stripe` SDK (STRIPE_API_BASE). It honours Idempotency-Key as Stripe does (same key
 * and parameters: the first answer again; same key, other parameters: an error), records
 * every request, and can be told to fail in the ways the network and Stripe fail. It also
 * holds events (those `npm run send -- stripe` made, registered at POST /_stand-in/events)
 * and lists them at GET /v1/events as Stripe does, so catch-up can run on a laptop; and it
 * lists charges, payment intents, refunds, disputes, payouts and transfers page by page, with
 * history seeded into it, for the historical import (stand-in-lists.ts).
 */

export interface RecordedRequest {
  method: string;
  path: string;
  idempotencyKey?: string;
  stripeAccount?: string;
  params: Params;
  /** Whether the stand-in created an object for this request (false for replays and errors). */
  created: boolean;
}

export type Fault =
  /** `headers`: a 429's `Retry-After`, say. */
  | { kind: 'error'; status: number; type: string; code?: string; message?: string; headers?: Record<string, string> }
  /** Drop the connection before doing anything. */
  | { kind: 'reset' }
  /** Do the work, then drop the connection: the caller cannot know it happened. */
  | { kind: 'reset-after' }
  /** Answer only after this long (or never, if longer than the caller waits). */
  | { kind: 'delay'; ms: number; thenProcess?: boolean };

interface StoredResponse {
  status: number;
  body: unknown;
  paramsKey: string;
}

export interface AccountState {
  id: string;
  payouts_enabled: boolean;
  charges_enabled: boolean;
  capabilities: Record<string, string>;
}

type Answer = { status: number; body: unknown };

/** One request to `/v1/<resource>/<id>/<action>`, as the routes below read it. */
interface Call {
  id: string;
  params: Params;
  stripeAccount: string | undefined;
  recorded: RecordedRequest;
  now: number;
}

/** Where `npm run send` registers the events it makes (not a Stripe path). */
export const STAND_IN_EVENTS_PATH = '/_stand-in/events';

export class StripeStandIn {
  readonly requests: RecordedRequest[] = [];
  readonly payouts = new Map<string, StripeObject & { account: string }>();
  readonly transfers = new Map<string, StripeObject>();
  /** Oldest first, as created. */
  readonly events: HeldEvent[] = [];
  /** The list endpoints of a historical import, and the objects seeded for them (stand-in-lists.ts). */
  readonly lists = new StandInLists(this);
  private readonly accounts = new Map<string, AccountState>();
  private readonly idempotency = new Map<string, StoredResponse>();
  private readonly faults: { match: (method: string, path: string) => boolean; fault: Fault; skip: number }[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<import('node:net').Socket>();
  /** Unknown accounts exist and can be paid unless this is false. */
  openAccounts = true;
  /** Every request waits this long before it is handled, like a call across the internet to Stripe (the benchmark's `--stripe-latency`). */
  latencyMs = 0;
  url = '';
  /** The Reporting API and its files (stand-in-reports.ts). */
  readonly reports = new StandInReports(this);

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await listen(this.server, port, '127.0.0.1');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  setAccount(id: string, state: Partial<Omit<AccountState, 'id'>> = {}): void {
    this.accounts.set(id, { id, payouts_enabled: true, charges_enabled: true, capabilities: { transfers: 'active' }, ...state });
  }

  /** The next `times` requests matching `method path-prefix`, after `skip` of them went through, meet this fault. */
  failNext(fault: Fault, { method = 'POST', pathPrefix = '/v1/', times = 1, skip = 0 } = {}): void {
    for (let i = 0; i < times; i += 1) {
      this.faults.push({ match: (m, p) => m === method && p.startsWith(pathPrefix), fault, skip });
    }
  }

  /** Holds an event as Stripe would, for GET /v1/events. */
  addEvent(event: HeldEvent['event'], options: { apiKey?: string; delivered?: boolean } = {}): void {
    this.events.push({ event, apiKey: options.apiKey, delivered: options.delivered ?? false });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** How many money movements (payouts and transfers) were really created. */
  get creations(): number {
    return this.requests.filter((request) => request.created).length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs).unref());
    const raw = method === 'GET' || method === 'DELETE' ? url.searchParams.toString() : Buffer.concat(chunks).toString('utf8');
    const params = parseForm(raw);
    const idempotencyKey = headerValue(req, 'idempotency-key');
    const stripeAccount = headerValue(req, 'stripe-account');
    if (method === 'POST' && path === STAND_IN_EVENTS_PATH) return this.register(raw, res);
    const recorded: RecordedRequest = { method, path, idempotencyKey, stripeAccount, params, created: false };
    this.requests.push(recorded);

    const fault = this.takeFault(method, path);
    if (fault?.kind === 'reset') return void req.socket.destroy();
    if (fault?.kind === 'error') {
      return send(
        res,
        fault.status,
        { error: { type: fault.type, code: fault.code, message: fault.message ?? `Stand-in ${fault.type}` } },
        false,
        fault.headers,
      );
    }
    if (fault?.kind === 'delay') {
      await new Promise((resolve) => setTimeout(resolve, fault.ms).unref());
      if (res.destroyed || req.socket.destroyed) {
        if (fault.thenProcess) this.process(method, path, params, stripeAccount, idempotencyKey, recorded);
        return;
      }
    }

    const apiKey = /^Bearer ((sk|rk)_(test|live)_\S+)$/.exec(headerValue(req, 'authorization') ?? '')?.[1];
    if (!apiKey) {
      return send(res, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } });
    }
    if (method === 'GET' && path === '/v1/events') {
      const listed = this.listEvents(params, apiKey, stripeAccount);
      if (fault?.kind === 'reset-after') return void req.socket.destroy();
      return send(res, listed.status, listed.body);
    }
    const reported = this.reports.handle(method, path, params, apiKey);
    if (reported) return sendRaw(res, await reported);
    const result = this.process(method, path, params, stripeAccount, idempotencyKey, recorded);
    if (fault?.kind === 'reset-after') return void req.socket.destroy();
    send(res, result.status, result.body, result.replayed);
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const index = this.faults.findIndex((candidate) => candidate.match(method, path));
    if (index < 0) return undefined;
    const entry = this.faults[index]!;
    if (entry.skip > 0) {
      // Every entry of one failNext call counts the skipped request alike.
      for (const other of this.faults) if (other.fault === entry.fault && other.skip > 0) other.skip -= 1;
      return undefined;
    }
    this.faults.splice(index, 1);
    return entry.fault;
  }

  private register(raw: string, res: ServerResponse): void {
    try {
      const { event, apiKey, delivered } = JSON.parse(raw) as { event: HeldEvent['event']; apiKey?: string; delivered?: boolean };
      if (typeof event?.id !== 'string' || typeof event.type !== 'string') throw new Error('not an event');
      this.addEvent(event, { apiKey, delivered });
      send(res, 200, { held: event.id, events: this.events.length });
    } catch (error) {
      send(res, 400, {
        error: {
          type: 'invalid_request_error',
          message: `Expected {"event": {…}, "apiKey"?: "…", "delivered"?: true}: ${(error as Error).message}`,
        },
      });
    }
  }

  /**
   * GET /v1/events as Stripe answers it: newest first; `created[gte|gt|lte|lt]`, `type` (a
   * trailing `*` matches a group), `types[]` (at most 20), `delivery_success`, `limit` (1–100,
   * default 10), `starting_after` / `ending_before`; the key's own events, or a connected
   * account's with `Stripe-Account`.
   */
  private listEvents(params: Params, apiKey: string, stripeAccount: string | undefined): Answer {
    const types =
      params.types === undefined ? undefined : typeof params.types === 'string' ? [params.types] : Object.values(params.types).map(String);
    if (types && types.length > 20) return invalid('types: you may pass at most 20 event types.');
    if (types && params.type !== undefined) return invalid('You may pass either type or types, but not both.');
    const limit = params.limit === undefined ? 10 : Number(params.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return invalid('limit must be between 1 and 100.');
    const created = typeof params.created === 'object' ? params.created : typeof params.created === 'string' ? { eq: params.created } : {};
    const bound = (name: string) => (typeof created[name] === 'string' ? Number(created[name]) : undefined);
    const [gte, gt, lte, lt, eq] = ['gte', 'gt', 'lte', 'lt', 'eq'].map(bound);
    const type = typeof params.type === 'string' ? params.type : undefined;
    const matches = (held: HeldEvent): boolean => {
      const { event } = held;
      const owner = held.apiKey === undefined ? apiKey.startsWith('sk_') : held.apiKey === apiKey;
      if (!owner || (event.account ?? undefined) !== stripeAccount) return false;
      if (
        (gte !== undefined && event.created < gte) ||
        (gt !== undefined && event.created <= gt) ||
        (lte !== undefined && event.created > lte) ||
        (lt !== undefined && event.created >= lt) ||
        (eq !== undefined && event.created !== eq)
      )
        return false;
      if (types && !types.includes(event.type)) return false;
      if (type && !(type.endsWith('*') ? event.type.startsWith(type.slice(0, -1)) : event.type === type)) return false;
      if (params.delivery_success !== undefined && String(held.delivered) !== params.delivery_success) return false;
      return true;
    };
    // Newest first; of one second, the later created first.
    const all = this.events
      .map((held, position) => ({ held, position }))
      .filter(({ held }) => matches(held))
      .sort((a, b) => b.held.event.created - a.held.event.created || b.position - a.position)
      .map(({ held }) => held.event);
    let from = 0;
    let to = all.length;
    if (typeof params.starting_after === 'string') {
      const at = all.findIndex((event) => event.id === params.starting_after);
      if (at < 0) return missing('event', params.starting_after);
      from = at + 1;
    } else if (typeof params.ending_before === 'string') {
      const at = all.findIndex((event) => event.id === params.ending_before);
      if (at < 0) return missing('event', params.ending_before);
      to = at;
      from = Math.max(0, at - limit);
    }
    const page = all.slice(from, Math.min(to, from + limit));
    const hasMore = typeof params.ending_before === 'string' ? from > 0 : from + page.length < to;
    return { status: 200, body: { object: 'list', data: page, has_more: hasMore, url: '/v1/events' } };
  }

  private process(
    method: string,
    path: string,
    params: Params,
    stripeAccount: string | undefined,
    idempotencyKey: string | undefined,
    recorded: RecordedRequest,
  ): { status: number; body: unknown; replayed?: boolean } {
    const paramsKey = JSON.stringify([method, path, stripeAccount ?? '', params]);
    if (method === 'POST' && idempotencyKey) {
      const stored = this.idempotency.get(idempotencyKey);
      if (stored && stored.paramsKey !== paramsKey) {
        return {
          status: 400,
          body: {
            error: {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with.`,
            },
          },
        };
      }
      if (stored) return { status: stored.status, body: stored.body, replayed: true };
    }
    const result = this.route(method, path, params, stripeAccount, recorded);
    if (method === 'POST' && idempotencyKey && result.status !== 400) {
      this.idempotency.set(idempotencyKey, { ...result, paramsKey });
    }
    return result;
  }

  private route(method: string, path: string, params: Params, stripeAccount: string | undefined, recorded: RecordedRequest): Answer {
    const listed = this.lists.answer(method, path, params, stripeAccount);
    if (listed) return listed;
    const [resource = '', id, action] = path.split('/').filter(Boolean).slice(1);
    const call: Call = { id: id ?? '', params, stripeAccount, recorded, now: Math.floor(Date.now() / 1000) };
    const answer = this.routes[`${method} ${resource}${id ? '/:id' : ''}${action ? `/${action}` : ''}`];
    if (answer) return answer(call);
    return { status: 404, body: { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` } } };
  }

  /** The Stripe calls the stand-in answers, by method and path shape (`/v1/<resource>/<id>/<action>`). */
  private readonly routes: Record<string, (call: Call) => Answer> = {
    'GET balance': () => BALANCE,
    'GET accounts/:id': (call) => this.readAccount(call),
    'POST payouts': (call) => this.createPayout(call),
    'GET payouts/:id': ({ id }) => found('payout', id, this.payouts.get(id)),
    'POST payouts/:id': (call) => this.updatePayout(call),
    'POST payouts/:id/cancel': (call) => this.cancelPayout(call),
    'POST transfers': (call) => this.createTransfer(call),
    'GET transfers/:id': ({ id }) => found('transfer', id, this.transfers.get(id)),
    'POST transfers/:id/reversals': (call) => this.reverseTransfer(call),
  };

  private readAccount({ id }: Call): Answer {
    const account = this.account(id);
    return account ? { status: 200, body: { object: 'account', ...account } } : missing('account', id);
  }

  private createPayout({ params, stripeAccount, recorded, now }: Call): Answer {
    if (!stripeAccount || !this.account(stripeAccount)) return missing('account', stripeAccount ?? '(none)');
    const payout = {
      id: `po_${randomBytes(12).toString('hex')}`,
      object: 'payout',
      amount: Number(params.amount),
      currency: String(params.currency),
      status: 'pending',
      metadata: (params.metadata as Params | undefined) ?? {},
      description: typeof params.description === 'string' ? params.description : null,
      created: now,
      arrival_date: now + 86_400,
      account: stripeAccount,
    };
    this.payouts.set(payout.id, payout);
    recorded.created = true;
    return { status: 200, body: payout };
  }

  /** As Stripe: a payout's metadata may be changed afterwards, nothing else of it. */
  private updatePayout({ id, params, stripeAccount }: Call): Answer {
    const payout = this.payouts.get(id);
    if (!payout || (stripeAccount && payout.account !== stripeAccount)) return missing('payout', id);
    const unknown = Object.keys(params).filter((name) => name !== 'metadata');
    if (unknown.length > 0) return invalid(`Received unknown parameter: ${unknown[0]}`, 'parameter_unknown');
    payout.metadata = { ...(payout.metadata as Params), ...((params.metadata as Params | undefined) ?? {}) };
    return { status: 200, body: payout };
  }

  private cancelPayout({ id }: Call): Answer {
    const payout = this.payouts.get(id);
    if (!payout) return missing('payout', id);
    if (payout.status !== 'pending') return invalid('Payouts can only be canceled while pending.', 'payout_not_cancelable');
    payout.status = 'canceled';
    return { status: 200, body: payout };
  }

  private createTransfer({ params, recorded, now }: Call): Answer {
    const destination = String(params.destination ?? '');
    if (!this.account(destination)) return missing('account', destination);
    const transfer = {
      id: `tr_${randomBytes(12).toString('hex')}`,
      object: 'transfer',
      amount: Number(params.amount),
      currency: String(params.currency),
      destination,
      transfer_group: params.transfer_group ?? null,
      metadata: (params.metadata as Params | undefined) ?? {},
      reversed: false,
      amount_reversed: 0,
      created: now,
    };
    this.transfers.set(transfer.id, transfer);
    recorded.created = true;
    return { status: 200, body: transfer };
  }

  private reverseTransfer({ id, now }: Call): Answer {
    const transfer = this.transfers.get(id);
    if (!transfer) return missing('transfer', id);
    if (transfer.reversed) return invalid('The transfer has already been fully reversed.', 'transfer_already_reversed');
    transfer.reversed = true;
    transfer.amount_reversed = transfer.amount;
    const reversal = {
      id: `trr_${randomBytes(12).toString('hex')}`,
      object: 'transfer_reversal',
      amount: transfer.amount,
      transfer: id,
      created: now,
    };
    return { status: 200, body: reversal };
  }

  private account(id: string): AccountState | undefined {
    if (!this.accounts.has(id) && this.openAccounts && /^acct_[A-Za-z0-9]+$/.test(id)) this.setAccount(id);
    return this.accounts.get(id);
  }
}

function missing(kind: string, id: string): Answer {
  return { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${kind}: '${id}'` } } };
}

function found(kind: string, id: string, object: StripeObject | undefined): Answer {
  return object ? { status: 200, body: object } : missing(kind, id);
}

/** Stripe's 400: `code` names the rule a request broke, when Stripe names one. */
function invalid(message: string, code?: string): Answer {
  return { status: 400, body: { error: { type: 'invalid_request_error', ...(code ? { code } : {}), message } } };
}

/** What `npm run smoke` reads to see that a key is accepted; it moves nothing. */
const BALANCE: Answer = {
  status: 200,
  body: { object: 'balance', livemode: false, available: [{ amount: 0, currency: 'usd', source_types: { card: 0 } }], pending: [] },
};

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function send(res: ServerResponse, status: number, body: unknown, replayed = false, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'request-id': `req_${randomBytes(8).toString('hex')}`,
    ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
    ...headers,
  });
  res.end(text);
}

function sendRaw(res: ServerResponse, answer: RawAnswer): void {
  if ('text' in answer) {
    res.writeHead(answer.status, { 'content-type': answer.contentType, 'request-id': `req_${randomBytes(8).toString('hex')}` });
    return void res.end(answer.text);
  }
  send(res, answer.status, answer.body);
}

/** Stripe's form encoding: `metadata[cash_out_id]=x&amount=2015`. */
export function parseForm(raw: string): Params {
  const result: Params = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const path = key.split(/\[|\]\[|\]/).filter(Boolean);
    let target = result;
    path.forEach((part, index) => {
      if (index === path.length - 1) target[part] = value;
      else target = (target[part] ??= {}) as Params;
    });
  }
  return result;
}
