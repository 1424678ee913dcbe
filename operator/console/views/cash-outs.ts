import { html, raw } from 'hono/html';
import { ATTENTION_LABELS, ATTENTION_NEXT_STEPS, attentionReasons, openReasons, type OperatorCashOut } from '../../attention.js';
import type { AttentionQueue, CashOutFilter, HourlyCounts } from '../../cash-outs.js';
import type { Page } from '../../paging.js';
import { readableJson } from '../../json-view.js';
import type { CashOutStory, StoryEntry } from '../../story.js';
import type { ReconciledStatus } from '../../../functions/reconcile/decide.js';
import type { HistoryEntry } from '../../../functions/shared/history.js';
import { formatAmount, groupDigits } from '../../readable.js';
import { badge, cashOutLink, eventLink, masked, nextLink, reasonBadges, stripeDashboardUrl, time, unixTime, type Html } from './format.js';
import { layout, tokenField, type PageContext } from './layout.js';

function cashOutTable(items: OperatorCashOut[], nowMs: number, options: { empty: string }): Html {
  if (items.length === 0) return html`<p class="empty">${options.empty}</p>`;
  return html`<figure><table class="striped">
<thead><tr><th>Cash-out</th><th>Status</th><th>Attention</th><th>Amount</th><th>Recipient</th><th>Village</th><th>Stripe</th><th>Received</th><th>Last change</th></tr></thead>
<tbody>${items.map(
    (item) => html`<tr data-cash-out="${item.cashOutId}">
<td>${cashOutLink(item.cashOutId)}</td><td>${badge(item.status)}</td>
<td>${reasonBadges(openReasons(item, nowMs))}${item.acknowledged && attentionReasons(item, nowMs).length > 0 ? html`<span class="badge good" title="${item.acknowledged.note}">acknowledged</span>` : ''}</td>
<td class="amount">${formatAmount(item.amount, item.currency)}</td><td>${masked(item.destinationEmail)}</td>
<td>${item.answer ? item.answer.statusCode : '—'}</td><td class="stripe-id">${item.stripeObjectId ?? '—'}</td>
<td>${time(item.createdAt)}</td><td>${time(item.updatedAt)}</td></tr>`,
  )}</tbody></table></figure>`;
}

export function homePage(
  context: PageContext,
  view: {
    queue: AttentionQueue;
    counts: { day: Record<ReconciledStatus, number>; week: Record<ReconciledStatus, number> };
    hourly: HourlyCounts;
    latest: OperatorCashOut[];
    nowMs: number;
  },
): Html {
  const { queue, counts, hourly, latest, nowMs } = view;
  const statuses = (Object.keys(counts.week) as ReconciledStatus[]).filter((status) => counts.week[status] > 0 || counts.day[status] > 0);
  // JSON for the chart script; `<` escaped so no value can close the script element.
  const chartData = JSON.stringify(hourly).replaceAll('<', '\\u003c');
  return layout(context, { title: 'Attention', section: 'attention' }, [
    html`<section id="attention"><h1>Needs attention <small>(${queue.open.length})</small></h1>
${cashOutTable(queue.open, nowMs, { empty: 'Nothing needs attention: no unknown outcome, nothing stuck, nothing raised to an operator.' })}
${queue.acknowledged.length ? html`<details><summary>Acknowledged (${queue.acknowledged.length})</summary>${cashOutTable(queue.acknowledged, nowMs, { empty: '' })}</details>` : ''}
<p><small>Unknown and stuck cash-outs are looked for at any age; flags (needs an operator or compensation, failed after a 200) on cash-outs changed since ${time(queue.windowStart)}. Older ones: <code>npm run payouts -- list --attention</code>.</small></p>
</section>`,
    html`<div class="grid">
<section id="counts"><h2>By status</h2><table><thead><tr><th>Status</th><th>24 h</th><th>7 d</th></tr></thead>
<tbody>${statuses.length ? statuses.map((status) => html`<tr><td>${badge(status)}</td><td><a href="/cash-outs?status=${status}&from=24h">${counts.day[status]}</a></td><td><a href="/cash-outs?status=${status}&from=7d">${counts.week[status]}</a></td></tr>`) : html`<tr><td colspan="3">No cash-outs in the last 7 days.</td></tr>`}</tbody></table>
<p><small>Cash-outs whose last change was in the period, by their status now.</small></p></section>
<section id="per-hour"><h2>Cash-outs per hour (24 h)</h2><canvas id="cash-outs-per-hour" height="220" aria-label="Cash-outs received per hour, by status"></canvas>
<script type="application/json" id="cash-outs-per-hour-data">${raw(chartData)}</script></section>
</div>`,
    html`<section id="latest"><h2>Latest cash-outs</h2>${cashOutTable(latest, nowMs, { empty: 'No cash-outs yet. Try: npm run send -- village-cash-out' })}<p><a href="/cash-outs">All cash-outs →</a></p></section>`,
  ]);
}

