import type { Hono } from 'hono';
import { acknowledge, checkNote } from '../../acknowledge.js';
import { decisionKey, hasAction, previewReconcile, reconcileNow } from '../../reconcile-now.js';
import { cashOutStory } from '../../story.js';
import { describeResult } from '../../../functions/reconcile/reconcile.js';
import { ALL_STATUSES } from '../../../functions/reconcile/store.js';
import { HttpError, ValidationError } from '../../../functions/shared/errors.js';
import { cashOutFilter } from '../filters.js';
import { cashOutPage, cashOutsPage, homePage, reconcilePage } from '../views/cash-outs.js';
import { PAGE_SIZE, stringFields, type ConsolePages } from './context.js';

const DAY = 86_400_000;

/** The home page (what needs attention, counts, the latest), the cash-outs listing and a cash-out's page. */
export function cashOutPages(app: Hono, { deps, page: context, now, livemode, attentionWindowMs }: ConsolePages): void {
  app.get('/', async (c) => {
    const nowMs = now();
    const [queue, day, week, hourly, latest] = await Promise.all([
      deps.cashOuts.attention(nowMs, attentionWindowMs),
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
      cashOutPage(context, { story, nowMs: now(), defaultLivemode: livemode, reconcileUnavailable: deps.reconcileUnavailable, notice }),
    );
  });
}

/** What an operator does to a cash-out: acknowledge what its page showed, and reconcile it now (preview, then apply). */
export function cashOutActions(app: Hono, { deps, page: context }: ConsolePages): void {
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
}

/** A reconciliation decision as the page shows it, with the key an apply must match. */
function decisionView(decision: Parameters<typeof describeResult>[0]) {
  return { text: describeResult(decision), outcome: decision.outcome, key: decisionKey(decision), actionable: hasAction(decision) };
}
