import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { acknowledge, checkNote } from '../acknowledge.js';
import { LimitsAdmin } from '../limits.js';
import { decisionKey, hasAction, previewReconcile, reconcileNow } from '../reconcile-now.js';
import { replayEvent, replayMatching } from '../replay.js';
import { cashOutStory } from '../story.js';
import { readableRecord } from '../records.js';
import type { OperatorDeps } from '../wiring.js';
import { describeResult } from '../../functions/reconcile/reconcile.js';
import { ALL_STATUSES } from '../../functions/reconcile/store.js';
import { HttpError, ValidationError } from '../../functions/shared/errors.js';
import { eventSubject } from '../../functions/shared/history.js';
import { failureMessage, isUnreachable } from '../../bin/cli.js';
import type { ConsoleAssets } from './assets.js';
import { cashOutFilter, eventFilter, firstKindWithRecords, recordFilter } from './filters.js';
import { consoleGuard } from './security.js';
import { cashOutPage, cashOutsPage, homePage, reconcilePage } from './views/cash-outs.js';
import { bulkReplayPage, eventPage, eventsPage, replayResultPage } from './views/events.js';
import { messagePage, type PageContext } from './views/layout.js';
import { limitsPage } from './views/limits.js';
import { recordPage, recordsPage } from './views/records.js';
import { closeDayPage, closeDaysPage } from './views/close.js';
import { closeOf, closeOfDays } from '../../functions/close/close-reads.js';
import { addDays, dayOf, dayStart } from '../../functions/reports/days.js';
import { ReportStore } from '../../functions/reports/report-store.js';
import { acknowledgeDifference, withAcknowledgements } from '../close-acknowledge.js';
import { isSourceId, PLATFORM_SOURCE_ID } from '../../functions/stripe-events/source-id.js';

export interface ConsoleSettings {
  deps: OperatorDeps;
  assets: ConsoleAssets;
  /** For people: which tables (DynamoDB Local, or a stack in a region). */
  where: string;
  /** DynamoDB Local's endpoint, when local: a page it cannot reach asks whether `npm start` is running. */
  dynamoEndpoint?: string;
  /** Whether Stripe objects without events to say so are live (a deployed stack) or test (local). */
  livemode: boolean;
  /** Look for flags on cash-outs changed within this long (default 30 days). */
  attentionWindowMs?: number;
  /** At most this many cash-outs in a bulk replay (default 500). */
  bulkLimit?: number;
}

const PAGE_SIZE = 25;
const DAY = 86_400_000;

