import { JustWalletEventStore } from '../../functions/just-wallet/events.js';
import { parseJustWalletEvent } from '../../functions/just-wallet/payload.js';
import { recordJustWalletEvent } from '../../functions/just-wallet/inbox.js';
import { JustWalletRecordStore } from '../../functions/just-wallet/records.js';
import { systemClock } from '../../functions/shared/clock.js';
import type { TestTables } from './dynamo.js';
import { silentLogger } from './telemetry.js';

/** A verified Just Wallet event recorded by the route's own code into these tables. */
export async function deliverJustWallet(tables: TestTables, body: Record<string, unknown>): Promise<{ eventKey: string; outcome: string }> {
  const text = JSON.stringify(body);
  const event = parseJustWalletEvent(text, Buffer.from(text, 'utf8'));
  const outcome = await recordJustWalletEvent(event, text, {
    events: new JustWalletEventStore(tables.db, tables.names.events),
    records: new JustWalletRecordStore(tables.db, tables.names.records),
    clock: systemClock,
    logger: silentLogger(),
    eventRetentionSeconds: 30 * 86_400,
  });
  return { eventKey: event.eventKey, outcome };
}
