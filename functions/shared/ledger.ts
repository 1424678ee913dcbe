import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { isConditionalCheckFailed } from './dynamodb.js';
import type { AnswerState, LedgerItem, NewLedgerItem, StoredAnswer } from './ledger-item.js';
import { bounded, LedgerTable, STATUS_NAME, writeIf, type Guard, type WriteResult } from './ledger-write.js';
import { statusFields } from './status-index.js';

export {
  LEDGER_STATUSES,
  TERMINAL_LEDGER_STATUSES,
  type AnswerState,
  type LedgerFields,
  type LedgerItem,
  type LedgerStatus,
  type NewLedgerItem,
  type StoredAnswer,
} from './ledger-item.js';
export { LedgerReconciliation } from './ledger-reconcile.js';
export { LedgerSettlement, type EventSettlement, type SettleResult } from './ledger-settle.js';
export type { TransactUpdate } from './ledger-write.js';

export type ClaimResult = { claimed: true; item: LedgerItem } | { claimed: false; existing: LedgerItem };

export interface UpdateOptions {
  /** Give up after this long (the write may still land: a retry recognises it, `withdrawLate` fences it out). */
  timeoutMs?: number;
}

/** The delivery `:attempt` still holds the claim and has not withdrawn its answer (`:withdrawn`). */
const HOLDER_NOT_WITHDRAWN = 'attemptId = :attempt AND (attribute_not_exists(answerState) OR answerState <> :withdrawn)';

/**
 * The cash-out ledger's transitions for the Village route, each a conditional write fenced by
 * the delivery holding the claim (`attemptId`): `claim` (or `takeOver` of a dead claim) →
 * `recordStripeRequest` → `answer`, or `withdrawLate` for a 200 recorded too late; for a
 * duplicate delivery, `adoptAnswer` or `refuseDuplicate`; `recordOutcomeFields` where another
 * delivery's answer stands. Reconciliation's transitions are in ledger-reconcile.ts, a
 * provider event's in ledger-settle.ts; all but the claim (a put) and `takeOver` (which counts
 * attempts) go through `writeIf` (ledger-write.ts).
 */