/** The console's pages and actions; the guard sees every request first. */
export function consoleApp(settings: ConsoleSettings, security: { port: () => number; token: string }): Hono {
  const { deps } = settings;
  const context: PageContext = { who: deps.who, where: settings.where, token: security.token };
  const now = () => deps.clock.now();
  const app = new Hono();

  app.use('*', consoleGuard(security));
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      // Same-origin: form posts carry their Origin (checked by the guard); nothing leaks to other sites.
      referrerPolicy: 'same-origin',
      crossOriginResourcePolicy: 'same-origin',
    }),
  );
  app.use('*', async (c, next) => {
    await next();
    c.header('cache-control', 'no-store');
  });
  app.use('*', refuseOversizedInput);

  app.get('/assets/console.js', (c) => c.body(settings.assets.js, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  // Browsers ask for one; the console has none.
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/assets/console.css', (c) => c.body(settings.assets.css, 200, { 'content-type': 'text/css; charset=utf-8' }));

  app.get('/', async (c) => {
    const nowMs = now();
    const [queue, day, week, hourly, latest] = await Promise.all([
      deps.cashOuts.attention(nowMs, settings.attentionWindowMs ?? 30 * DAY),
      deps.cashOuts.countsByStatus(new Date(nowMs - DAY).toISOString()),
      deps.cashOuts.countsByStatus(new Date(nowMs - 7 * DAY).toISOString()),
      deps.cashOuts.perHour(nowMs),
      deps.cashOuts.list({}, { limit: 10 }),
    ]);
    return c.html(homePage(context, { queue, counts: { day, week }, hourly, latest: latest.items, nowMs }));
  });

  app.get('/cash-outs', async (c) => {
    const query = c.req.query();
    const filter = cashOutFilter(query, now());
    const page = await deps.cashOuts.list(filter, { limit: PAGE_SIZE, cursor: query.cursor });
    return c.html(cashOutsPage(context, { filter, query, page, statuses: ALL_STATUSES, nowMs: now() }));
  });

  app.get('/cash-outs/:cashOutId', async (c) => {
    const cashOutId = c.req.param('cashOutId');
    const story = await cashOutStory(cashOutId, deps);
    if (!story) throw new HttpError(404, 'cash_out_not_found', `No cash-out ${cashOutId}.`);
    const notice = c.req.query('acknowledged') ? 'Acknowledged; the note is in the story below.' : undefined;
    return c.html(
      cashOutPage(context, {
        story,
        nowMs: now(),
        defaultLivemode: settings.livemode,
        reconcileUnavailable: deps.reconcileUnavailable,
        notice,
      }),
    );
  });

  const closeReads = { db: deps.db, ledgerTable: deps.tables.ledger, reports: new ReportStore(deps.db, deps.tables.records) };
  const closeSource = (value: string | undefined) => {
    if (value !== undefined && !isSourceId(value)) throw new ValidationError('bad_source', 'source must be a source id.');
    return value ?? PLATFORM_SOURCE_ID;
  };
  const closeDay = (value: string) => {
    dayStart(value);
    return value;
  };

  app.get('/close', async (c) => {
    const sourceId = closeSource(c.req.query('source'));
    const today = dayOf(Math.floor(now() / 1000));
    const days = Array.from({ length: 30 }, (_, index) => addDays(today, -index));
    return c.html(closeDaysPage(context, { sourceId, outcomes: await closeOfDays(closeReads, days, sourceId) }));
  });

  app.get('/close/:day', async (c) => {
    const outcome = await closeOf(closeReads, closeDay(c.req.param('day')), closeSource(c.req.query('source')));
    const notice = c.req.query('acknowledged') ? 'Acknowledged; the note is kept with the difference.' : undefined;
    return c.html(
      closeDayPage(context, {
        outcome,
        differences: await withAcknowledgements(outcome, deps.history),
        livemode: settings.livemode,
        notice,
      }),
    );
  });

  app.post('/close/:day/acknowledge', async (c) => {
    const form = stringFields(await c.req.parseBody());
    const sourceId = closeSource(form.source);
    const outcome = await closeOf(closeReads, closeDay(c.req.param('day')), sourceId);
    await acknowledgeDifference(outcome, form.objectId ?? '', form.note, deps);
    return c.redirect(`/close/${outcome.day}?source=${encodeURIComponent(sourceId)}&acknowledged=1`, 303);
  });

  app.post('/cash-outs/:cashOutId/acknowledge', async (c) => {
    const cashOutId = c.req.param('cashOutId');
    const form = stringFields(await c.req.parseBody());
    // The state the page showed: what the operator acknowledges, and nothing raised since.
    checkNote(form.note, true);
    if (!form.seen) throw new ValidationError('seen_required', "Acknowledge from the cash-out's page: it says which state you saw.");
    await acknowledge(cashOutId, form.note, deps, { seen: form.seen });
    return c.redirect(`/cash-outs/${encodeURIComponent(cashOutId)}?acknowledged=1`, 303);
  });

  app.post('/cash-outs/:cashOutId/reconcile', async (c) => {
    const cashOutId = c.req.param('cashOutId');
    if (!deps.reconcile)
      throw new HttpError(
        409,
        'reconcile_unavailable',
        `Reconcile now is unavailable: ${deps.reconcileUnavailable ?? 'no Stripe configured'}`,
      );
    const form = await c.req.parseBody();
    const decisionView = (decision: Parameters<typeof describeResult>[0]) => ({
      text: describeResult(decision),
      outcome: decision.outcome,
      key: decisionKey(decision),
      actionable: hasAction(decision),
    });
    if (form.step !== 'apply') {
      const decision = await previewReconcile(cashOutId, deps.reconcile);
      return c.html(reconcilePage(context, { cashOutId, decision: decisionView(decision) }));
    }
    const note = checkNote(typeof form.note === 'string' ? form.note : undefined, false);
    const done = await reconcileNow(cashOutId, String(form.expected ?? ''), deps.reconcile, { who: deps.who, note });
    if (!done.acted || !done.result)
      return c.html(reconcilePage(context, { cashOutId, decision: decisionView(done.decision), changed: true }), 409);
    return c.html(
      reconcilePage(context, {
        cashOutId,
        decision: decisionView(done.decision),
        result: { text: describeResult(done.result), outcome: done.result.outcome },
      }),
    );
  });

  app.get('/events', async (c) => {
    const query = c.req.query();
    const eventQuery = { q: query.q, provider: query.provider, type: query.type, outcome: query.outcome, from: query.from, to: query.to };
    if (query.q?.trim()) {
      const items = await deps.events.search(query.q);
      // An exact event id goes straight to the event.
      if (items.length === 1 && (items[0]!.eventKey === query.q.trim() || items[0]!.eventId === query.q.trim()))
        return c.redirect(`/events/${encodeURIComponent(items[0]!.eventKey)}`, 303);
      return c.html(eventsPage(context, { query: eventQuery, page: { items }, searched: true }));
    }
    const page = await deps.events.list(eventFilter(query, now()), { limit: PAGE_SIZE, cursor: query.cursor });
    return c.html(eventsPage(context, { query: eventQuery, page }));
  });

  app.get('/events/:eventKey', async (c) => {
    const eventKey = c.req.param('eventKey');
    const event = await deps.events.get(eventKey, recordParam(c.req.query('record')));
    if (!event) throw new HttpError(404, 'event_not_found', `No event ${eventKey} (events are kept for 30 days).`);
    const [history, cashOutId] = await Promise.all([
      deps.history.list(eventSubject(eventKey)),
      event.objectId ? deps.cashOuts.cashOutIdOf(event.objectId) : undefined,
    ]);
    return c.html(eventPage(context, { event, history, cashOutId }));
  });

  app.post('/events/replay', async (c) => {
    const form = stringFields(await c.req.parseBody());
    const dryRun = form.dryRun !== '0';
    const limit = settings.bulkLimit ?? 500;
    const nowMs = now();
    const filter = eventFilter(form, nowMs);
    // The replay covers exactly the window previewed: an open end is fixed at the preview's time.
    const window = { ...filter, to: filter.to ?? new Date(nowMs).toISOString() };
    const query = { q: undefined, provider: filter.provider, type: filter.type, outcome: filter.outcome, from: window.from, to: window.to };
    const bulk = await replayMatching(window, deps.replay, { dryRun, limit, note: checkNote(form.note, false) });
    return c.html(bulkReplayPage(context, { query, bulk, dryRun, limit }));
  });

  app.post('/events/:eventKey/replay', async (c) => {
    const form = stringFields(await c.req.parseBody());
    const result = await replayEvent(c.req.param('eventKey'), deps.replay, {
      dryRun: form.dryRun !== '0',
      note: checkNote(form.note, false),
      record: recordParam(c.req.query('record')),
    });
    return c.html(replayResultPage(context, result));
  });

  app.get('/records', async (c) => {
    const query = c.req.query();
    const chosen = recordFilter(query);
    const filter = { ...chosen, kind: chosen.kind ?? (await firstKindWithRecords(deps.records)) };
    const page = await deps.records.list(filter, { limit: PAGE_SIZE, cursor: query.cursor });
    return c.html(recordsPage(context, { ...filter, page }));
  });

  app.get('/records/:kind/:id', async (c) => {
    const record = await deps.records.get(c.req.param('id'), c.req.param('kind'));
    if (!record) throw new HttpError(404, 'record_not_found', `No ${c.req.param('kind')} record ${c.req.param('id')}.`);
    return c.html(recordPage(context, readableRecord(record)));
  });

  app.get('/limits', async (c) => {
    const rows = await new LimitsAdmin(deps.db, deps.tables, deps.clock).show();
    return c.html(limitsPage(context, { rows }));
  });

  app.notFound((c) => c.html(messagePage(context, 404, 'Not found', `Nothing at ${c.req.path}.`), 404));
  app.onError((error, c: Context) => {
    if (error instanceof HttpError)
      return c.html(
        messagePage(context, error.statusCode, error.statusCode === 404 ? 'Not found' : 'Refused', error.message),
        error.statusCode as 400,
      );
    if (isUnreachable(error) || (error as { name?: string }).name === 'ResourceNotFoundException') {
      // Not a fault of the console: one line here and on the page, as the commands say it.
      const message = settings.dynamoEndpoint
        ? failureMessage(error, { dynamoEndpoint: settings.dynamoEndpoint })
        : `DynamoDB could not be read (${failureMessage(error)}): check the network, the region and your AWS credentials.`;
      console.error(`Console: ${c.req.method} ${c.req.path} could not read its tables: ${message}`);
      return c.html(
        messagePage(context, 503, 'The tables cannot be read', `${message} Nothing was done; reload the page once it answers.`),
        503,
      );
    }
    console.error('Console request failed', error);
    return c.html(
      messagePage(
        context,
        500,
        'Something went wrong',
        `${(error as Error).name}: ${(error as Error).message}. Nothing more was done; see the console's terminal.`,
      ),
      500,
    );
  });
  return app;
}

/** DynamoDB refuses a key over 1024 bytes (a sort key; 2048 a partition key): longer is no id, filter or cursor of ours. */
const MAX_INPUT_BYTES = 1024;

/** Refuses (400) a path part or query value too long to be anything the console looks up, before DynamoDB does (a 500). */
const refuseOversizedInput = async (c: Context, next: () => Promise<void>) => {
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  };
  const parts = [...new URL(c.req.url).pathname.split('/').map(decode), ...Object.values(c.req.queries()).flat()];
  if (parts.some((part) => Buffer.byteLength(part, 'utf8') > MAX_INPUT_BYTES)) {
    throw new ValidationError('input_too_long', `An id, search or filter is at most ${MAX_INPUT_BYTES} bytes; nothing was looked up.`);
  }
  await next();
};

