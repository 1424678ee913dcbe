import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, fieldUpdate, updateExpression } from '../shared/dynamodb.js';
import { daysOf } from './days.js';

/**
 * Report runs, their files and their rows, kept in the records table under keys of their own
 * (no `kindShard`, so none reaches the records' listing index):
 *
 * - `report#<sourceId>#<frr_…>` / `run`: the run (type, interval, status, the fetch's outcome);
 * - the same id / `file#0001`…: the file as Stripe sent it, gzip-compressed, in chunks under
 *   DynamoDB's 400 KB item limit;
 * - the same id / `row#000001`…: each parsed row, amounts as exact decimal strings;
 * - `report-day#<sourceId>#<day>` / `<type>#<frr_…>`: the runs that cover a UTC day.
 *
 * One Query on a run's id reads it whole; one on a day's id finds its runs.
 */
export type RunStatus = 'pending' | 'succeeded' | 'failed';
export type FetchState = 'fetching' | 'fetched' | 'failed';

export interface ReportRunItem {
  id: string;
  kind: 'run';
  sourceId: string;
  runId: string;
  reportType: string;
  intervalStart: number;
  intervalEnd: number;
  connectedAccount?: string;
  status: RunStatus;
  /** Who asked for it: the scheduled job, the command, or Stripe (a run made elsewhere). */
  requestedBy?: string;
  fileId?: string;
  fileUrl?: string;
  error?: string;
  fetch?: FetchState;
  fetchAttempts?: number;
  fetchError?: string;
  /** Epoch ms until which one fetch holds the run (a second delivery does not fetch it again). */
  fetchClaimedUntil?: number;
  fetchedAt?: string;
  rowCount?: number;
  fileBytes?: number;
  chunks?: number;
  updatedAt: string;
}

export type ReportRow = Record<string, string>;

export interface DayRun {
  reportType: string;
  runId: string;
}

const MAX_CHUNK_BYTES = 350_000;
const WRITE_CONCURRENCY = 16;

export const runKey = (sourceId: string, runId: string) => ({ id: `report#${sourceId}#${runId}`, kind: 'run' });
const dayId = (sourceId: string, day: string) => `report-day#${sourceId}#${day}`;
const pad = (n: number, width: number) => String(n).padStart(width, '0');

export class ReportStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async getRun(sourceId: string, runId: string): Promise<ReportRunItem | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: runKey(sourceId, runId), ConsistentRead: true }));
    return result.Item as ReportRunItem | undefined;
  }

  /** Records a run (requested, or told of by Stripe) and indexes it under each day it covers. Fields already set stay unless given. */
  async saveRun(run: Omit<ReportRunItem, 'id' | 'kind' | 'updatedAt'>, now: Date): Promise<void> {
    await this.set(runKey(run.sourceId, run.runId), { ...run, updatedAt: now.toISOString() });
    await Promise.all(
      daysOf(run.intervalStart, run.intervalEnd).map((day) =>
        this.set(
          { id: dayId(run.sourceId, day), kind: `${run.reportType}#${run.runId}` },
          { reportType: run.reportType, runId: run.runId, intervalStart: run.intervalStart, intervalEnd: run.intervalEnd },
        ),
      ),
    );
  }

  async updateRun(sourceId: string, runId: string, fields: Partial<ReportRunItem>, now: Date): Promise<void> {
    await this.set(runKey(sourceId, runId), { ...fields, updatedAt: now.toISOString() });
  }

  /**
   * Takes the run's fetch for `holdMs`, unless it is fetched already or another fetch holds it:
   * a report event delivered twice (or by the webhook and by catch-up) fetches the file once.
   */
  async claimFetch(sourceId: string, runId: string, nowMs: number, holdMs: number): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKey(sourceId, runId),
          UpdateExpression: 'SET #fetch = :fetching, fetchClaimedUntil = :until ADD fetchAttempts :one',
          ConditionExpression:
            'attribute_exists(id) AND (attribute_not_exists(#fetch) OR (#fetch <> :fetched AND (attribute_not_exists(fetchClaimedUntil) OR fetchClaimedUntil < :now)))',
          ExpressionAttributeNames: { '#fetch': 'fetch' },
          ExpressionAttributeValues: { ':fetching': 'fetching', ':fetched': 'fetched', ':until': nowMs + holdMs, ':now': nowMs, ':one': 1 },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** The file (already compressed) in chunks, then every row, then the run marked fetched. */
  async keepFile(sourceId: string, runId: string, compressed: Buffer, rows: ReportRow[], now: Date): Promise<void> {
    const { id } = runKey(sourceId, runId);
    const chunks: Buffer[] = [];
    for (let at = 0; at < compressed.length || chunks.length === 0; at += MAX_CHUNK_BYTES)
      chunks.push(compressed.subarray(at, at + MAX_CHUNK_BYTES));
    const writes = [
      ...chunks.map((data, index) => () => this.set({ id, kind: `file#${pad(index + 1, 4)}` }, { data })),
      ...rows.map((row, index) => () => this.set({ id, kind: `row#${pad(index + 1, 6)}` }, { row })),
    ];
    for (let at = 0; at < writes.length; at += WRITE_CONCURRENCY)
      await Promise.all(writes.slice(at, at + WRITE_CONCURRENCY).map((write) => write()));
    await this.updateRun(
      sourceId,
      runId,
      {
        fetch: 'fetched',
        fetchedAt: now.toISOString(),
        rowCount: rows.length,
        fileBytes: compressed.length,
        chunks: chunks.length,
        fetchError: undefined,
      },
      now,
    );
  }

  async rows(sourceId: string, runId: string): Promise<ReportRow[]> {
    const items = await this.query(runKey(sourceId, runId).id, 'row#');
    return items.map((item) => item.row as ReportRow);
  }

  /** The file as kept (gzip), its chunks joined. */
  async file(sourceId: string, runId: string): Promise<Buffer> {
    const items = await this.query(runKey(sourceId, runId).id, 'file#');
    return Buffer.concat(items.map((item) => Buffer.from(item.data as Uint8Array)));
  }

  /** The runs that cover a day, with their state. */
  async runsOfDay(sourceId: string, day: string): Promise<ReportRunItem[]> {
    const index = (await this.query(dayId(sourceId, day))) as unknown as DayRun[];
    const runs = await Promise.all(index.map((entry) => this.getRun(sourceId, entry.runId)));
    return runs.filter((run): run is ReportRunItem => run !== undefined);
  }

  private async query(id: string, prefix?: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: prefix ? 'id = :id AND begins_with(kind, :prefix)' : 'id = :id',
          ExpressionAttributeValues: prefix ? { ':id': id, ':prefix': prefix } : { ':id': id },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** An upsert of the given fields; `undefined` removes one. */
  private async set(key: { id: string; kind: string }, fields: Record<string, unknown>): Promise<void> {
    const update = fieldUpdate(
      Object.fromEntries(
        Object.entries(fields)
          .filter(([name]) => name !== 'id' && name !== 'kind')
          .map(([name, value]) => [name, value === undefined ? null : value]),
      ),
    );
    const expression = updateExpression(update);
    if (!expression) return;
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: expression,
        ExpressionAttributeNames: update.names,
        ...(update.sets.length > 0 ? { ExpressionAttributeValues: update.values } : {}),
      }),
    );
  }
}
