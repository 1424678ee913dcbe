import type { Hono } from 'hono';
import { acknowledgeDifference, withAcknowledgements } from '../../close-acknowledge.js';
import { closeOf, closeOfDays } from '../../../functions/close/close-reads.js';
import { addDays, dayOf, dayStart } from '../../../functions/reports/days.js';
import { ReportStore } from '../../../functions/reports/report-store.js';
import { ValidationError } from '../../../functions/shared/errors.js';
import { isSourceId, PLATFORM_SOURCE_ID } from '../../../functions/stripe-events/source-id.js';
import { closeDayPage, closeDaysPage } from '../views/close.js';
import { stringFields, type ConsolePages } from './context.js';

/** `?source=`: a source id, the platform's when absent. */
function closeSource(value: string | undefined): string {
  if (value !== undefined && !isSourceId(value)) throw new ValidationError('bad_source', 'source must be a source id.');
  return value ?? PLATFORM_SOURCE_ID;
}

/** A day in the path, refused (400) unless it is one. */
function closeDay(value: string): string {
  dayStart(value);
  return value;
}

/** The daily close: the last 30 days, one day's differences, and acknowledging a difference. */
export function closePages(app: Hono, { deps, page: context, now, livemode }: ConsolePages): void {
  const closeReads = { db: deps.db, ledgerTable: deps.tables.ledger, reports: new ReportStore(deps.db, deps.tables.records) };

  app.get('/close', async (c) => {
    const sourceId = closeSource(c.req.query('source'));
    const today = dayOf(Math.floor(now() / 1000));
    const days = Array.from({ length: 30 }, (_, index) => addDays(today, -index));
    return c.html(closeDaysPage(context, { sourceId, outcomes: await closeOfDays(closeReads, days, sourceId) }));
  });

  app.get('/close/:day', async (c) => {
    const outcome = await closeOf(closeReads, closeDay(c.req.param('day')), closeSource(c.req.query('source')));
    const notice = c.req.query('acknowledged') ? 'Acknowledged; the note is kept with the difference.' : undefined;
    return c.html(closeDayPage(context, { outcome, differences: await withAcknowledgements(outcome, deps.history), livemode, notice }));
  });

  app.post('/close/:day/acknowledge', async (c) => {
    const form = stringFields(await c.req.parseBody());
    const sourceId = closeSource(form.source);
    const outcome = await closeOf(closeReads, closeDay(c.req.param('day')), sourceId);
    await acknowledgeDifference(outcome, form.objectId ?? '', form.note, deps);
    return c.redirect(`/close/${outcome.day}?source=${encodeURIComponent(sourceId)}&acknowledged=1`, 303);
  });
}
