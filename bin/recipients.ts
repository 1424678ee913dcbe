import { parseArgs } from 'node:util';
import { makeDocumentClient } from '../functions/shared/dynamodb.js';
import { RecipientStore } from '../functions/shared/recipients.js';

/**
 * `npm run recipients -- set|get|list|delete …`: who gets paid. Against the local gateway's
 * DynamoDB (DYNAMODB_ENDPOINT, default http://127.0.0.1:8000 is not assumed: see README) or
 * a deployed table (`--table`, AWS credentials from the usual chain).
 */
const { positionals, values } = parseArgs({
  allowPositionals: true,
  strict: true,
  options: { table: { type: 'string' }, endpoint: { type: 'string' }, region: { type: 'string' }, json: { type: 'boolean' } },
});
const [command, email, accountId] = positionals;
const usage = 'Usage: npm run recipients -- set <email> <acct_id> | get <email> | list | delete <email>  [--table NAME] [--endpoint URL] [--region R] [--json]';
const endpoint = (values.endpoint as string | undefined) ?? (values.table ? undefined : process.env.DYNAMODB_ENDPOINT ?? 'http://127.0.0.1:8000');
const tableName = (values.table as string | undefined) ?? process.env.RECIPIENTS_TABLE ?? 'local-recipients';
const store = new RecipientStore(makeDocumentClient({ endpoint, region: values.region as string | undefined }), tableName);
const print = (value: unknown) => console.log(values.json ? JSON.stringify(value, null, 2) : value);

try {
  switch (command) {
    case 'set':
      if (!email || !accountId) throw new Error(usage);
      print(await store.put(email, accountId, new Date()));
      break;
    case 'get': {
      if (!email) throw new Error(usage);
      const recipient = await store.get(email);
      if (!recipient) {
        console.error(`No recipient ${email} in ${tableName}.`);
        process.exit(1);
      }
      print(recipient);
      break;
    }
    case 'list': {
      const all = await store.list();
      if (values.json) print(all);
      else if (all.length === 0) console.log(`No recipients in ${tableName}.`);
      else for (const r of all) console.log(`${r.email}\t${r.accountId}\tpayouts ${r.payoutsEnabled === undefined ? 'unknown' : r.payoutsEnabled ? 'enabled' : 'disabled'}`);
      break;
    }
    case 'delete':
      if (!email) throw new Error(usage);
      console.log((await store.delete(email)) ? `Deleted ${email}.` : `No recipient ${email}.`);
      break;
    default:
      console.error(usage);
      process.exit(2);
  }
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