export class LedgerStore extends LedgerTable {
  /** The idempotency claim: a conditional put, so exactly one invocation owns a cash-out. */
  async claim(fields: NewLedgerItem, options: { timeoutMs?: number } = {}): Promise<ClaimResult> {
    const item: LedgerItem = { ...fields, ...statusFields(fields.cashOutId, 'processing'), attempts: 1, updatedAt: fields.createdAt };
    try {
      const command = new PutCommand({
        TableName: this.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(cashOutId)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      await bounded(options.timeoutMs, 'Claiming the cash-out', (abortSignal) => this.db.send(command, { abortSignal }));
      return { claimed: true, item };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // The document client does not unmarshall the item that comes back on the exception.
      const fromError = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
      const existing = fromError ? (unmarshall(fromError) as LedgerItem) : await this.get(fields.cashOutId);
      if (!existing) throw error;
      // Our own claim: an earlier attempt of this same call landed, then timed out or failed on
      // the way back, and the SDK's retry found it.
      if (existing.attemptId === fields.attemptId) return { claimed: true, item: existing };
      return { claimed: false, existing };
    }
  }

  /**
   * Takes over a claim whose owner's lease has run out (it crashed or timed out). Only one
   * taker wins; the loser sees `undefined`.
   */
  async takeOver(existing: LedgerItem, attemptId: string, leaseExpiresAt: number, now: Date): Promise<LedgerItem | undefined> {
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { cashOutId: existing.cashOutId },
          UpdateExpression: 'SET attemptId = :new, leaseExpiresAt = :lease, updatedAt = :now ADD attempts :one',
          ConditionExpression: 'attemptId = :old AND #status = :processing AND attribute_not_exists(answer)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':new': attemptId,
            ':lease': leaseExpiresAt,
            ':now': now.toISOString(),
            ':one': 1,
            ':old': existing.attemptId,
            ':processing': 'processing',
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes as LedgerItem;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  /**
   * Writes fields of a claimed cash-out, fenced by `attemptId`: an invocation that lost its
   * claim cannot overwrite the new owner's work. Returns false when fenced out.
   */
  async update(
    cashOutId: string,
    attemptId: string,
    fields: Partial<LedgerItem>,
    now: Date,
    options: UpdateOptions = {},
  ): Promise<boolean> {
    const result = await this.unansweredWrite(cashOutId, attemptId, fields, now, options);
    // This very write may have landed on an earlier try (timed out on the way back, then
    // retried by the SDK): the item then carries its timestamp, attempt and answer state.
    return this.landedEarlier(result, now, attemptId, fields.answerState);
  }

  /** A write of the delivery holding the claim, while no answer is recorded. */
  private unansweredWrite(cashOutId: string, attemptId: string, fields: Partial<LedgerItem>, now: Date, options: UpdateOptions) {
    const guard = { expression: 'attemptId = :attempt AND attribute_not_exists(answer)', values: { ':attempt': attemptId } };
    return this.conditionalSet(cashOutId, fields, now, guard, options);
  }

  /** From this write on, money may move: a crash after it leaves a claim whose retry reuses the idempotency key. */
  recordStripeRequest(cashOutId: string, attemptId: string, accountId: string, now: Date, options: UpdateOptions = {}): Promise<boolean> {
    return this.update(cashOutId, attemptId, { accountId, stripeRequestSentAt: now.toISOString() }, now, options);
  }

  /**
   * Records the answer of the delivery holding the claim, with its outcome's fields (status,
   * reason, Stripe object), if no answer is there yet. True also where an earlier try of this
   * write landed and a duplicate delivery has since adopted it (the claim passed, the answer
   * is still this one, recorded at this write's time): that answer stands, and was repeated.
   * False when fenced out.
   */
  async answer(
    cashOutId: string,
    attemptId: string,
    answer: StoredAnswer,
    outcome: Partial<LedgerItem>,
    now: Date,
    options: UpdateOptions = {},
  ): Promise<boolean> {
    const fields: Partial<LedgerItem> = { ...outcome, answer, answeredAt: now.toISOString(), answerState: 'given' };
    const result = await this.unansweredWrite(cashOutId, attemptId, fields, now, options);
    const current = result.current;
    const adoptedThisAnswer =
      current?.answerState === 'adopted' && current.answeredAt === now.toISOString() && current.answer?.statusCode === answer.statusCode;
    return this.landedEarlier(result, now, attemptId, 'given') || adoptedThisAnswer;
  }

  /**
   * Replaces the answer this attempt recorded, or was recording, with one that Village cannot
   * have seen in time, marks the money due back, and fences the attempt out (`withdrawn`): a
   * write of this attempt still on its way fails its condition if it lands later. The
   * outcome's fields (status, Stripe object) are written only while the item is still
   * `processing`: a Stripe event may have moved it on meanwhile, and that newer state stays.
   * True: written (now, or by an earlier try of this same call); false: fenced out (the claim
   * passed to a duplicate that adopted the 200, or to another holder).
   */
  async withdrawLate(
    cashOutId: string,
    attemptId: string,
    late: StoredAnswer,
    outcome: Partial<LedgerItem>,
    now: Date,
    options: { timeoutMs?: number } = {},
  ): Promise<boolean> {
    const marks: Partial<LedgerItem> = {
      answer: late,
      answeredAt: now.toISOString(),
      reason: String(late.body.error ?? 'superseded'),
      needsCompensation: true,
      answerState: 'withdrawn',
    };
    const notWithdrawn = { ':attempt': attemptId, ':withdrawn': 'withdrawn' };
    const whileProcessing = await this.conditionalSet(
      cashOutId,
      { ...outcome, ...marks },
      now,
      {
        expression: `${HOLDER_NOT_WITHDRAWN} AND #status = :processing`,
        names: STATUS_NAME,
        values: { ...notWithdrawn, ':processing': 'processing' },
      },
      options,
    );
    const current = whileProcessing.current;
    if (whileProcessing.written || current?.attemptId !== attemptId || current.answerState === 'withdrawn')
      return this.landedEarlier(whileProcessing, now, attemptId, 'withdrawn');
    return this.landedEarlier(
      await this.conditionalSet(cashOutId, marks, now, { expression: HOLDER_NOT_WITHDRAWN, values: notWithdrawn }, options),
      now,
      attemptId,
      'withdrawn',
    );
  }

  /**
   * Records that a duplicate delivery was answered non-200: Village returns the balance on any
   * non-200, so from now on the cash-out is not paid (its answer is this refusal) and money
   * that moves or moved for it is due back. A 200 still being recorded by the first delivery
   * is fenced out by the answer now present. Nothing changes where the answer is already a refusal.
   */
  async refuseDuplicate(cashOutId: string, refusal: StoredAnswer, now: Date, options: { timeoutMs?: number } = {}): Promise<boolean> {
    const result = await this.conditionalSet(
      cashOutId,
      {
        answer: refusal,
        answeredAt: now.toISOString(),
        answerState: 'refused_duplicate',
        needsCompensation: true,
        refusedDuplicateAt: now.toISOString(),
      },
      now,
      { expression: 'attribute_exists(cashOutId) AND (attribute_not_exists(answer) OR answer.statusCode = :ok)', values: { ':ok': 200 } },
      options,
    );
    return result.written || (result.current?.answer !== undefined && result.current.answer.statusCode !== 200);
  }

  /** Writes the outcome of a payment whose answer another delivery has already given, while the item is still `processing`. */
  async recordOutcomeFields(
    cashOutId: string,
    attemptId: string,
    outcome: Partial<LedgerItem>,
    now: Date,
    options: { timeoutMs?: number } = {},
  ): Promise<boolean> {
    return (
      await this.conditionalSet(
        cashOutId,
        outcome,
        now,
        {
          expression: 'attemptId = :attempt AND #status = :processing',
          names: STATUS_NAME,
          values: { ':attempt': attemptId, ':processing': 'processing' },
        },
        options,
      )
    ).written;
  }

  /** Written now, or by an earlier try of the same write: the item carries its timestamp, attempt and answer state. */
  private landedEarlier(
    result: { written: boolean; current?: LedgerItem },
    now: Date,
    attemptId: string,
    answerState?: AnswerState,
  ): boolean {
    const current = result.current;
    return (
      result.written || (current?.attemptId === attemptId && current.updatedAt === now.toISOString() && current.answerState === answerState)
    );
  }

  /** A fenced write of this ledger's table, stamped `updatedAt`. */
  private async conditionalSet(
    cashOutId: string,
    fields: Partial<LedgerItem>,
    now: Date,
    guard: Guard,
    options: { timeoutMs?: number },
  ): Promise<WriteResult> {
    return writeIf(this.db, this.tableName, cashOutId, { ...fields, updatedAt: now.toISOString() }, guard, options);
  }

  /**
   * Makes a 200 that `holder` recorded this delivery's own before repeating it: the holder may
   * still be running and, finding it recorded its 200 too late, withdraw it (`withdrawLate`,
   * fenced by its attemptId). The claim passes to this delivery (`adopted`). After this, only
   * one of the two can win. False when the item no longer holds that 200 for that attempt
   * (read it again).
   */
  async adoptAnswer(
    cashOutId: string,
    holder: string,
    attemptId: string,
    now: Date,
    options: { timeoutMs?: number } = {},
  ): Promise<boolean> {
    const result = await this.conditionalSet(
      cashOutId,
      { attemptId, answerState: 'adopted' },
      now,
      { expression: 'attemptId = :holder AND answer.statusCode = :ok', values: { ':holder': holder, ':ok': 200 } },
      options,
    );
    return this.landedEarlier(result, now, attemptId, 'adopted');
  }
}
