import type { Hono } from 'hono';
import { checkNote } from '../../acknowledge.js';
import { replayEvent, replayMatching } from '../../replay.js';
import { HttpError } from '../../../functions/shared/errors.js';
import { eventSubject } from '../../replay.js';
import { eventFilter } from '../filters.js';
import { bulkReplayPage, eventPage, eventsPage, replayResultPage } from '../views/events.js';
import { PAGE_SIZE, stringFields, type ConsolePages } from './context.js';

/** The events listing (or a search; an exact id goes straight to its event) and an event's page. */
export function eventPages(app: Hono, { deps, page: context, now }: ConsolePages): void {
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
}

/** Replaying events: the ones a filter matches (a dry run first), or one event. */
export function eventActions(app: Hono, { deps, page: context, now, bulkLimit: limit }: ConsolePages): void {
  app.post('/events/replay', async (c) => {
    const form = stringFields(await c.req.parseBody());
    const dryRun = form.dryRun !== '0';
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
}

/** `?record=<kind>/<id>`: the record that keeps an event, as a listing's link names it. */
function recordParam(value: string | undefined): { id: string; kind: string } | undefined {
  if (!value) return undefined;
  const slash = value.indexOf('/');
  if (slash <= 0 || slash === value.length - 1)
    throw new HttpError(400, 'bad_record', 'The record must be given as <kind>/<id>, as the event lists link it.');
  return { kind: value.slice(0, slash), id: value.slice(slash + 1) };
}
