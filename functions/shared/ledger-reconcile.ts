import type { LedgerFields, LedgerItem, LedgerStatus, StoredAnswer } from './ledger-item.js';
import { LedgerTable, writeIf, type Guard } from './ledger-write.js';

/**
 * Reconciliation's transitions of a ledger item: each lands only on the state that was read
 * (`seen`), never over a newer one and never under a running cash-out.
 */
export class LedgerReconciliation extends LedgerTable {
  /** Notes that the item was looked at and left as it is (nothing at Stripe yet), so the next runs take others first. */
  async markChecked(seen: LedgerItem, now: Date): Promise<boolean> {
    return this.resolve(seen, {}, now, { touch: false });
  }

  /**
   * Writes `fields` only if the item is still exactly as `seen` (status, updatedAt, attemptId,
   * last Stripe event) and no invocation holds it: never over a newer state, never under a
   * running cash-out. A Village answer is stored only where none was, as reconciliation's
   * (`answerState` `reconciled`).
   */
  async resolve(seen: LedgerItem, fields: LedgerFields, now: Date, options: { touch?: boolean } = { touch: true }): Promise<boolean> {
    const guard = unchangedSince(seen, now);
    return this.write(
      seen.cashOutId,
      {
        ...fields,
        ...(fields.answer ? { answerState: 'reconciled' as const } : {}),
        ...(options.touch === false ? {} : { updatedAt: now.toISOString() }),
        reconciledAt: now.toISOString(),
      },
      guard,
    );
  }

  /**
   * Takes the item for a compensation: from here on the Village handler cannot take it over
   * (it has an answer and another attemptId), and another reconciliation run waits for the lease.
   */
  async claim(seen: LedgerItem, attemptId: string, leaseExpiresAt: number, answer: StoredAnswer, now: Date): Promise<boolean> {
    const guard = unchangedSince(seen, now);
    return this.write(
      seen.cashOutId,
      {
        attemptId,
        leaseExpiresAt,
        updatedAt: now.toISOString(),
        ...(seen.answer ? {} : { answer, answeredAt: now.toISOString(), answerState: 'reconciled' as const }),
      },
      guard,
    );
  }

  /** Records the outcome of a compensation, fenced by the claim's attemptId; the status may only be the one claimed from or the one being written. */
  async finish(seen: LedgerItem, attemptId: string, fields: LedgerFields & { status: LedgerStatus }, now: Date): Promise<boolean> {
    return this.write(
      seen.cashOutId,
      { ...fields, leaseExpiresAt: now.getTime(), updatedAt: now.toISOString(), reconciledAt: now.toISOString() },
      {
        expression: 'attemptId = :g_attempt AND #g_status IN (:g_from, :g_to)',
        names: { '#g_status': 'status' },
        values: { ':g_attempt': attemptId, ':g_from': seen.status, ':g_to': fields.status },
      },
    );
  }

  private async write(cashOutId: string, fields: LedgerFields, guard: Guard): Promise<boolean> {
    const expression = `attribute_exists(cashOutId) AND ${guard.expression}`;
    return (await writeIf(this.db, this.tableName, cashOutId, fields, { ...guard, expression })).written;
  }
}

/** The item is as `seen`, and no invocation holds it. */
function unchangedSince(seen: LedgerItem, now: Date): Guard {
  const values: Record<string, unknown> = {
    ':g_status': seen.status,
    ':g_updated': seen.updatedAt,
    ':g_attempt': seen.attemptId,
    ':g_now': now.getTime(),
  };
  const parts = ['#g_status = :g_status', 'updatedAt = :g_updated', 'attemptId = :g_attempt', 'leaseExpiresAt < :g_now'];
  if (seen.lastEventCreated === undefined) parts.push('attribute_not_exists(lastEventCreated)');
  else {
    parts.push('lastEventCreated = :g_event');
    values[':g_event'] = seen.lastEventCreated;
  }
  if (!seen.answer) parts.push('attribute_not_exists(answer)');
  return { expression: parts.join(' AND '), names: { '#g_status': 'status' }, values };
}
