import { LimitsAdmin } from '../operator/limits.js';
import { makeDocumentClient } from '../functions/shared/dynamodb.js';
import { HttpError } from '../functions/shared/errors.js';
import type { CurrencyLimits } from '../functions/shared/limits.js';
import { commandLine, runCommand, valueOptions } from './cli.js';
import { UsageError } from '../dev/command-errors.js';
import { resolveTarget } from '../operator/target.js';

/**
 * `npm run limits -- show | set <CUR> --per-cash-out N --per-recipient-day N --per-day N`: what
 * a cash-out may move, per currency, and the platform's use in the rolling 24 hours. Locally
 * (the tables of `npm start`) or a deployed stack (`--stack`, AWS credentials from the usual
 * chain). Each change is recorded with who (`local`, or the AWS identity) and when in the
 * history table; the cash-out function sees it within LIMITS_CACHE_SECONDS (60 s in AWS, at once locally).
 */
const usage = [
  'Usage: npm run limits -- <command> [--stack NAME] [--region R]',
  "  show                                 every currency paid: its limits and the platform's use in the rolling 24 hours",
  '  set <CUR> --per-cash-out N --per-recipient-day N --per-day N',
  "                                       set a currency's limits (major units, e.g. 5000 or 5000.00); a currency without limits is not paid",
].join('\n');

type Amounts = Pick<CurrencyLimits, 'perCashOut' | 'perRecipientDay' | 'perDay'>;
type Request = { command: 'show' } | { command: 'set'; currency: string; amounts: Amounts };

const { positionals, values } = commandLine(usage, valueOptions('stack', 'region', 'per-cash-out', 'per-recipient-day', 'per-day'), {
  positionals: true,
});
let endpoint: string | undefined;

await runCommand(
  async () => {
    const request = checkedRequest();
    const target = await resolveTarget({ stack: values.stack, region: values.region });
    endpoint = target.endpoint;
    const db = makeDocumentClient({ endpoint: target.endpoint, region: target.region });
    try {
      const admin = new LimitsAdmin(db, target.tables);
      if (request.command === 'show') await show(admin);
      else await set(admin, request.currency, request.amounts, target.who);
      return 0;
    } finally {
      db.destroy();
    }
  },
  { usage, dynamoEndpoint: () => endpoint },
);

/** The command and its arguments, refused (exit 2) unless complete: `set` needs all three limits, never a default. */
function checkedRequest(): Request {
  const [command, currency, ...extra] = positionals;
  const amounts = { perCashOut: values['per-cash-out'], perRecipientDay: values['per-recipient-day'], perDay: values['per-day'] };
  if (command === 'show') {
    if (currency !== undefined || Object.values(amounts).some((value) => value !== undefined))
      throw new UsageError('show takes no arguments or amounts.');
    return { command };
  }
  if (command !== 'set') throw new UsageError(command ? `Unknown command "${command}".` : 'Which command? show or set.');
  if (currency === undefined || extra.length > 0)
    throw new UsageError('set takes one currency, e.g. set USD --per-cash-out 5000 --per-recipient-day 20000 --per-day 200000.');
  const { perCashOut, perRecipientDay, perDay } = amounts;
  if (perCashOut === undefined || perRecipientDay === undefined || perDay === undefined) {
    const missing = Object.entries({ '--per-cash-out': perCashOut, '--per-recipient-day': perRecipientDay, '--per-day': perDay })
      .filter(([, value]) => value === undefined)
      .map(([name]) => name);
    throw new UsageError(`set needs all three limits; missing ${missing.join(', ')}.`);
  }
  return { command, currency, amounts: { perCashOut, perRecipientDay, perDay } };
}

/** One line a currency, tab-separated, under a header. */
async function show(admin: LimitsAdmin): Promise<void> {
  console.log(['currency', 'per cash-out', 'per recipient/24h', 'per day/24h', 'used/24h', 'left/24h', 'set'].join('\t'));
  for (const row of await admin.show()) {
    const set = row.source === 'set' ? `${row.updatedBy} at ${row.updatedAt}` : 'default';
    console.log([row.currency, row.perCashOut, row.perRecipientDay, row.perDay, row.usedToday, row.leftToday, set].join('\t'));
  }
}

/** Sets a currency's limits; limits the checks refuse are a usage error (exit 2), nothing written. */
async function set(admin: LimitsAdmin, currency: string, amounts: Amounts, who: string): Promise<void> {
  try {
    const { limits } = await admin.set(currency, amounts, who);
    console.log(
      `Limits for ${limits.currency} set by ${who}: per cash-out ${limits.perCashOut}, per recipient a day ${limits.perRecipientDay}, per day ${limits.perDay}. Recorded in the history table.`,
    );
  } catch (error) {
    if (error instanceof HttpError) throw new UsageError(error.message);
    throw error;
  }
}
