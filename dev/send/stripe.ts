import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { makeDocumentClient } from '../../functions/shared/dynamodb.js';
import { LedgerStore } from '../../functions/shared/ledger.js';
import { UsageError, failureMessage } from '../command-errors.js';
import { localDynamoEndpoint } from '../defaults.js';
import { sourceIdProblem } from '../../functions/stripe-events/source-id.js';
import { DirectorySourceSecrets } from '../../functions/stripe-events/source-secrets.js';
import { LOCAL_SOURCE_SECRETS_DIR, LOCAL_STRIPE_STAND_IN_PORT } from '../environment.js';
import { STAND_IN_EVENTS_PATH } from '../stripe-stand-in.js';
import { fixture, fixtureNames } from './fixtures.js';
import type { SampleSender, SignedRequest } from './types.js';

type StripeObject = Record<string, unknown> & { id: string; object: string; metadata?: Record<string, string> | null };
type StripeEventSample = Record<string, unknown> & {
  id: string;
  type: string;
  created: number;
  account?: string;
  data: { object: StripeObject };
};

/**
 * A sample Stripe event of any type, from test/events/stripe, with a fresh event id and
 * `created` = now, pretty-printed as Stripe sends it and signed with the SDK's
 * `webhooks.generateTestHeaderString`. `--payout` / `--object-id` and `--cash-out-id` point it
 * at a real cash-out: given only the cash-out id, the payout (or transfer) id and the account
 * are read from the ledger (local DynamoDB, or `--ledger-table` in AWS); a cash-out the ledger
 * cannot name a payout for is refused rather than sent with the sample's. A type without a
 * fixture is sent as an event of that type with a placeholder object. `--source <id>` sends it
 * to that merchant source's endpoint, signed with its secret (as `npm run sources` keeps it
 * locally). Every event is also held by the local Stripe stand-in, as Stripe holds the events
 * it makes; `--undelivered` only does that, for `npm run catch-up` to find.
 */
