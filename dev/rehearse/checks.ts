import { randomBytes, randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import type { LedgerStore } from '../../functions/shared/ledger.js';
import { justWalletSignature } from '../../functions/just-wallet/signature.js';
import { villageSignature } from '../../functions/village-cash-out/signature.js';
import { SECRETS } from '../../infra/secrets.js';
import { fixture } from '../send/fixtures.js';
import { httpApiEvent, scheduledEvent, type HttpApiRequest } from './events.js';
import type { Invocation } from './invoke.js';

export interface RehearsalCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** What the checks drive: the bundles, the ledger they write, and the seeded recipient and source. */
export interface RehearsalStage {
  invoke: (service: string, event: unknown) => Promise<Invocation>;
  ledger: LedgerStore;
  recipient: { email: string; accountId: string };
  source: { id: string; signingSecret: string };
  where: { region: string; accountId: string };
  /** Runs one check: its detail when it returns, its error's message when it throws. */
  check: (name: string, run: () => Promise<string>) => Promise<void>;
}

type Answer = { statusCode?: number; body?: string };
type StripeFixture = { id: string; created: number; account?: string; livemode: boolean; data: { object: Record<string, unknown> } };

const localSecret = (id: string) => SECRETS.find((secret) => secret.id === id)!.localDefault;

/** The checks in order: a cash-out paid, its payout's event, a merchant source's event, Just Wallet, the schedules. */
export async function runChecks(stage: RehearsalStage): Promise<void> {
  const cashOut = await checkVillageCashOut(stage);
  await checkStripePayoutEvent(stage, cashOut);
  await checkSourceEvent(stage);
  await checkJustWallet(stage);
  await checkSchedules(stage);
}

/** A request to a webhook route, as API Gateway delivers it to the rehearsed function. */
function webhook(stage: RehearsalStage, request: HttpApiRequest) {
  const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(request.body)), ...request.headers };
  const caller = {
    accountId: stage.where.accountId,
    apiId: 'rehearsal',
    domainName: `rehearsal.execute-api.${stage.where.region}.amazonaws.com`,
    userAgent: 'rehearsal',
  };
  return httpApiEvent({ ...request, headers }, caller);
}

/** A signed cash-out is paid as under npm start; a wrongly signed one is refused. */
async function checkVillageCashOut(stage: RehearsalStage): Promise<{ cashOutId: string; payoutId: string }> {
  const cashOutId = `rh_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const body = JSON.stringify({
    ...(JSON.parse(fixture('village', 'cash-out')) as Record<string, unknown>),
    cash_out_id: cashOutId,
    destination_email: stage.recipient.email,
    amount: '12.34',
    currency: 'USD',
  });
  const signedWith = (secret: string) =>
    webhook(stage, {
      routeKeyPath: '/webhooks/village/cash-out',
      body,
      headers: { 'x-village-signature-256': villageSignature(secret, body) },
    });
  let payoutId = '';
  await stage.check('village-cash-out: a signed cash-out is paid', async () => {
    const answer = expectStatus(await stage.invoke('village-cash-out', signedWith(localSecret('villageWebhookSecret'))), 200);
    payoutId = String((answer.stripe as { id?: string } | undefined)?.id ?? '');
    if (!payoutId.startsWith('po_')) throw new Error(`answered 200 without a payout id: ${JSON.stringify(answer).slice(0, 200)}`);
    return `200, ${cashOutId} 12.34 USD paid by Stripe payout ${payoutId}`;
  });
  await stage.check('village-cash-out: a bad signature is refused', async () => {
    expectStatus(await stage.invoke('village-cash-out', signedWith('not-the-secret')), 401);
    return '401';
  });
  return { cashOutId, payoutId };
}

/** The payout's payout.paid from Stripe makes the cash-out paid; a wrongly signed one is refused. */
async function checkStripePayoutEvent(stage: RehearsalStage, cashOut: { cashOutId: string; payoutId: string }): Promise<void> {
  const { cashOutId, payoutId } = cashOut;
  const paid = freshStripeEvent('payout.paid');
  paid.account = stage.recipient.accountId;
  Object.assign(paid.data.object, {
    id: payoutId || 'po_missing',
    amount: 1234,
    currency: 'usd',
    livemode: false,
    metadata: { cash_out_id: cashOutId },
  });
  const body = JSON.stringify(paid, null, 2);
  const signedWith = (secret: string) =>
    webhook(stage, {
      routeKeyPath: '/webhooks/stripe',
      body,
      headers: { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret }) },
    });
  await stage.check('stripe-events: payout.paid is applied', async () => {
    expectApplied(expectStatus(await stage.invoke('stripe-events', signedWith(localSecret('stripeWebhookSecret'))), 200));
    const item = await stage.ledger.get(cashOutId);
    if (item?.status !== 'paid') throw new Error(`the ledger says ${item?.status ?? 'nothing'} for ${cashOutId}, expected paid`);
    return `200 applied, ledger ${cashOutId}: paid`;
  });
  await stage.check('stripe-events: a bad signature is refused', async () => {
    expectStatus(await stage.invoke('stripe-events', signedWith('whsec_not_the_secret')), 400);
    return '400 signature_mismatch';
  });
}

/** A merchant source's event, at its own path, signed with its own secret, is applied. */
async function checkSourceEvent(stage: RehearsalStage): Promise<void> {
  const { source } = stage;
  const payment = freshStripeEvent('payment_intent.succeeded');
  delete payment.account;
  Object.assign(payment.data.object, { id: `pi_${randomBytes(10).toString('hex')}`, livemode: false });
  const body = JSON.stringify(payment, null, 2);
  await stage.check(`stripe-events: a merchant source's event is applied`, async () => {
    const event = webhook(stage, {
      routeKeyPath: '/webhooks/stripe/{sourceId}',
      rawPath: `/webhooks/stripe/${source.id}`,
      body,
      headers: { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret: source.signingSecret }) },
      pathParameters: { sourceId: source.id },
    });
    expectApplied(expectStatus(await stage.invoke('stripe-events', event), 200));
    return `200 applied (source ${source.id}, payment_intent.succeeded)`;
  });
}

