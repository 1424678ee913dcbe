import { html } from 'hono/html';
import { readableItem } from '../../json-view.js';
import type { Page } from '../../paging.js';
import { groupDigits } from '../../readable.js';
import { RECORD_KINDS, type RecordItem } from '../../records.js';
import { badge, cashOutLink, nextLink, recordLink, time, type Html } from './format.js';
import { layout, type PageContext } from './layout.js';

const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : undefined);

export function recordsPage(context: PageContext, view: { kind: string; status?: string; page: Page<RecordItem> }): Html {
  const { page } = view;
  return layout(context, { title: 'Records', section: 'records' }, [
    html`<h1>Records</h1>
<nav class="kinds" aria-label="Kinds"><ul>${RECORD_KINDS.map((kind) => html`<li><a href="/records?kind=${kind}"${kind === view.kind ? html` aria-current="page"` : ''}>${kind.replaceAll('_', ' ')}</a></li>`)}</ul></nav>
<form method="get" action="/records" class="filters"><input type="hidden" name="kind" value="${view.kind}">
<label>Status<input name="status" value="${view.status ?? ''}" placeholder="e.g. capture_succeeded, failed"></label><button type="submit">Filter</button></form>`,
    page.items.length === 0
      ? html`<p class="empty">No ${view.kind.replaceAll('_', ' ')} records${view.status ? ` with status ${view.status}` : ''}.</p>`
      : html`<figure><table class="striped"><thead><tr><th>Id</th><th>Status</th><th>Amount</th><th>Provider</th><th>Last change</th><th>Note</th></tr></thead><tbody>
${page.items.map(
  (item) => html`<tr data-record="${item.id}"><td>${recordLink(item.kind, item.id)}</td><td>${badge(item.status)}</td>
<td class="amount">${groupDigits(text(item.amount) ?? '—')} ${text(item.currency) ?? ''}</td><td>${text(item.provider) ?? 'just-wallet'}</td>
<td>${time(text(item.updatedAt) ?? text(item.statusChangedAt))}</td>
<td>${item.anomaly ? html`<span class="badge bad">anomaly</span> ${text(item.anomaly)}` : ''}${typeof item.cashOutId === 'string' ? html` cash-out ${cashOutLink(item.cashOutId)}` : ''}</td></tr>`,
)}</tbody></table></figure>`,
    nextLink('/records', { kind: view.kind, status: view.status }, page.next),
  ]);
}

export function recordPage(context: PageContext, record: RecordItem): Html {
  return layout(context, { title: `${record.kind} ${record.id}`, section: 'records' }, [
    html`<hgroup><h1>${record.kind.replaceAll('_', ' ')} <code>${record.id}</code></h1><p>${badge(record.status)}</p></hgroup>
<pre><code>${readableItem(record)}</code></pre><p><a href="/records?kind=${encodeURIComponent(record.kind)}">All ${record.kind.replaceAll('_', ' ')} records</a></p>`,
  ]);
}