export const stripeSender: SampleSender = {
  provider: 'stripe',
  path: '/webhooks/stripe',
  secretEnv: 'STRIPE_WEBHOOK_SECRET',
  types: ['payout.paid', ...fixtureNames('stripe').filter((type) => type !== 'payout.paid')],
  options: {
    payout: 'po_…',
    'object-id': 'ID',
    'cash-out-id': 'CASH_OUT_ID',
    account: 'acct_…',
    status: 'STATUS',
    created: 'UNIX_SECONDS',
    id: 'evt_…',
    source: 'SOURCE_ID',
    'ledger-table': 'TABLE',
    region: 'REGION',
  },
  flags: { undelivered: 'not posted: only handed to the local Stripe stand-in, for npm run catch-up to find' },
  async secretFor(options) {
    if (options.source === undefined) return undefined;
    const secret = await sourceSecret(options.source);
    if (!secret)
      throw new UsageError(
        `No secret for source ${options.source} here (${sourceSecrets().locationOf(options.source)}): add it with npm run sources -- add ${options.source} --signing-secret whsec_…, or pass --secret.`,
      );
    return secret.signing.current;
  },
  async build({ type = 'payout.paid', secret, options }) {
    refuseMistypedOptions(options);
    const sample = sampleEvent(type);
    sample.id = options.id ?? `evt_${randomBytes(12).toString('hex')}`;
    sample.created = options.created ? Number(options.created) : Math.floor(Date.now() / 1000);
    await pointAtCashOut(sample, options);
    if (options.status) sample.data.object.status = options.status;
    return signedRequest(sample, secret, options);
  },
  /** The stand-in holds the event (a merchant's under its API key), delivered or not, for GET /v1/events. */
  async afterSend(request, delivered, options) {
    // Stripe lists a merchant's events only with the merchant's key; without one, no key the stand-in is given can list them.
    const apiKey = options.source ? ((await sourceSecret(options.source))?.apiKey ?? `unlisted:${options.source}`) : undefined;
    const standIn = process.env.STRIPE_API_BASE ?? `http://127.0.0.1:${process.env.STRIPE_STAND_IN_PORT ?? LOCAL_STRIPE_STAND_IN_PORT}`;
    const event = JSON.parse(request.body) as StripeEventSample;
    let response: Response;
    try {
      response = await fetch(`${standIn}${STAND_IN_EVENTS_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ event, apiKey, delivered }),
      });
    } catch (error) {
      throw new Error(
        `Could not give ${event.id} to the Stripe stand-in at ${standIn} (${(error as Error).message}); catch-up cannot find it there. Is npm start running with the stand-in?`,
        { cause: error },
      );
    }
    if (!response.ok) throw new Error(`The Stripe stand-in at ${standIn} refused ${event.id}: ${response.status}.`);
    const whose = options.source
      ? `source ${options.source}${apiKey?.startsWith('unlisted:') ? ' (it has no API key: catch-up cannot list it)' : ''}`
      : event.account
        ? `connected account ${event.account}`
        : 'the platform';
    return delivered
      ? `The Stripe stand-in holds ${event.id} too (${whose}).`
      : `Not delivered: the Stripe stand-in holds ${event.id} (${event.type}, ${whose}) for catch-up to find: npm run catch-up -- --since 1h${options.source ? ` --source ${options.source}` : ''}`;
  },
};

type Options = Record<string, string | undefined>;

function refuseMistypedOptions(options: Options): void {
  if (options.created !== undefined && !/^\d+$/.test(options.created))
    throw new UsageError(`--created must be a time in whole Unix seconds, not "${options.created}".`);
  if (options.account !== undefined && !/^acct_[A-Za-z0-9]+$/.test(options.account))
    throw new UsageError(`--account must be a Stripe account id (acct_…), not "${options.account}".`);
  const problem = options.source === undefined ? undefined : sourceIdProblem(options.source);
  if (problem) throw new UsageError(`--source: ${problem}`);
}

/** Points the sample's payout or transfer at `--cash-out-id` / `--payout` / `--object-id` / `--account`. */
async function pointAtCashOut(sample: StripeEventSample, options: Options): Promise<void> {
  const object = sample.data.object;
  const cashOutId = options['cash-out-id'];
  let objectId = options.payout ?? options['object-id'];
  let accountId = options.account;
  if (cashOutId && (object.object === 'payout' || object.object === 'transfer')) {
    object.metadata = { ...(object.metadata ?? {}), cash_out_id: cashOutId };
    if (object.object === 'transfer') object.transfer_group = cashOutId;
    if (!objectId) {
      const named = await ledgerObject(cashOutId, object, options);
      objectId = named.objectId;
      accountId ??= named.accountId;
    }
  }
  if (objectId) object.id = objectId;
  // The sample's own cash-out id would name the wrong cash-out for another payout.
  if ((options.payout || options['object-id']) && !cashOutId) {
    if (object.metadata?.cash_out_id) object.metadata = {};
    if (object.object === 'transfer') object.transfer_group = null;
  }
  if (accountId) {
    if (object.object === 'transfer') object.destination = accountId;
    else sample.account = accountId;
  }
}

/** The Stripe object and account the ledger holds for a cash-out; its amount and currency go into the sample. */
async function ledgerObject(cashOutId: string, object: StripeObject, options: Options) {
  const item = await ledgerItem(cashOutId, options);
  if (!item) throw new Error(`No cash-out ${cashOutId} in the ledger; pass --payout po_… (or --object-id) to name the Stripe object.`);
  if (!item.stripeObjectId)
    throw new Error(
      `Cash-out ${cashOutId} has no Stripe object in the ledger (status ${item.status}); pass --payout po_… (or --object-id) to name one.`,
    );
  console.log(
    `Cash-out ${cashOutId} in the ledger: ${item.stripeObjectType ?? 'payout'} ${item.stripeObjectId} on ${item.accountId ?? '?'} (status ${item.status}).`,
  );
  // The gateway checks that a payout matches its cash-out: the sample says what the ledger holds.
  object.amount = item.amountMinor;
  object.currency = item.currency.toLowerCase();
  return { objectId: item.stripeObjectId, accountId: item.accountId };
}

function signedRequest(sample: StripeEventSample, secret: string, options: Options): SignedRequest {
  const object = sample.data.object;
  const cashOutId = options['cash-out-id'];
  // Stripe sends its events pretty-printed; the signature covers these exact bytes.
  const body = JSON.stringify(sample, null, 2);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret });
  return {
    ids: { eventId: sample.id, [`${object.object} id`]: object.id, ...(cashOutId ? { cashOutId } : {}) },
    body,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      'stripe-signature': signature,
    },
    ...(options.source ? { path: `/webhooks/stripe/${options.source}` } : {}),
    ...(options.undelivered ? { undelivered: true } : {}),
  };
}

/** Where `npm run sources` keeps the sources' secrets locally. */
const sourceSecrets = () => new DirectorySourceSecrets(process.env.STRIPE_SOURCE_SECRETS_DIR ?? LOCAL_SOURCE_SECRETS_DIR);

/** A merchant source's secret as kept locally, if it is (against a deployed stack it is not: pass --secret). */
async function sourceSecret(sourceId: string) {
  const problem = sourceIdProblem(sourceId);
  if (problem) throw new UsageError(`--source: ${problem}`);
  return sourceSecrets().read(sourceId);
}

function sampleEvent(type: string): StripeEventSample {
  if (fixtureNames('stripe').includes(type)) return JSON.parse(fixture('stripe', type)) as StripeEventSample;
  return {
    id: '',
    object: 'event',
    api_version: null,
    created: 0,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object: { id: 'obj_sample', object: type.split('.')[0] ?? 'unknown' } },
  };
}

/** The cash-out as the ledger holds it now (local DynamoDB, or `--ledger-table` in AWS); a failure to read it is one line. */
export async function ledgerItem(cashOutId: string, options: Record<string, string | undefined>) {
  const table = options['ledger-table'];
  const endpoint = table ? undefined : localDynamoEndpoint();
  const db = makeDocumentClient({ endpoint, region: options.region });
  try {
    return await new LedgerStore(db, table ?? process.env.LEDGER_TABLE ?? 'local-ledger').get(cashOutId);
  } catch (error) {
    throw new Error(
      `Could not read the ledger: ${failureMessage(error, { dynamoEndpoint: endpoint })} Or pass --payout po_… to name the payout.`,
      { cause: error },
    );
  } finally {
    db.destroy();
  }
}
