import { html } from 'hono/html';
import { EVENT_OUTCOMES, PROVIDERS, UNAPPLIED, type EventRow, type StoredEvent } from '../../event-rows.js';
import { readableJson } from '../../json-view.js';
import type { Page } from '../../paging.js';
import type { BulkReplay, ReplayResult } from '../../replay.js';
import type { HistoryEntry } from '../../../functions/shared/history.js';
import { historyList, replayForm } from './cash-outs.js';
import { badge, cashOutLink, eventLink, eventPath, nextLink, recordLink, time, unixTime, type Html } from './format.js';
import { layout, tokenField, type PageContext } from './layout.js';

type EventQuery = Record<'q' | 'provider' | 'type' | 'outcome' | 'from' | 'to', string | undefined>;

function eventTable(rows: EventRow[]): Html {
  if (rows.length === 0) return html`<p class="empty">No events match.</p>`;
  return html`<figure><table class="striped"><thead><tr><th>Received</th><th>Provider</th><th>Type</th><th>Object</th><th>Outcome</th><th>Deliveries</th><th>Event</th></tr></thead><tbody>
${rows.map(
  (
    row,
  ) => html`<tr data-event="${row.eventKey}"><td>${time(row.receivedAt)}</td><td>${row.provider}</td><td>${row.type}</td><td>${row.objectId ?? '—'}</td>
<td>${badge(row.outcome ?? UNAPPLIED)}${row.replayOutcome ? html` <small>replayed: ${row.replayOutcome}</small>` : ''}</td><td>${row.deliveries ?? '—'}</td>
<td>${eventLink(row.eventKey, row.eventId ?? row.eventKey, row.record)}</td></tr>`,
)}</tbody></table></figure>`;
}

const hiddenFilters = (query: EventQuery) =>
  (['provider', 'type', 'outcome', 'from', 'to'] as const).map((name) =>
    query[name] ? html`<input type="hidden" name="${name}" value="${query[name]}">` : '',
  );

export function eventsPage(context: PageContext, view: { query: EventQuery; page: Page<EventRow>; searched?: boolean }): Html {
  const { query, page } = view;
  const select = (name: 'provider' | 'outcome', choices: readonly string[]) =>
    html`<select name="${name}"><option value="">any</option>${choices.map((choice) => html`<option value="${choice}"${query[name] === choice ? html` selected` : ''}>${choice}</option>`)}</select>`;
  return layout(context, { title: 'Events', section: 'events' }, [
    html`<h1>Events</h1>
<form method="get" action="/events" class="search" role="search"><input type="search" name="q" value="${query.q ?? ''}" placeholder="Event id (evt_…), event key, or object id (po_…, a Just Wallet id)" aria-label="Search events"><button type="submit">Search</button></form>
<form method="get" action="/events" class="filters"><div class="grid">
<label>Provider${select('provider', PROVIDERS)}</label>
<label>Type<input name="type" value="${query.type ?? ''}" placeholder="payout.paid, or payout. for all"></label>
<label>Outcome${select('outcome', EVENT_OUTCOMES)}</label>
<label>Received from<input name="from" value="${query.from ?? ''}" placeholder="24h, 2024-05-01"></label>
<label>to<input name="to" value="${query.to ?? ''}" placeholder="2024-05-02T12:00"></label>
</div><button type="submit">Filter</button> <a href="/events">Clear</a></form>`,
    view.searched ? html`<p>Search for <code>${query.q}</code>: ${page.items.length} found.</p>` : '',
    eventTable(page.items),
    nextLink(
      '/events',
      { provider: query.provider, type: query.type, outcome: query.outcome, from: query.from, to: query.to },
      page.next,
      page.partial,
    ),
    view.searched
      ? ''
      : html`<section id="bulk-replay"><h2>Replay the matching events</h2>
${
  query.from
    ? html`<form method="post" action="/events/replay">${tokenField(context)}${hiddenFilters(query)}<input type="hidden" name="dryRun" value="1">
<button type="submit" class="secondary">Preview a replay of every matching event…</button> <small>A dry run: shows what would change, writes nothing.</small></form>`
    : html`<p><small>Set "Received from" to replay a window of events in bulk.</small></p>`
}</section>`,
  ]);
}

/** Where the event page's replay form posts: the event's path, its record named. */
const replayPath = (event: StoredEvent) => {
  const path = eventPath(event.eventKey, event.record);
  const [base, query] = path.split('?');
  return `${base}/replay${query ? `?${query}` : ''}`;
};

