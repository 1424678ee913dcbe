import { localDynamoEndpoint } from '../dev/defaults.js';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { systemClock } from '../functions/shared/clock.js';
import { makeDocumentClient } from '../functions/shared/dynamodb.js';
import { SourceAdmin, SourceAdminError } from '../operator/sources.js';
import { DirectorySourceSecrets, SecretsManagerSourceSecrets } from '../functions/stripe-events/source-secrets.js';
import { SourceStore, type StripeSource } from '../functions/stripe-events/source-store.js';
import { LOCAL_SOURCE_SECRETS_DIR } from '../dev/environment.js';
import { commandLine, flagOptions, refuse as refuseWith, runCommand, valueOptions } from './cli.js';
import { UsageError } from '../dev/command-errors.js';

/**
 * `npm run sources -- add|list|rotate|disable|enable|remove …`: the Stripe merchant sources,
 * each with its own endpoint (`/webhooks/stripe/<sourceId>`) and signing secret. Locally: the
 * sources table in DynamoDB Local and the secrets in a gitignored directory, both as
 * `npm start` reads them; deployed: `--table` and `--secret-prefix` from the stack outputs.
 * Secrets are never printed.
 */
const usage = `Usage: npm run sources -- <command>
  add <sourceId> --signing-secret whsec_… [--api-key rk_…]    a new merchant endpoint, enabled
  list [--json]
  rotate <sourceId> [--signing-secret whsec_…] [--api-key rk_…] [--drop-previous]
                                     a rolled signing secret (the old one stays valid until --drop-previous), or a new API key
  disable <sourceId> | enable <sourceId>    refuse (404) or accept its events again, at once
  remove <sourceId>                  the source and its secret (its events and records stay)
A source id is 3–64 lowercase letters, digits and "-"; "platform" is the platform's own endpoint.
Where: locally DYNAMODB_ENDPOINT (http://127.0.0.1:8000), SOURCES_TABLE (local-sources), STRIPE_SOURCE_SECRETS_DIR (.local/stripe-sources);
  deployed: --table <SourcesTableName> --secret-prefix <StripeSourceSecretPrefix> [--region R] (AWS credentials from the usual chain)`;

/** Which options each command takes; anything else is refused. */
const COMMANDS: Record<string, { options: string[]; required?: string[] }> = {
  add: { options: ['signing-secret', 'api-key'], required: ['signing-secret'] },
  list: { options: ['json'] },
  rotate: { options: ['signing-secret', 'api-key', 'drop-previous'] },
  disable: { options: [] },
  enable: { options: [] },
  remove: { options: [] },
};
const WHERE = ['table', 'secret-prefix', 'endpoint', 'region'] as const;

const { positionals, values } = commandLine(
  usage,
  { ...valueOptions('signing-secret', 'api-key', ...WHERE), ...flagOptions('drop-previous', 'json') },
  { positionals: true },
);
const [command, sourceId, ...extra] = positionals;
const spec = command ? COMMANDS[command] : undefined;
if (!command || !spec) refuse(command ? `Unknown command "${command}".` : 'Which command?');
if (command !== 'list' && !sourceId) refuse(`${command} needs a source id.`);
if (extra.length > 0 || (command === 'list' && sourceId)) refuse(`Unexpected argument "${extra[0] ?? sourceId}".`);
for (const option of Object.keys(values)) {
  if (!spec.options.includes(option) && !(WHERE as readonly string[]).includes(option)) refuse(`${command} does not take --${option}.`);
}
for (const option of spec.required ?? []) {
  if (values[option as keyof typeof values] === undefined) refuse(`${command} needs --${option}.`);
}
if (values.table && !values['secret-prefix'])
  refuse('With --table (a deployed stack), give --secret-prefix too (the StripeSourceSecretPrefix output).');

const deployed = values['secret-prefix'] !== undefined;
const endpoint = values.endpoint ?? (values.table ? undefined : localDynamoEndpoint());
const tableName = values.table ?? process.env.SOURCES_TABLE ?? 'local-sources';
const db = makeDocumentClient({ endpoint, region: values.region });
const secrets = deployed
  ? new SecretsManagerSourceSecrets(new SecretsManagerClient({ region: values.region }), values['secret-prefix']!)
  : new DirectorySourceSecrets(process.env.STRIPE_SOURCE_SECRETS_DIR ?? LOCAL_SOURCE_SECRETS_DIR);
const admin = new SourceAdmin(new SourceStore(db, tableName), secrets, systemClock);

const describe = (source: StripeSource) =>
  [
    source.sourceId,
    source.status,
    source.hasApiKey ? 'api key' : 'no api key',
    `created ${source.createdAt}`,
    source.rotatedAt ? `rotated ${source.rotatedAt}` : '',
    source.disabledAt ? `disabled ${source.disabledAt}` : '',
  ]
    .filter(Boolean)
    .join('\t');
const endpointUrl = (id: string) =>
  deployed ? `<StripeEventsUrl>/${id}` : `http://127.0.0.1:${process.env.PORT ?? 3000}/webhooks/stripe/${id}`;

await runCommand(
  async () => {
    try {
      await perform(sourceId!);
    } catch (error) {
      // A request the checks refuse (a bad id, a secret of the wrong kind) is a usage error, whatever is stored.
      throw error instanceof SourceAdminError && error.usage ? new UsageError(error.message) : error;
    } finally {
      db.destroy();
    }
  },
  { usage, dynamoEndpoint: () => endpoint },
);

/** Carries out the checked command for one source (`list`: every source). */
async function perform(id: string): Promise<void> {
  switch (command) {
    case 'add': {
      const source = await admin.add(id, { signingSecret: values['signing-secret']!, apiKey: values['api-key'] });
      console.log(`Added ${describe(source)}.`);
      console.log(`Stripe endpoint URL: ${endpointUrl(id)}`);
      console.log(
        source.hasApiKey
          ? `Import its last 30 days: npm run catch-up -- --source ${id} --since 30d`
          : `No API key: catch-up cannot list its events (add one: npm run sources -- rotate ${id} --api-key rk_…).`,
      );
      break;
    }
    case 'list': {
      const all = await admin.list();
      if (values.json) console.log(JSON.stringify(all, null, 2));
      else if (all.length === 0)
        console.log(`No sources in ${tableName} (the platform's own endpoint, POST /webhooks/stripe, is always there).`);
      else for (const source of all) console.log(describe(source));
      break;
    }
    case 'rotate': {
      const source = await admin.rotate(id, {
        signingSecret: values['signing-secret'],
        apiKey: values['api-key'],
        dropPrevious: values['drop-previous'],
      });
      console.log(`Rotated ${describe(source)}.`);
      if (values['signing-secret'] && !values['drop-previous'])
        console.log(`The previous signing secret stays valid; once Stripe stops using it: npm run sources -- rotate ${id} --drop-previous`);
      break;
    }
    case 'disable':
    case 'enable': {
      const source = await admin.setStatus(id, command === 'disable' ? 'disabled' : 'enabled');
      console.log(
        `${command === 'disable' ? 'Disabled (its events are answered 404; Stripe retries them for up to 3 days)' : 'Enabled'}: ${describe(source)}.`,
      );
      break;
    }
    case 'remove':
      console.log((await admin.remove(id)) ? `Removed source ${id} and its secret; its events and records stay.` : `No source ${id}.`);
      break;
  }
}

function refuse(message: string): never {
  return refuseWith(usage, message);
}
