import { randomBytes } from 'node:crypto';
import { Decimal } from 'decimal.js';
import Stripe from 'stripe';
import { stringify } from 'csv-stringify/sync';
import { currencyExponent } from '../functions/shared/money.js';
import { isReportType, type ReportType } from '../functions/reports/report-types.js';
import type { HeldEvent, Params } from './stand-in-types.js';

/**
 * The Reporting API of the Stripe stand-in: report types with their data availability, report
 * runs, the CSV built from what the stand-in did (transfers on the platform, payouts on
 * connected accounts), the file served at its url with the API key as bearer, and
 * `reporting.report_run.succeeded` sent to the gateway signed as Stripe signs it.
 *
 * Unlike Stripe, whose data lags by hours, the stand-in's data is available up to the end of
 * the current UTC day: a run for today shows what happened so far.
 */
export interface StandInMoney {
  payouts: Map<string, Record<string, unknown> & { id: string; created: number; account: string }>;
  transfers: Map<string, Record<string, unknown> & { id: string; created: number }>;
  addEvent(event: HeldEvent['event'], options: { apiKey?: string; delivered?: boolean }): void;
  url: string;
}

export interface StandInWebhook {
  url: string;
  secret: string;
}

export type RawAnswer = { status: number; body: unknown } | { status: number; text: string; contentType: string };

interface Movement {
  id: string;
  created: number;
  account?: string;
  amount: number;
  currency: string;
  category: 'transfer' | 'transfer_reversal' | 'payout';
  description: string;
  status?: string;
}

const ACTIVITY_COLUMNS = [
  'balance_transaction_id',
  'created_utc',
  'available_on_utc',
  'currency',
  'gross',
  'fee',
  'net',
  'reporting_category',
  'source_id',
  'description',
];
const PAYOUT_COLUMNS = [
  'payout_id',
  'effective_at_utc',
  'currency',
  'gross',
  'fee',
  'net',
  'reporting_category',
  'payout_expected_arrival_date',
  'payout_status',
  'payout_description',
];
const RECONCILIATION_COLUMNS = [...ACTIVITY_COLUMNS, 'automatic_payout_id', 'automatic_payout_effective_at'];
const SUMMARY_COLUMNS = ['category', 'description', 'net_amount', 'currency'];

export class StandInReports {
  /** Where events of runs made with a key are posted: `sk_…` (any) → the platform's webhook, or a merchant's restricted key → its source's. */
  readonly webhooks = new Map<string, StandInWebhook>();
  readonly runs = new Map<string, Record<string, unknown> & { id: string; status: string }>();
  private readonly files = new Map<string, { text: string; apiKey: string }>();
  /** The next file downloads answer this status (a failed download, for tests). */
  failDownloads: number[] = [];
  /** Runs fail instead of succeeding while true. */
  failRuns = false;

  constructor(private readonly money: StandInMoney) {}

  /** The requests this module answers; undefined for any other. */
  handle(method: string, path: string, params: Params, apiKey: string): RawAnswer | Promise<RawAnswer> | undefined {
    const typeMatch = /^\/v1\/reporting\/report_types\/([^/]+)$/.exec(path);
    if (method === 'GET' && typeMatch) return this.reportType(decodeURIComponent(typeMatch[1]!));
    if (method === 'POST' && path === '/v1/reporting/report_runs') return this.createRun(params, apiKey);
    const runMatch = /^\/v1\/reporting\/report_runs\/([^/]+)$/.exec(path);
    if (method === 'GET' && runMatch)
      return this.runs.has(runMatch[1]!) ? { status: 200, body: this.runs.get(runMatch[1]!) } : missing('report run', runMatch[1]!);
    const fileMatch = /^\/v1\/files\/([^/]+)\/contents$/.exec(path);
    if (method === 'GET' && fileMatch) return this.fileContents(fileMatch[1]!, apiKey);
    return undefined;
  }