/** A Just Wallet payout event is applied; a wrongly signed one is refused. */
async function checkJustWallet(stage: RehearsalStage): Promise<void> {
  const walletEvent = JSON.parse(fixture('just-wallet', 'payout')) as { data: Record<string, unknown> };
  walletEvent.data.id = randomUUID();
  const body = JSON.stringify(walletEvent);
  const signedWith = (secret: string) =>
    webhook(stage, { routeKeyPath: '/webhooks/just-wallet', body, headers: { Signature: justWalletSignature(secret, body, 'hmac') } });
  await stage.check('just-wallet: a payout event is applied', async () => {
    const answer = expectStatus(await stage.invoke('just-wallet', signedWith(localSecret('justWalletWebhookSecret'))), 200);
    if (!/applied/.test(JSON.stringify(answer)))
      throw new Error(`answered 200 ${JSON.stringify(answer).slice(0, 200)}, expected it applied`);
    return `200 ${String(answer.outcome ?? 'applied')}`;
  });
  await stage.check('just-wallet: a bad signature is refused', async () => {
    expectStatus(await stage.invoke('just-wallet', signedWith('not-the-secret')), 401);
    return '401';
  });
}

/** Each schedule's rule event, once: its run ends without error. */
async function checkSchedules(stage: RehearsalStage): Promise<void> {
  for (const [service, rule] of [
    ['reconcile', 'ReconciliationSchedule'],
    ['catch-up', 'CatchUpSchedule'],
    ['reports', 'ReportsSchedule'],
  ] as const) {
    await stage.check(`${service}: the schedule's run ends without error`, async () => {
      const invocation = await stage.invoke(service, scheduledEvent(rule, stage.where));
      if (!invocation.ok) throw new Error(`threw: ${invocation.error?.split('\n')[0]}`);
      return `returned ${JSON.stringify(invocation.result).slice(0, 160)}`;
    });
  }
}

/** A Stripe fixture with a new id, created now, in test mode. */
function freshStripeEvent(name: string): StripeFixture {
  const event = JSON.parse(fixture('stripe', name)) as StripeFixture;
  event.id = `evt_${randomBytes(12).toString('hex')}`;
  event.created = Math.floor(Date.now() / 1000);
  event.livemode = false;
  return event;
}

function answerOf(invocation: Invocation): { status?: number; body: Record<string, unknown>; problem?: string } {
  if (!invocation.ok) return { body: {}, problem: `threw: ${invocation.error?.split('\n')[0]}` };
  const answer = invocation.result as Answer;
  try {
    return { status: answer.statusCode, body: JSON.parse(answer.body ?? '{}') as Record<string, unknown> };
  } catch {
    return { status: answer.statusCode, body: { text: answer.body } };
  }
}

/** The answer's body when the function answered this status; else why not, with its last error log line. */
function expectStatus(invocation: Invocation, status: number): Record<string, unknown> {
  const answer = answerOf(invocation);
  if (answer.problem) throw new Error(`${answer.problem}${lastLogLine(invocation.output)}`);
  if (answer.status !== status)
    throw new Error(
      `answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}, expected ${status}${lastLogLine(invocation.output)}`,
    );
  return answer.body;
}

function expectApplied(body: Record<string, unknown>): void {
  if (body.outcome !== 'applied') throw new Error(`answered 200 ${JSON.stringify(body).slice(0, 200)}, expected outcome applied`);
}

/** The last error line a function logged, to say why a check failed. */
function lastLogLine(output: string): string {
  const line = output
    .split('\n')
    .reverse()
    .find((candidate) => /"level":"(ERROR|WARN)"|Error/.test(candidate));
  return line ? ` (its log: ${line.slice(0, 300)})` : '';
}
