import { randomUUID } from 'node:crypto';
import { GetCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { systemClock } from '../../functions/shared/clock.js';
import { staticSecret } from '../../functions/shared/secrets.js';
import { eventOfRecord, recordOfEventKey, type KeptJustWalletEvent } from '../../functions/just-wallet/inbox.js';
import { JustWalletEventStore } from '../../functions/just-wallet/events.js';
import { makeJustWalletHandler, type JustWalletHandlerDeps } from '../../functions/just-wallet/handler.js';
import type { RecordKind } from '../../functions/just-wallet/lifecycle.js';
import { JustWalletRecordStore, type JustWalletRecord } from '../../functions/just-wallet/records.js';
import { justWalletSignature } from '../../functions/just-wallet/signature.js';
import { createTestTables, type TestTables } from './dynamo.js';
import { apiGatewayEvent, directInvocation, loadFixture } from './events.js';
import { silentLogger } from './telemetry.js';

export const JUST_WALLET_SECRET = 'test-just-wallet-secret';
export const JUST_WALLET_PATH = '/webhooks/just-wallet';

export type JustWalletBody = Record<string, unknown> & { data: Record<string, unknown> };

export interface DeliveryOptions {
  secret?: string;
  /** How to sign: the secret itself (default) or the HMAC of the body. */
  mode?: 'secret' | 'hmac';
  /** The header value to send instead (null: no header). */
  signature?: string | null;
  headerName?: string;
  base64?: boolean;
}

export interface Delivery {
  statusCode: number;
  body: Record<string, unknown>;
}

export interface JustWalletHarness {
  tables: TestTables;
  deps: JustWalletHandlerDeps;
  outcomes: string[];
  /** Signs (unless told otherwise) and delivers an event to the handler. */
  send(payload: Record<string, unknown> | string, options?: DeliveryOptions): Promise<Delivery>;
  record(kind: RecordKind, id: string): Promise<JustWalletRecord | undefined>;
  /** The event as kept, wherever: the history of the record it changed, or its own item in the events table. */
  event(eventKey: string): Promise<KeptJustWalletEvent | undefined>;
  /** Every item in both tables: to show that a refused request wrote nothing. */
  itemCount(): Promise<number>;
  stop(): Promise<void>;
}

/** A fixture from test/events/just-wallet with a fresh object id, and data fields overridden. */
export function justWalletEvent(type: string, data: Record<string, unknown> = {}): JustWalletBody {
  const sample = loadFixture<JustWalletBody>('just-wallet', type);
  return { ...sample, data: { ...sample.data, id: randomUUID(), ...data } };
}

export async function justWalletHarness(overrides: Partial<JustWalletHandlerDeps> = {}): Promise<JustWalletHarness> {
  const tables = await createTestTables();
  const outcomes: string[] = [];
  const deps: JustWalletHandlerDeps = {
    events: new JustWalletEventStore(tables.db, tables.names.events),
    records: new JustWalletRecordStore(tables.db, tables.names.records),
    webhookSecret: staticSecret(JUST_WALLET_SECRET, 'JUST_WALLET_WEBHOOK_SECRET'),
    signatureMode: 'auto',
    eventRetentionSeconds: 30 * 86_400,
    maxBodyBytes: 256 * 1024,
    clock: systemClock,
    logger: silentLogger(),
    onOutcome: (outcome) => outcomes.push(outcome),
    ...overrides,
  };
  const handler = makeJustWalletHandler(deps);
  const count = async (table: string) =>
    (await tables.db.send(new ScanCommand({ TableName: table, Select: 'COUNT', ConsistentRead: true }))).Count ?? 0;
  return {
    tables,
    deps,
    outcomes,
    async send(payload, options = {}) {
      const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
      const signature =
        options.signature === undefined
          ? justWalletSignature(options.secret ?? JUST_WALLET_SECRET, body, options.mode ?? 'secret')
          : options.signature;
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        ...(signature === null ? {} : { [options.headerName ?? 'signature']: signature }),
      };
      const response = await handler(apiGatewayEvent(JUST_WALLET_PATH, body, headers, { base64: options.base64 }), directInvocation);
      return { statusCode: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
    },
    async record(kind, id) {
      const result = await tables.db.send(new GetCommand({ TableName: tables.names.records, Key: { id, kind }, ConsistentRead: true }));
      return result.Item as JustWalletRecord | undefined;
    },
    event: (eventKey) => findJustWalletEvent({ db: tables.db, events: deps.events, recordsTable: tables.names.records }, eventKey),
    async itemCount() {
      return (await count(tables.names.events)) + (await count(tables.names.records));
    },
    async stop() {
      tables.db.destroy();
    },
  };
}

/** A Just Wallet event by its key, wherever it is kept (as the operator's EventReads finds it). */
async function findJustWalletEvent(
  stores: { db: DynamoDBDocumentClient; events: JustWalletEventStore; recordsTable: string },
  eventKey: string,
): Promise<KeptJustWalletEvent | undefined> {
  const own = await stores.events.get(eventKey);
  const ref = recordOfEventKey(eventKey);
  if (!ref) return own;
  const record = (await stores.db.send(new GetCommand({ TableName: stores.recordsTable, Key: ref, ConsistentRead: true }))).Item as
    JustWalletRecord | undefined;
  const entry = record?.history?.find((each) => each.eventKey === eventKey);
  // The record's entry says what applying did; an item of its own keeps the body the record had no room for.
  if (record && entry && (!own || entry.body)) return eventOfRecord(record, entry);
  return own;
}
