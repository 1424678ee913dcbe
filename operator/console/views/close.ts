import { html } from 'hono/html';
import type { CloseOutcome, Movement } from '../../../functions/close/close.js';
import type { AcknowledgedDifference } from '../../close-acknowledge.js';
import { badge, cashOutLink, time, type Html } from './format.js';
import { layout, tokenField, type PageContext } from './layout.js';

const KIND_WORDS: Record<AcknowledgedDifference['kind'], string> = {
  amount_differs: 'amount differs',
  unknown_to_ledger: 'in Stripe, unknown to the ledger',
  missing_from_stripe: 'in the ledger, absent from Stripe',
};

const stateBadge = (state: CloseOutcome['state']) =>
  badge(state === 'closed' ? 'closed' : state === 'open' ? 'not_closed' : 'waiting_for_reports');

/** The last days, newest first, with their state. */
export function closeDaysPage(context: PageContext, view: { sourceId: string; outcomes: CloseOutcome[] }): Html {
  return layout(context, { title: 'Daily close', section: 'close' }, [
    html`<hgroup><h1>Daily close</h1><p>${view.sourceId}: each UTC day's cash-outs tied to Stripe's reports by object id, amount and currency.</p></hgroup>
<figure><table class="striped"><thead><tr><th>Day</th><th>State</th><th>Matched</th><th>Differences</th><th>Waiting for</th></tr></thead><tbody>
${view.outcomes.map(
  (
    outcome,
  ) => html`<tr data-day="${outcome.day}" data-state="${outcome.state}"><td><a href="/close/${outcome.day}?source=${encodeURIComponent(view.sourceId)}">${outcome.day}</a></td>
<td>${stateBadge(outcome.state)}</td><td>${outcome.matched.length}</td><td>${outcome.differences.length}</td><td>${outcome.waitingFor.join(', ') || '—'}</td></tr>`,
)}</tbody></table></figure>`,
  ]);
}

/** One day: its counts and every difference, each linked to its cash-out or Stripe object, with a form to acknowledge it. */
export function closeDayPage(
  context: PageContext,
  view: { outcome: CloseOutcome; differences: AcknowledgedDifference[]; livemode: boolean; notice?: string },
): Html {
  const { outcome } = view;
  return layout(context, { title: `Close ${outcome.day}`, section: 'close' }, [
    html`<hgroup><h1>Close of ${outcome.day}</h1><p>${outcome.sourceId} · ${stateBadge(outcome.state)} · matched ${outcome.matched.length} · differences ${outcome.differences.length}</p></hgroup>`,
    view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : '',
    outcome.waitingFor.length > 0
      ? html`<p>Waiting for ${outcome.waitingFor.map((type) => html`<code>${type}</code> `)}: <code>npm run reports -- run --type &lt;type&gt; --from ${outcome.day} --to &lt;the next day&gt;</code>, or the reports job.</p>`
      : '',
    view.differences.length === 0
      ? html`<p class="empty">No differences.</p>`
      : html`<figure><table class="striped"><thead><tr><th>Difference</th><th>Stripe object</th><th>Cash-out</th><th>Ledger</th><th>Stripe</th><th>Acknowledged</th></tr></thead><tbody>
${view.differences.map(
  (difference) => html`<tr data-difference="${difference.objectId}" data-kind="${difference.kind}"><td>${KIND_WORDS[difference.kind]}</td>
<td>${stripeLink(difference.stripe ?? difference.ledger, view.livemode)}</td><td>${difference.ledger?.cashOutId ? cashOutLink(difference.ledger.cashOutId) : '—'}</td>
<td class="amount">${money(difference.ledger)}</td><td class="amount">${money(difference.stripe)}</td>
<td>${difference.acknowledgements.map((entry) => html`<p>${time(entry.at)} by ${entry.who}<blockquote class="note">${entry.note ?? ''}</blockquote></p>`)}
<form method="post" action="/close/${outcome.day}/acknowledge">${tokenField(context)}<input type="hidden" name="source" value="${outcome.sourceId}"><input type="hidden" name="objectId" value="${difference.objectId}">
<label>Note<textarea name="note" required maxlength="2000" placeholder="What you found, and what you did or will do"></textarea></label><button type="submit">Acknowledge</button></form></td></tr>`,
)}</tbody></table></figure>`,
    html`<p><a href="/close?source=${encodeURIComponent(outcome.sourceId)}">The last 30 days</a></p>`,
  ]);
}

const money = (movement?: Movement) => (movement ? `${movement.amountMinor} ${movement.currency} (minor units)` : '—');

/** The object in Stripe's Dashboard (a connected account's payout under that account). */
function stripeLink(movement: Movement | undefined, livemode: boolean): Html | string {
  if (!movement) return '—';
  const mode = livemode ? '' : 'test/';
  const account = movement.kind === 'payout' && movement.account ? `${movement.account}/` : '';
  return html`<a href="https://dashboard.stripe.com/${account}${mode}${movement.kind}s/${encodeURIComponent(movement.objectId)}" rel="noreferrer">${movement.objectId}</a>${movement.account ? html` on <code>${movement.account}</code>` : ''}`;
}