function stringFields(form: Record<string, unknown>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(form).map(([key, value]) => [key, typeof value === 'string' ? value : undefined]));
}

export interface RunningConsole {
  url: string;
  /** The per-process token action forms carry (shown in no log). */
  token: string;
  server: ServerType;
  close(): Promise<void>;
}

/** Serves the console on 127.0.0.1 only (never another interface), on `port` (0: any free one). */
export async function startConsole(settings: ConsoleSettings, options: { port: number }): Promise<RunningConsole> {
  const token = randomBytes(32).toString('base64url');
  let port = options.port;
  const app = consoleApp(settings, { port: () => port, token });
  const server = await new Promise<ServerType>((resolve, reject) => {
    const running = serve({ fetch: app.fetch, port: options.port, hostname: '127.0.0.1' }, () => resolve(running));
    running.once('error', reject);
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A browser keeps its connections open; they would hold the close.
        (server as Server).closeAllConnections?.();
      }),
  };
}

/** `?record=<kind>/<id>`: the record that keeps an event, as a listing's link names it. */
function recordParam(value: string | undefined): { id: string; kind: string } | undefined {
  if (!value) return undefined;
  const slash = value.indexOf('/');
  if (slash <= 0 || slash === value.length - 1)
    throw new HttpError(400, 'bad_record', 'The record must be given as <kind>/<id>, as the event lists link it.');
  return { kind: value.slice(0, slash), id: value.slice(slash + 1) };
}
