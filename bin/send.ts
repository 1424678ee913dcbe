import { parseArgs } from 'node:util';
import { SECRETS } from '../lib/secrets.js';
import { SENDERS } from '../lib/send/index.js';
import type { SignedRequest } from '../lib/send/types.js';

/**
 * `npm run send -- <provider> [type] [--url URL] [--secret S]`: sends a correctly signed
 * sample event to the local gateway (default) or a deployed URL, and prints the answer.
 */
/** Senders' options that take no value. */
const FLAGS = ['undelivered'];
// A sender's own `--name value` options are strings too (undeclared, parseArgs reads them as flags).
const senderOptions = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((arg) => /^--[a-z][\w-]*$/i.test(arg) && arg !== '--help' && !FLAGS.includes(arg.slice(2)))
    .map((arg) => [arg.slice(2), { type: 'string' as const }]),
);
const { positionals, values } = parseArgs({
  allowPositionals: true,
  strict: false,
  options: { ...senderOptions, ...Object.fromEntries(FLAGS.map((flag) => [flag, { type: 'boolean' as const }])), url: { type: 'string' }, secret: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
const [provider, type] = positionals;
const sender = SENDERS.find((candidate) => candidate.provider === provider);
if (!sender || values.help) {
  console.log('Usage: npm run send -- <provider> [options]\n');
  for (const known of SENDERS) console.log(`  npm run send -- ${known.usage} [--url URL] [--secret S]`);
  console.log('\n--url defaults to the local gateway (http://127.0.0.1:$PORT); --secret to the local value of the secret.');
  process.exit(sender ? 0 : 2);
}
const options = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, typeof value === 'string' ? value : value === true ? 'true' : undefined]));
let request: SignedRequest;
try {
  const localDefault = SECRETS.find((secret) => secret.env === sender.secretEnv)?.localDefault;
  const secret = (values.secret as string | undefined) ?? (await sender.secretFor?.(options)) ?? process.env[sender.secretEnv] ?? localDefault;
  if (!secret) {
    console.error(`No secret: pass --secret or set ${sender.secretEnv}.`);
    process.exit(2);
  }
  request = await sender.build({ type, secret, options });
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
const after = async (delivered: boolean) => {
  const note = await sender.afterSend?.(request, delivered, options);
  if (note) console.log(note);
};
if (request.undelivered) {
  try {
    await after(false);
    process.exit(0);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
const url = (values.url as string | undefined) ?? `http://127.0.0.1:${process.env.PORT ?? 3000}${request.path ?? sender.path}`;
console.log(`POST ${url}`);
try {
  const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
  const text = await response.text();
  console.log(`${response.status} ${response.statusText}`);
  try {
    console.log(JSON.stringify(JSON.parse(text), null, 2));
  } catch {
    console.log(text);
  }
  await after(response.ok).catch((error: Error) => console.log(`(${error.message})`));
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  console.error(`Could not reach ${url}: ${(error as Error).message}. Is the gateway running (npm start)?`);
  process.exit(1);
}
