import { SECRETS } from '../infra/secrets.js';
import { COMMON_OPTIONS, SENDERS, sendUsage } from '../dev/send/index.js';
import type { SampleSender, SignedRequest } from '../dev/send/types.js';
import { nearest, parseCommandLine, runCommand } from './cli.js';
import { UsageError, isUnreachable } from '../dev/command-errors.js';
import { localGatewayUrl } from '../dev/defaults.js';

/**
 * `npm run send -- <provider> [type] [options]`: sends a correctly signed sample event to the
 * local gateway (default) or a deployed URL, and prints the answer, the ids the next step needs
 * and that next step. A mistyped option, provider or type is refused (exit 2) before anything
 * is sent: a sample cash-out must never go out with a default where a value was meant.
 */
const usage = sendUsage();
const optionNames = [...new Set([...SENDERS.flatMap((sender) => Object.keys(sender.options)), ...Object.keys(COMMON_OPTIONS)])];
const flagNames = [...new Set(SENDERS.flatMap((sender) => Object.keys(sender.flags ?? {})))];

type Values = Record<string, string | boolean | undefined>;
/** The command line's options as the sender reads them: a flag given reaches it as "true", like a value. */
type Strings = Record<string, string | undefined>;
/** The gateway's answer as received: its body as JSON where it is JSON, else the text. */
interface Answer {
  response: Response;
  body: unknown;
  replayed: boolean;
}

await runCommand(
  async () => {
    const { values, positionals } = parseCommandLine(process.argv.slice(2), {
      ...Object.fromEntries(optionNames.map((name) => [name, { type: 'string' as const }])),
      ...Object.fromEntries(flagNames.map((name) => [name, { type: 'boolean' as const }])),
      'unknown-type': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      console.log(sendUsage({ types: true }));
      return 0;
    }
    const { sender, type } = chosenSample(values, positionals);
    const strings: Strings = Object.fromEntries(
      Object.entries(values).map(([key, value]) => [key, typeof value === 'string' ? value : value === true ? 'true' : undefined]),
    );
    const request = await sender.build({ type, secret: await secretOf(sender, strings), options: strings });
    if (request.undelivered) return keptUndelivered(sender, request, strings);
    const url = strings.url ?? `${localGatewayUrl()}${request.path ?? sender.path}`;
    if (!URL.canParse(url)) throw new UsageError(`--url must be a URL, not "${url}".`);
    const answer = await post(url, request, strings.url !== undefined);
    await printAnswer(sender, request, answer, strings);
    return answer.response.ok ? 0 : 1;
  },
  { usage },
);

/** The provider and the sample type asked for, refused (exit 2) when either is unknown or an option is not the provider's. */
function chosenSample(values: Values, positionals: string[]): { sender: SampleSender; type: string | undefined } {
  const [provider, type, ...extra] = positionals;
  const providers = SENDERS.map((sender) => sender.provider);
  if (!provider) throw new UsageError(`Which provider? One of ${providers.join(', ')}.`);
  const sender = SENDERS.find((candidate) => candidate.provider === provider);
  if (!sender) {
    const near = nearest(provider, providers);
    throw new UsageError(`Unknown provider "${provider}"${near ? ` (did you mean ${near}?)` : ''}: one of ${providers.join(', ')}.`);
  }
  const own = [
    ...Object.keys(sender.options),
    ...Object.keys(sender.flags ?? {}),
    ...Object.keys(COMMON_OPTIONS),
    ...(sender.types ? ['unknown-type'] : []),
  ];
  const stray = Object.keys(values).find((name) => !own.includes(name));
  if (stray) throw new UsageError(`${provider} takes no --${stray}.`);
  if (!sender.types && type !== undefined) throw new UsageError(`${provider} takes no event type; got "${type}".`);
  if (extra.length) throw new UsageError(`Unexpected argument ${extra[0]}.`);
  if (sender.types && type !== undefined && !sender.types.includes(type)) {
    if (!values['unknown-type']) {
      const near = nearest(type, sender.types);
      throw new UsageError(
        `No ${provider} sample of type "${type}"${near ? ` (did you mean ${near}?)` : ''}; add --unknown-type to send it as an event of a type the gateway does not know.`,
      );
    }
    if (!/^[\w.-]+$/.test(type)) throw new UsageError(`"${type}" is not an event type name.`);
  }
  return { sender, type };
}

/** The signing secret: --secret, the sender's own (a merchant source's), the environment's, or the local default. */
async function secretOf(sender: SampleSender, strings: Strings): Promise<string> {
  const secret =
    strings.secret ??
    (await sender.secretFor?.(strings)) ??
    process.env[sender.secretEnv] ??
    SECRETS.find((each) => each.env === sender.secretEnv)?.localDefault;
  if (!secret) throw new UsageError(`No secret: pass --secret or set ${sender.secretEnv}.`);
  return secret;
}

/** Made, never posted: only the sender's own follow-up (the Stripe stand-in holding it) happens. */
async function keptUndelivered(sender: SampleSender, request: SignedRequest, strings: Strings): Promise<number> {
  const note = await sender.afterSend?.(request, false, strings);
  if (note) console.log(note);
  for (const [name, id] of Object.entries(request.ids ?? {})) console.log(`${name}: ${id}`);
  return 0;
}

/** Posts the request; a gateway that cannot be reached is one line (locally: is `npm start` running?). */
async function post(url: string, request: SignedRequest, urlGiven: boolean): Promise<Answer> {
  console.log(`POST ${url}`);
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
  } catch (error) {
    const cause = (error as { cause?: Error }).cause ?? (error as Error);
    throw new Error(`Could not reach ${url} (${cause.message})${isUnreachable(error) && !urlGiven ? ': is `npm start` running?' : '.'}`, {
      cause: error,
    });
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (e.g. a proxy's error page): printed as it came.
  }
  return { response, body, replayed: response.headers.get('x-idempotent-replayed') === 'true' };
}

/** The status and body, then (locally) the sender's follow-up and the object's status now, the ids and the next steps. */
async function printAnswer(sender: SampleSender, request: SignedRequest, { response, body, replayed }: Answer, strings: Strings) {
  console.log(`${response.status} ${response.statusText}`);
  console.log(typeof body === 'string' ? body : JSON.stringify(body, null, 2));
  if (replayed) console.log('Idempotent replay: the stored answer of an earlier request with the same id; nothing was done again.');
  if (sender.afterSend && !strings.url) {
    // A copy for the local Stripe stand-in (catch-up lists it there); not having one is no failure of the send.
    const note = await sender
      .afterSend(request, response.ok, strings)
      .catch((error: Error) => `(No copy for the local Stripe stand-in: ${error.message})`);
    if (note) console.log(note);
  }
  // Locally, a replayed answer is followed by the object's status now, not the stored one's.
  const currentStatus = replayed && !strings.url ? await sender.current?.(request) : undefined;
  if (currentStatus) console.log(`Now: ${currentStatus} (in the local ledger).`);
  const { ids, next } = sender.follow?.(request, { status: response.status, body, replayed, currentStatus }) ?? { next: [] };
  for (const [name, id] of Object.entries({ ...request.ids, ...ids })) console.log(`${name}: ${id}`);
  if (next.length) console.log(`Next:\n${next.map((line) => `  ${line}`).join('\n')}`);
}
