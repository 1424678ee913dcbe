import type { LocalAnswer } from './gateway.js';

type Body = Record<string, unknown>;

/**
 * One short line per answered request for the `npm start` terminal, read from the answer the
 * route gave (never from its logs, so the routes' code knows nothing of it). The full JSON
 * log lines are there instead with LOG_FORMAT=json.
 */
export function answerLine(answer: LocalAnswer, now = new Date()): string {
  const time = now.toTimeString().slice(0, 8);
  let body: Body = {};
  try {
    const parsed: unknown = JSON.parse(answer.body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Body;
  } catch {
    // Not JSON: the line says only the status.
  }
  const describe = DESCRIBE[answer.functionName] ?? describeOther;
  return `${time} ${answer.statusCode} ${describe(answer, body)} (${answer.ms} ms)`;
}

const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');
const refused = (what: string, body: Body) =>
  `${what} refused: ${text(body.error) || 'error'}${body.message ? ` (${text(body.message)})` : ''}`;

const DESCRIBE: Record<string, (answer: LocalAnswer, body: Body) => string> = {
  'village-cash-out': (answer, body) => {
    const what = `cash-out${body.cashOutId ? ` ${text(body.cashOutId)}` : ''}`;
    if (answer.statusCode !== 200) return refused(what, body);
    const stripe = (body.stripe ?? {}) as Body;
    const paid = `${what}: ${text(body.amount)} ${text(body.currency)} paid by Stripe ${text(stripe.object) || 'payout'} ${text(stripe.id)} (${text(body.status)})`;
    return answer.headers['x-idempotent-replayed'] === 'true' ? `${paid}, answered again from the ledger: nothing paid twice` : paid;
  },
  'stripe-events': (answer, body) => {
    if (answer.statusCode !== 200) return refused('Stripe event', body);
    const detail = body.detail ? `: ${text(body.detail)}` : '';
    return `Stripe ${text(body.type)} ${text(body.eventId)} ${text(body.outcome)}${body.duplicate ? ' (a redelivery: nothing changed)' : detail}`;
  },
  'just-wallet': (answer, body) => {
    if (answer.statusCode !== 200) return refused('Just Wallet event', body);
    return `Just Wallet ${text(body.eventKey)} ${text(body.outcome)}`;
  },
};

function describeOther(answer: LocalAnswer, body: Body): string {
  const what = `${answer.method} ${answer.path}`;
  return answer.statusCode >= 400 ? refused(what, body) : `${what}${body.outcome ? ` ${text(body.outcome)}` : ''}`;
}