  /** The end of the current UTC day: how far the stand-in's data is available. */
  dataAvailableEnd(nowMs = Date.now()): number {
    const now = new Date(nowMs);
    return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) / 1000;
  }

  private reportType(id: string): RawAnswer {
    if (!isReportType(id)) return missing('report type', id);
    const end = this.dataAvailableEnd();
    return {
      status: 200,
      body: {
        id,
        object: 'reporting.report_type',
        name: id,
        data_available_start: end - 400 * 86_400,
        data_available_end: end,
        default_columns: columnsOf(id),
        livemode: false,
        updated: end,
        version: Number(id.split('.').pop()),
      },
    };
  }

  private createRun(params: Params, apiKey: string): RawAnswer {
    const type = String(params.report_type ?? '');
    if (!isReportType(type)) return invalid(`Invalid report_type: ${type || '(none)'}.`);
    const parameters = (params.parameters as Params | undefined) ?? {};
    const start = Number(parameters.interval_start);
    const end = Number(parameters.interval_end);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start >= end)
      return invalid('parameters[interval_start] must be before parameters[interval_end], both Unix seconds.');
    if (end > this.dataAvailableEnd())
      return invalid(`parameters[interval_end] must be at most data_available_end (${this.dataAvailableEnd()}).`);
    const connectedAccount = typeof parameters.connected_account === 'string' ? parameters.connected_account : undefined;
    const run = {
      id: `frr_${randomBytes(12).toString('hex')}`,
      object: 'reporting.report_run',
      created: Math.floor(Date.now() / 1000),
      error: null,
      livemode: false,
      parameters: { interval_start: start, interval_end: end, ...(connectedAccount ? { connected_account: connectedAccount } : {}) },
      report_type: type,
      result: null as unknown,
      status: 'pending',
      succeeded_at: null as number | null,
    };
    this.runs.set(run.id, run);
    setTimeout(() => void this.finish(run, apiKey, connectedAccount), 20).unref();
    return { status: 200, body: run };
  }

  private async finish(
    run: Record<string, unknown> & { id: string; status: string; report_type?: unknown; parameters?: unknown },
    apiKey: string,
    connectedAccount: string | undefined,
  ): Promise<void> {
    const type = run.report_type as ReportType;
    const { interval_start: start, interval_end: end } = run.parameters as { interval_start: number; interval_end: number };
    const now = Math.floor(Date.now() / 1000);
    if (this.failRuns) {
      Object.assign(run, { status: 'failed', error: 'The stand-in was told to fail report runs.' });
    } else {
      const fileId = `file_${randomBytes(12).toString('hex')}`;
      this.files.set(fileId, { text: this.csv(type, start, end, connectedAccount), apiKey });
      const url = `${this.money.url}/v1/files/${fileId}/contents`;
      Object.assign(run, {
        status: 'succeeded',
        succeeded_at: now,
        result: {
          id: fileId,
          object: 'file',
          created: now,
          purpose: 'finance_report_run',
          type: 'csv',
          filename: `${fileId}.csv`,
          size: this.files.get(fileId)!.text.length,
          url,
        },
      });
    }
    const event = {
      id: `evt_${randomBytes(12).toString('hex')}`,
      object: 'event',
      api_version: '2026-10-28.endive',
      created: now,
      data: { object: { ...run } },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: `reporting.report_run.${run.status}`,
    };
    const webhook = this.webhooks.get(apiKey) ?? (apiKey.startsWith('sk_') ? this.webhooks.get('sk_') : undefined);
    const delivered = webhook ? await post(webhook, event) : false;
    this.money.addEvent(event, { apiKey: apiKey.startsWith('sk_') ? undefined : apiKey, delivered });
  }

  private fileContents(fileId: string, apiKey: string): RawAnswer {
    const failure = this.failDownloads.shift();
    if (failure !== undefined)
      return { status: failure, body: { error: { type: 'api_error', message: 'The stand-in was told to fail this download.' } } };
    const file = this.files.get(fileId);
    if (!file || (file.apiKey !== apiKey && !(file.apiKey.startsWith('sk_') && apiKey.startsWith('sk_')))) return missing('file', fileId);
    return { status: 200, text: file.text, contentType: 'text/csv' };
  }

  /** The report's CSV from what the stand-in did in [start, end). */
  csv(type: ReportType, start: number, end: number, connectedAccount?: string): string {
    const connected = type.startsWith('connected_account_');
    const base = connected ? type.slice('connected_account_'.length) : type;
    const movements = this.movements(connected).filter(
      (m) => m.created >= start && m.created < end && (!connectedAccount || m.account === connectedAccount),
    );
    const prefix = (columns: string[]) => (connected ? ['connected_account', ...columns] : columns);
    const activity = movements.filter((m) => m.category !== 'payout');
    const payouts = movements.filter((m) => m.category === 'payout');
    if (base === 'balance_change_from_activity.itemized.3') return table(prefix(ACTIVITY_COLUMNS), activity.map(activityRow));
    if (base === 'payouts.itemized.3') return table(prefix(PAYOUT_COLUMNS), payouts.map(payoutRow));
    if (base === 'ending_balance_reconciliation.itemized.4')
      return table(
        prefix(RECONCILIATION_COLUMNS),
        activity.map((m) => ({ ...activityRow(m), automatic_payout_id: '', automatic_payout_effective_at: '' })),
      );
    // Only automatic payouts settle transactions Stripe can attribute; the stand-in's payouts are all manual.
    if (base === 'payout_reconciliation.itemized.5') return table(prefix(RECONCILIATION_COLUMNS), []);
    return table(SUMMARY_COLUMNS, summary(movements));
  }

  private movements(connected: boolean): Movement[] {
    const list: Movement[] = [];
    for (const transfer of this.money.transfers.values()) {
      const base = { amount: Number(transfer.amount), currency: String(transfer.currency), account: String(transfer.destination) };
      // The platform sends a transfer (money out); the connected account receives it (money in).
      list.push({
        ...base,
        id: transfer.id,
        created: transfer.created,
        category: 'transfer',
        amount: connected ? base.amount : -base.amount,
        description: `Transfer to ${base.account}`,
      });
      if (transfer.reversed)
        list.push({
          ...base,
          id: transfer.id,
          created: transfer.created,
          category: 'transfer_reversal',
          amount: connected ? -base.amount : base.amount,
          description: 'Transfer reversal',
        });
    }
    if (!connected) return list.filter((m) => m.category !== 'payout');
    for (const payout of this.money.payouts.values()) {
      list.push({
        id: payout.id,
        created: payout.created,
        account: payout.account,
        amount: -Number(payout.amount),
        currency: String(payout.currency),
        category: 'payout',
        description: String(payout.description ?? ''),
        status: String(payout.status),
      });
    }
    return list;
  }
}

