import { html } from 'hono/html';
import type { LimitsRow } from '../../limits.js';
import { time, type Html } from './format.js';
import { layout, type PageContext } from './layout.js';

/**
 * The limits on what cash-outs can move, per currency, with the platform's use in the rolling
 * 24 hours. Read-only: limits are set with `npm run limits -- set`, which records who and when.
 */
export function limitsPage(context: PageContext, view: { rows: LimitsRow[] }): Html {
  return layout(context, { title: 'Limits', section: 'limits' }, [
    html`<h1>Limits</h1>
<p>Only the currencies below are paid; any other is refused until an operator sets its limits with <code>npm run limits -- set</code>. Use is what cash-outs took in the rolling 24 hours and did not give back.</p>`,
    view.rows.length === 0
      ? html`<p class="empty">No currency has limits: every cash-out is refused.</p>`
      : html`<figure><table class="striped" id="limits"><thead><tr><th>Currency</th><th>Per cash-out</th><th>Per recipient a day</th><th>Per day</th><th>Used today</th><th>Left today</th><th>Set</th></tr></thead><tbody>
${view.rows.map(
  (
    row,
  ) => html`<tr data-currency="${row.currency}"><td>${row.currency}</td><td class="amount">${row.perCashOut}</td><td class="amount">${row.perRecipientDay}</td>
<td class="amount">${row.perDay}</td><td class="amount" data-used>${row.usedToday}</td><td class="amount" data-left>${row.leftToday}</td>
<td>${row.source === 'set' ? html`${row.updatedBy ?? '—'}, ${time(row.updatedAt)}` : 'default'}</td></tr>`,
)}</tbody></table></figure>`,
  ]);
}
