import { z } from 'zod';
import { makeDocumentClient } from '../functions/shared/dynamodb.js';
import { ACCOUNT_ID, RecipientStore, normaliseEmail } from '../functions/shared/recipients.js';
import { commandLine, runCommand, valueOptions } from './cli.js';
import { UsageError } from '../dev/command-errors.js';
import { localDynamoEndpoint } from '../dev/defaults.js';

/**
 * `npm run recipients -- set|get|list|delete …`: who gets paid, as JSON. Against the DynamoDB
 * Local of a running `npm start` (DYNAMODB_ENDPOINT, or DYNAMODB_PORT as npm start uses it) or
 * a deployed table (`--table`, AWS credentials from the usual chain).
 */
const usage = [
  'Usage: npm run recipients -- <command> [--table NAME] [--region R] [--endpoint URL]',
  '  set <email> <acct_…>   map a Village user to their Stripe connected account',
  '  get <email>            the recipient, or exit 1 if there is none',
  '  list                   every recipient',
  '  delete <email>         remove one, or exit 1 if there is none',
  'Prints JSON. Without --table: the local tables of `npm start`; with --table: a deployed one (the RecipientsTableName output).',
].join('\n');
// The cash-out route checks destination_email with the same rule.
const EMAIL = z.email();
const { positionals, values } = commandLine(usage, valueOptions('table', 'endpoint', 'region'), { positionals: true });
let endpoint: string | undefined;

await runCommand(
  async () => {
    const [command, email, accountId, ...extra] = positionals;
    const wants = { set: 2, get: 1, delete: 1, list: 0 }[command ?? ''];
    if (wants === undefined) throw new UsageError(command ? `Unknown command "${command}".` : 'Which command? set, get, list or delete.');
    const given = [email, accountId, ...extra].filter((each) => each !== undefined).length;
    if (given !== wants) throw new UsageError(`${command} takes ${['no arguments', 'an email', 'an email and an acct_… id'][wants]}.`);
    if (email !== undefined && !EMAIL.safeParse(email.trim()).success) throw new UsageError(`"${email}" is not an email address.`);
    if (accountId !== undefined && !ACCOUNT_ID.test(accountId))
      throw new UsageError(`"${accountId}" is not a Stripe connected account id (acct_ followed by letters and digits).`);

    endpoint = values.endpoint ?? (values.table ? undefined : localDynamoEndpoint());
    const tableName = values.table ?? process.env.RECIPIENTS_TABLE ?? 'local-recipients';
    const db = makeDocumentClient({ endpoint, region: values.region });
    const store = new RecipientStore(db, tableName);
    const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));
    try {
      if (command === 'set') {
        const { recipient, previous } = await store.replace(email!, accountId!, new Date());
        print(previous ? { ...recipient, replaced: { accountId: previous.accountId, updatedAt: previous.updatedAt } } : recipient);
        // Said on stderr too, so the JSON above stays the mapping: a replaced account is worth a second look.
        if (previous && previous.accountId !== accountId)
          console.error(
            `Replaced: ${recipient.email} was mapped to ${previous.accountId} (since ${previous.updatedAt}); cash-outs now pay ${accountId}.`,
          );
        else if (previous) console.error(`Unchanged: ${recipient.email} was already mapped to ${accountId}.`);
      } else if (command === 'list') print(await store.list());
      else if (command === 'get') {
        const recipient = await store.get(email!);
        if (!recipient) throw new Error(`No recipient ${email} in ${tableName}.`);
        print(recipient);
      } else {
        if (!(await store.delete(email!))) throw new Error(`No recipient ${email} in ${tableName}.`);
        print({ deleted: normaliseEmail(email!) });
      }
    } finally {
      db.destroy();
    }
  },
  { usage, dynamoEndpoint: () => endpoint },
);