function activityRow(m: Movement): Record<string, string> {
  return {
    connected_account: m.account ?? '',
    balance_transaction_id: `txn_${m.id.slice(3)}${m.category === 'transfer_reversal' ? 'r' : ''}`,
    created_utc: utc(m.created),
    available_on_utc: utc(m.created),
    currency: m.currency,
    gross: major(m.amount, m.currency),
    fee: major(0, m.currency),
    net: major(m.amount, m.currency),
    reporting_category: m.category,
    source_id: m.id,
    description: m.description,
  };
}

function payoutRow(m: Movement): Record<string, string> {
  return {
    connected_account: m.account ?? '',
    payout_id: m.id,
    effective_at_utc: utc(m.created),
    currency: m.currency,
    gross: major(m.amount, m.currency),
    fee: major(0, m.currency),
    net: major(m.amount, m.currency),
    reporting_category: 'payout',
    payout_expected_arrival_date: utc(m.created + 86_400).slice(0, 10),
    payout_status: m.status ?? '',
    payout_description: m.description,
  };
}

function summary(movements: Movement[]): Record<string, string>[] {
  const currencies = [...new Set(movements.map((m) => m.currency))];
  return currencies.flatMap((currency) => {
    const of = movements.filter((m) => m.currency === currency);
    const sum = (list: Movement[]) => list.reduce((total, m) => total + m.amount, 0);
    const activity = sum(of.filter((m) => m.category !== 'payout'));
    const payouts = sum(of.filter((m) => m.category === 'payout'));
    return [
      { category: 'activity', description: 'Activity', net_amount: major(activity, currency), currency },
      { category: 'payouts', description: 'Payouts', net_amount: major(payouts, currency), currency },
    ];
  });
}

function columnsOf(type: ReportType): string[] {
  const base = type.replace(/^connected_account_/, '');
  const columns = base.startsWith('balance_change')
    ? ACTIVITY_COLUMNS
    : base.startsWith('payouts')
      ? PAYOUT_COLUMNS
      : base.includes('reconciliation')
        ? RECONCILIATION_COLUMNS
        : SUMMARY_COLUMNS;
  return type.startsWith('connected_account_') && !base.startsWith('balance.summary') ? ['connected_account', ...columns] : columns;
}

function table(columns: string[], rows: Record<string, string>[]): string {
  return stringify(rows, { header: true, columns });
}

const utc = (seconds: number) => new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
const major = (minor: number, currency: string) =>
  new Decimal(minor)
    .dividedBy(new Decimal(10).pow(currencyExponent(currency.toUpperCase())))
    .toFixed(currencyExponent(currency.toUpperCase()));

async function post(webhook: StandInWebhook, event: object): Promise<boolean> {
  const payload = JSON.stringify(event, null, 2);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: webhook.secret });
  try {
    const response = await fetch(webhook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body: payload,
      signal: AbortSignal.timeout(30_000),
    });
    return response.status === 200;
  } catch {
    return false;
  }
}

const invalid = (message: string): RawAnswer => ({ status: 400, body: { error: { type: 'invalid_request_error', message } } });
const missing = (kind: string, id: string): RawAnswer => ({
  status: 404,
  body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${kind}: '${id}'` } },
});