export function eventPage(context: PageContext, view: { event: StoredEvent; history: HistoryEntry[]; cashOutId?: string }): Html {
  const { event } = view;
  const stripe = event.provider === 'stripe' ? event : undefined;
  return layout(context, { title: `Event ${event.eventKey}`, section: 'events' }, [
    html`<hgroup><h1>Event <code>${event.eventKey}</code></h1><p>${event.provider} · ${event.type} · ${badge(event.outcome ?? UNAPPLIED)}</p></hgroup>
<div class="grid"><article><dl class="facts">
<dt>Received</dt><dd>${time(event.receivedAt)}</dd>
${stripe ? html`<dt>Created (Stripe)</dt><dd>${unixTime(stripe.created)}</dd><dt>Mode</dt><dd>${stripe.livemode ? 'live' : 'test'}${stripe.account ? html` · account <code>${stripe.account}</code>` : ''}</dd>` : ''}
<dt>Object</dt><dd>${event.objectId ? html`<code>${event.objectId}</code>` : '—'}${view.cashOutId ? html` · cash-out ${cashOutLink(view.cashOutId)}` : ''}</dd>
<dt>Deliveries</dt><dd>${stripe?.deliveries ?? (event.record ? 'not counted (kept in its record, which answers redeliveries as duplicates)' : 'not counted for Just Wallet (first received above)')}</dd>
${event.record ? html`<dt>Kept in</dt><dd>${recordLink(event.record.kind, event.record.id)} (its history)</dd>` : ''}
<dt>Applied</dt><dd>${time(event.appliedAt)}</dd>
<dt>Outcome</dt><dd>${event.outcome ?? 'not applied'}${stripe?.detail ? html`: ${stripe.detail}` : ''}</dd>
${stripe?.lastRefusal ? html`<dt>Last refusal</dt><dd>${stripe.lastRefusal}</dd>` : ''}
${event.replays ? html`<dt>Replays</dt><dd>${event.replays}, last ${time(event.replayedAt)}: ${event.replayOutcome ?? ''}${stripe?.replayDetail ? html` (${stripe.replayDetail})` : ''}</dd>` : ''}
</dl></article>
<article><h2>Replay</h2><p>Through the same apply code the route runs; the route's ordering rules decide what changes.</p>
<form method="post" action="${replayPath(event)}" id="replay">${tokenField(context)}
<label>Note (optional)<input name="note" maxlength="2000"></label>
<button type="submit" name="dryRun" value="1" class="outline">Preview (dry run)</button>
<button type="submit" name="dryRun" value="0" data-confirm="Replay this event through the route's apply code?">Replay</button></form></article></div>`,
    html`<section id="event-history"><h2>Operator actions</h2>${historyList(view.history)}</section>`,
    html`<section id="raw-body"><h2>Raw body, as received</h2><p><small>Pretty-printed, numbers exact; secrets (such as a PaymentIntent's <code>client_secret</code>) redacted.</small></p><pre><code>${readableJson(event.payload)}</code></pre></section>`,
  ]);
}

function resultsTable(results: ReplayResult[]): Html {
  return html`<table class="striped" id="replay-results"><thead><tr><th>Event</th><th>Type</th><th>Outcome</th><th>Change</th><th>Detail</th></tr></thead><tbody>
${results.map(
  (
    result,
  ) => html`<tr data-event="${result.eventKey}"><td>${eventLink(result.eventKey)}</td><td>${result.type}</td><td>${badge(result.outcome)}</td>
<td>${result.changed ? (result.dryRun ? 'would change' : 'changed') : result.dryRun ? 'would change nothing' : 'nothing changed'}</td><td>${result.detail ?? ''}</td></tr>`,
)}</tbody></table>`;
}

export function replayResultPage(context: PageContext, result: ReplayResult): Html {
  return layout(context, { title: `Replay ${result.eventKey}`, section: 'events' }, [
    html`<h1>${result.dryRun ? 'Replay preview (dry run)' : 'Replayed'}: ${eventLink(result.eventKey)}</h1>`,
    resultsTable([result]),
    result.dryRun
      ? html`<p>Nothing was written.</p>${replayForm(context, result.eventKey)}`
      : html`<p>Recorded as <strong>${context.who}</strong>.</p>`,
    html`<p><a href="/events/${encodeURIComponent(result.eventKey)}">Back to the event</a></p>`,
  ]);
}

export function bulkReplayPage(context: PageContext, view: { query: EventQuery; bulk: BulkReplay; dryRun: boolean; limit: number }): Html {
  const { bulk, query } = view;
  const changes = bulk.results.filter((result) => result.changed).length;
  return layout(context, { title: 'Bulk replay', section: 'events' }, [
    html`<h1>${view.dryRun ? 'Bulk replay preview (dry run)' : 'Bulk replay done'}</h1>
<p>Filter: ${(['provider', 'type', 'outcome', 'from', 'to'] as const).map((name) => (query[name] ? html`<code>${name}=${query[name]}</code> ` : ''))}</p>
<p data-summary>${bulk.results.length} event${bulk.results.length === 1 ? '' : 's'} ${view.dryRun ? 'looked at' : 'replayed'}, oldest first; ${changes} ${view.dryRun ? 'would change' : 'changed'} something.
${bulk.tooMany ? html`<strong>More than ${view.limit} match: only the first ${view.limit} are shown, and a replay is refused until the filter is narrower.</strong>` : ''}</p>`,
    resultsTable(bulk.results),
    view.dryRun && !bulk.tooMany && bulk.results.length > 0
      ? html`<form method="post" action="/events/replay" id="bulk-apply">${tokenField(context)}${hiddenFilters(query)}<input type="hidden" name="dryRun" value="0">
<label>Note (optional)<input name="note" maxlength="2000"></label>
<button type="submit" data-confirm="Replay these ${bulk.results.length} events through the routes' apply code?">Replay these ${bulk.results.length} events</button></form>`
      : '',
    html`<p><a href="/events">Back to events</a></p>`,
  ]);
}