export function cashOutsPage(
  context: PageContext,
  view: {
    filter: CashOutFilter;
    query: Record<string, string | undefined>;
    page: Page<OperatorCashOut>;
    statuses: readonly string[];
    nowMs: number;
  },
): Html {
  const { query, page } = view;
  return layout(context, { title: 'Cash-outs', section: 'cash-outs' }, [
    html`<h1>Cash-outs</h1>
<form method="get" action="/cash-outs" class="filters">
<div class="grid">
<label>Status<select name="status"><option value="">any</option>${view.statuses.map((status) => html`<option value="${status}"${query.status === status ? html` selected` : ''}>${status}</option>`)}</select></label>
<label>Received from<input name="from" value="${query.from ?? ''}" placeholder="24h, 7d, 2024-05-01"></label>
<label>to<input name="to" value="${query.to ?? ''}" placeholder="2024-05-02T12:00"></label>
<label>Recipient<input name="recipient" type="email" value="${query.recipient ?? ''}" placeholder="jane@example.com"></label>
</div>
<button type="submit">Filter</button> <a href="/cash-outs">Clear</a>
</form>`,
    cashOutTable(page.items, view.nowMs, { empty: 'No cash-outs match.' }),
    nextLink('/cash-outs', { status: query.status, from: query.from, to: query.to, recipient: query.recipient }, page.next, page.partial),
  ]);
}

const STORY_ICONS: Record<StoryEntry['kind'], string> = {
  received: 'Village',
  stripe_request: 'Stripe',
  answer: 'Village',
  stripe_event: 'Stripe event',
  reconciliation: 'Reconciliation',
  operator: 'Operator',
};

