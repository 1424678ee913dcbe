import { describe, expect, test } from '@jest/globals';
import { answerLine } from '../dev/answer-line.js';
import type { LocalAnswer } from '../dev/gateway.js';

const at = new Date(2026, 0, 2, 9, 8, 7);
const answer = (functionName: string, statusCode: number, body: unknown, headers: Record<string, string> = {}): LocalAnswer => ({
  functionName,
  method: 'POST',
  path: `/webhooks/${functionName}`,
  statusCode,
  headers,
  body: JSON.stringify(body),
  ms: 12,
});

describe('the npm start terminal: one short line per answer', () => {
  test('a paid cash-out, and its idempotent replay', () => {
    const paid = { cashOutId: 'co_1', status: 'pending', amount: '20.15', currency: 'USD', stripe: { object: 'payout', id: 'po_1' } };
    expect(answerLine(answer('village-cash-out', 200, paid), at)).toBe(
      '09:08:07 200 cash-out co_1: 20.15 USD paid by Stripe payout po_1 (pending) (12 ms)',
    );
    expect(answerLine(answer('village-cash-out', 200, paid, { 'x-idempotent-replayed': 'true' }), at)).toContain(
      'answered again from the ledger: nothing paid twice',
    );
  });

  test('a refusal names its reason', () => {
    expect(answerLine(answer('village-cash-out', 401, { error: 'signature_mismatch', message: 'The signature does not match.' }), at)).toBe(
      '09:08:07 401 cash-out refused: signature_mismatch (The signature does not match.) (12 ms)',
    );
  });

  test('applied Stripe and Just Wallet events, and a Stripe redelivery', () => {
    expect(
      answerLine(answer('just-wallet', 200, { received: true, eventKey: 'just-wallet:payout:p1:pending', outcome: 'applied' }), at),
    ).toBe('09:08:07 200 Just Wallet just-wallet:payout:p1:pending applied (12 ms)');
    expect(
      answerLine(
        answer('stripe-events', 200, {
          received: true,
          eventId: 'evt_1',
          type: 'payout.paid',
          outcome: 'applied',
          detail: 'ledger co_1: pending → paid',
          duplicate: true,
        }),
        at,
      ),
    ).toBe('09:08:07 200 Stripe payout.paid evt_1 applied (a redelivery: nothing changed) (12 ms)');
  });

  test('a route it has no words for still gets a line', () => {
    expect(answerLine(answer('new-route', 200, { outcome: 'applied' }), at)).toBe('09:08:07 200 POST /webhooks/new-route applied (12 ms)');
  });
});
