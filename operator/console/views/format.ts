import { html } from 'hono/html';
import { ATTENTION_LABELS, type AttentionReason } from '../../attention.js';
import { readableTime } from '../../readable.js';
import { maskEmail } from '../../../functions/shared/redact.js';

export type Html = ReturnType<typeof html>;

/** A time for people: UTC, to the second, with the exact ISO time for machines (and tests). */
export function time(iso: string | undefined): Html | string {
  if (!iso) return '—';
  // A no-break space before UTC: in a narrow column the time wraps after the date, never before "UTC".
  return html`<time datetime="${iso}">${readableTime(iso).replace(/ UTC$/, '\u00a0UTC')}</time>`;
}

/** Unix seconds (Stripe's `created`) as a time. */
export const unixTime = (seconds: number | undefined) => (seconds === undefined ? '—' : time(new Date(seconds * 1000).toISOString()));

const STATUS_TONE: Record<string, string> = {
  paid: 'good',
  completed: 'good',
  capture_succeeded: 'good',
  succeeded: 'good',
  success: 'good',
  won: 'good',
  applied: 'good',
  acknowledged: 'good',
  resolved: 'good',
  compensated: 'good',
  closed: 'good',
  pending: 'info',
  in_transit: 'info',
  processing: 'info',
  initiated: 'info',
  planned: 'info',
  unknown: 'warn',
  conflict: 'warn',
  in_flight: 'warn',
  ledger_item_in_flight: 'warn',
  stale: 'muted',
  ignored: 'muted',
  ignored_type: 'muted',
  ignored_status: 'muted',
  duplicate: 'muted',
  outdated: 'muted',
  rejected: 'muted',
  waiting: 'muted',
  skipped: 'muted',
  unchanged: 'muted',
  failed: 'bad',
  canceled: 'bad',
  reversed: 'bad',
  anomaly: 'bad',
  error: 'bad',
  lost: 'bad',
  needs_operator: 'bad',
  not_closed: 'bad',
};

/** A status or outcome as a coloured label. */
export const badge = (word: string | undefined) =>
  word ? html`<span class="badge ${STATUS_TONE[word] ?? 'muted'}">${word.replaceAll('_', ' ')}</span>` : '—';

export const reasonBadges = (reasons: AttentionReason[], tone = 'bad') =>
  reasons.map((reason) => html`<span class="badge ${tone}">${ATTENTION_LABELS[reason]}</span> `);

/** Lists show `j***@example.com`; the full address only on the cash-out's own page. */
export const masked = (email: string | undefined) => (email ? maskEmail(email) : '—');

export const cashOutLink = (cashOutId: string) => html`<a href="/cash-outs/${encodeURIComponent(cashOutId)}">${cashOutId}</a>`;
/** `/events/<key>`, and `?record=<kind>/<id>` for an event kept in a record (so its page needs no search). */
export const eventPath = (eventKey: string, record?: { id: string; kind: string }) =>
  `/events/${encodeURIComponent(eventKey)}${record ? `?record=${encodeURIComponent(`${record.kind}/${record.id}`)}` : ''}`;

export const eventLink = (eventKey: string, text: string = eventKey, record?: { id: string; kind: string }) =>
  html`<a href="${eventPath(eventKey, record)}">${text}</a>`;
export const recordLink = (kind: string, id: string) =>
  html`<a href="/records/${encodeURIComponent(kind)}/${encodeURIComponent(id)}">${id}</a>`;

/** A path with the query kept (for paging links), dropping empty values. */
export function withQuery(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => Boolean(entry[1])));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** Stripe ids are letters, digits and underscores; anything else is not linked. */
const STRIPE_ID = /^[A-Za-z0-9_]+$/;

/**
 * The object in Stripe's Dashboard: a transfer is the platform's own; a payout lives on the
 * connected account (the Dashboard's account-scoped path). Test-mode objects under /test.
 */
export function stripeDashboardUrl(object: {
  id: string;
  type: 'payout' | 'transfer';
  accountId?: string;
  livemode: boolean;
}): string | undefined {
  if (!STRIPE_ID.test(object.id) || (object.accountId !== undefined && !STRIPE_ID.test(object.accountId))) return undefined;
  const mode = object.livemode ? '' : 'test/';
  if (object.type === 'transfer') return `https://dashboard.stripe.com/${mode}transfers/${object.id}`;
  return object.accountId
    ? `https://dashboard.stripe.com/${object.accountId}/${mode}payouts/${object.id}`
    : `https://dashboard.stripe.com/${mode}payouts/${object.id}`;
}

/** A page of a list: the link to the next one, or nothing. */
export function nextLink(
  path: string,
  query: Record<string, string | undefined>,
  next: string | undefined,
  partial?: boolean,
): Html | string {
  if (!next) return '';
  return html`<p class="paging">${partial ? html`<small>Searched as far as one request may; there may be more.</small> ` : ''}<a href="${withQuery(path, { ...query, cursor: next })}" rel="next">Older →</a></p>`;
}