export function cashOutPage(
  context: PageContext,
  view: { story: CashOutStory; nowMs: number; defaultLivemode: boolean; reconcileUnavailable?: string; notice?: string },
): Html {
  const { item, entries, events } = view.story;
  const reasons = attentionReasons(item, view.nowMs);
  const open = openReasons(item, view.nowMs);
  const livemode = view.story.livemode ?? view.defaultLivemode;
  const dashboard = item.stripeObjectId
    ? stripeDashboardUrl({ id: item.stripeObjectId, type: item.stripeObjectType ?? item.mode, accountId: item.accountId, livemode })
    : undefined;
  return layout(context, { title: `Cash-out ${item.cashOutId}`, section: 'cash-outs' }, [
    view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : '',
    html`<hgroup><h1>Cash-out <code>${item.cashOutId}</code> ${badge(item.status)}</h1><p>${reasonBadges(open)}${item.acknowledged ? html`<span class="badge good">acknowledged</span>` : ''}</p></hgroup>
<div class="grid">
<article><dl class="facts">
<dt>Amount</dt><dd>${formatAmount(item.amount, item.currency)} <small>(${groupDigits(String(item.amountMinor))} minor units, ${item.mode})</small></dd>
<dt>Recipient</dt><dd>${item.destinationEmail}${item.accountId ? html` → <code>${item.accountId}</code>` : ''}</dd>
<dt>Stripe ${item.stripeObjectType ?? item.mode}</dt><dd>${item.stripeObjectId ? html`<code>${item.stripeObjectId}</code>${dashboard ? html` · <a href="${dashboard}" target="_blank" rel="noopener noreferrer" data-stripe-dashboard>open in Stripe's Dashboard${livemode ? '' : ' (test mode)'}</a>` : ''}` : '—'}</dd>
<dt>Village was answered</dt><dd>${item.answer ? html`${item.answer.statusCode} ${typeof item.answer.body.error === 'string' ? item.answer.body.error : ''}` : 'not yet'}</dd>
${item.reason ? html`<dt>Reason</dt><dd>${item.reason}</dd>` : ''}
${item.failureCode ? html`<dt>Failure</dt><dd>${item.failureCode}${item.failureMessage ? `: ${item.failureMessage}` : ''}</dd>` : ''}
${item.operatorReason ? html`<dt>Operator reason</dt><dd>${item.operatorReason}</dd>` : ''}
${item.compensation ? html`<dt>Compensation</dt><dd>${item.compensation} at ${time(item.compensatedAt)}</dd>` : ''}
<dt>Received</dt><dd>${time(item.createdAt)}</dd><dt>Last change</dt><dd>${time(item.updatedAt)}</dd>
${item.reconciledAt ? html`<dt>Reconciled</dt><dd>${time(item.reconciledAt)}</dd>` : ''}
</dl></article>
<article>${open.length ? html`<section id="next-steps"><h2>What to do</h2><ul>${open.map((reason) => html`<li><strong>${ATTENTION_LABELS[reason]}</strong>: ${ATTENTION_NEXT_STEPS[reason]}</li>`)}</ul></section>` : ''}${actions(context, item.cashOutId, { reasons, open, seen: item.updatedAt, acknowledgedNote: item.acknowledged, reconcileUnavailable: view.reconcileUnavailable })}</article>
</div>`,
    html`<section id="story"><h2>Story</h2><table class="story"><thead><tr><th>When</th><th>Who</th><th>What</th></tr></thead><tbody>
${entries.map(
  (
    entry,
  ) => html`<tr class="story-${entry.kind}"><td>${time(entry.at)}</td><td>${STORY_ICONS[entry.kind]}${entry.who ? html`<br><small>${entry.who}</small>` : ''}</td>
<td><strong>${entry.eventKey && entry.kind === 'stripe_event' ? eventLink(entry.eventKey, entry.title) : entry.title}</strong>${entry.detail ? html`<br>${entry.detail}` : ''}${entry.note ? html`<blockquote class="note">${entry.note}</blockquote>` : ''}</td></tr>`,
)}</tbody></table></section>`,
    html`<section id="stripe-events"><h2>Stripe events about ${item.stripeObjectId ?? 'its payout'}</h2>
${
  events.length === 0
    ? html`<p class="empty">None stored (Stripe events are kept for 30 days).</p>`
    : html`<table><thead><tr><th>Received</th><th>Type</th><th>Created</th><th>Outcome</th><th>Deliveries</th><th>Replay</th></tr></thead><tbody>
${events.map(
  (
    event,
  ) => html`<tr data-event="${event.eventKey}"><td>${time(event.receivedAt)}</td><td>${eventLink(event.eventKey, event.type)}</td><td>${unixTime(event.created)}</td>
<td>${badge(event.outcome ?? 'unapplied')}${event.replayOutcome ? html` <small>replayed: ${event.replayOutcome}</small>` : ''}</td><td>${event.deliveries ?? '—'}</td>
<td>${replayForm(context, event.eventKey)}</td></tr>`,
)}</tbody></table>`
}</section>`,
    html`<section id="payload"><h2>Village payload, as received</h2><pre><code>${readableJson(item.payload)}</code></pre>
${item.answer ? html`<h3>Answer Village got</h3><pre><code>${JSON.stringify({ statusCode: item.answer.statusCode, body: item.answer.body }, null, 2)}</code></pre>` : ''}</section>`,
  ]);
}

function actions(
  context: PageContext,
  cashOutId: string,
  view: {
    reasons: string[];
    open: string[];
    seen: string;
    acknowledgedNote?: OperatorCashOut['acknowledged'];
    reconcileUnavailable?: string;
  },
): Html {
  const id = encodeURIComponent(cashOutId);
  return html`<h2>Actions</h2>
${view.acknowledgedNote ? html`<p class="acknowledged">Acknowledged by <strong>${view.acknowledgedNote.by}</strong> at ${time(view.acknowledgedNote.at)}: “${view.acknowledgedNote.note}” (${view.acknowledgedNote.reasons.map((reason) => ATTENTION_LABELS[reason]).join(', ')})</p>` : ''}
${
  view.reasons.length
    ? html`<form method="post" action="/cash-outs/${id}/acknowledge" id="acknowledge">${tokenField(context)}<input type="hidden" name="seen" value="${view.seen}">
<label for="note">Acknowledge ${view.open.length ? '' : 'again '}with a note</label>
<textarea id="note" name="note" required maxlength="2000" placeholder="What you found, and what you did or will do"></textarea>
<button type="submit">Acknowledge</button></form>`
    : html`<p>Nothing needs acknowledging.</p>`
}
${
  view.reconcileUnavailable
    ? html`<p><small>Reconcile now is unavailable: ${view.reconcileUnavailable}</small></p>`
    : html`<form method="post" action="/cash-outs/${id}/reconcile" id="reconcile">${tokenField(context)}<input type="hidden" name="step" value="preview">
<button type="submit" class="secondary">Reconcile now…</button><small> Shows the decision first; nothing is done until you confirm.</small></form>`
}`;
}

export function replayForm(context: PageContext, eventKey: string): Html {
  return html`<form method="post" action="/events/${encodeURIComponent(eventKey)}/replay" class="inline">${tokenField(context)}
<button type="submit" name="dryRun" value="1" class="outline">Preview</button>
<button type="submit" name="dryRun" value="0" data-confirm="Replay ${eventKey} through the route's apply code?">Replay</button></form>`;
}

export function reconcilePage(
  context: PageContext,
  view: {
    cashOutId: string;
    decision: { text: string; outcome: string; key: string; actionable: boolean };
    result?: { text: string; outcome: string };
    changed?: boolean;
  },
): Html {
  const id = encodeURIComponent(view.cashOutId);
  return layout(context, { title: `Reconcile ${view.cashOutId}`, section: 'cash-outs' }, [
    html`<h1>Reconcile ${cashOutLink(view.cashOutId)} now</h1>`,
    view.changed
      ? html`<p class="notice" role="alert">The decision changed since you looked; nothing was done. Here is the new one.</p>`
      : '',
    view.result
      ? html`<article id="reconcile-result"><h2>Done: ${badge(view.result.outcome)}</h2><p>${view.result.text}</p><p>Recorded as <strong>${context.who}</strong>.</p></article>`
      : html`<article id="reconcile-decision"><h2>Decision: ${badge(view.decision.outcome)}</h2><p data-decision>${view.decision.text}</p>
${
  view.decision.actionable
    ? html`<form method="post" action="/cash-outs/${id}/reconcile">${tokenField(context)}<input type="hidden" name="step" value="apply"><input type="hidden" name="expected" value="${view.decision.key}">
<label>Note (optional)<input name="note" maxlength="2000"></label>
<button type="submit" data-confirm="Act on this decision? It may cancel a payout or reverse a transfer at Stripe.">Act on this decision</button></form>`
    : html`<p>Nothing to do now.</p>`
}</article>`,
    html`<p><a href="/cash-outs/${id}">Back to the cash-out</a></p>`,
  ]);
}

export const historyList = (entries: HistoryEntry[]) =>
  entries.length
    ? html`<ul class="history">${entries.map((entry) => html`<li>${time(entry.at)} · <strong>${entry.action}</strong> by ${entry.who}: ${entry.result}${entry.note ? html`<blockquote class="note">${entry.note}</blockquote>` : ''}</li>`)}</ul>`
    : html`<p class="empty">No operator actions yet.</p>`;
