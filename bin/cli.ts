import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { failureMessage, UsageError } from '../dev/command-errors.js';

/**
 * What every command (`npm start`, `npm run send`, `recipients`, `payouts`, `reconcile`…)
 * shares: exit 2 with the usage on a mistake in how it was called, exit 1 with one line on a
 * failure, never a stack trace. A tool that moves money must refuse a mistyped option rather
 * than fall back to a default.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: true }>>;

/**
 * `parseArgs`, strict: an unknown option, an option without its value, or a value given to a
 * flag is a one-line UsageError (with a suggestion for a near miss); an empty value is refused too.
 */
export function parseCommandLine<T extends Options>(args: string[], options: T): Parsed<T> {
  let parsed: Parsed<T>;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw usageErrorFrom(error, Object.keys(options));
  }
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === '') throw new UsageError(`--${name} needs a value.`);
  }
  return parsed;
}

/** Options that take a value (`--table NAME`), by name, for commandLine. */
export function valueOptions<const N extends string>(...names: N[]): Record<N, { type: 'string' }> {
  return Object.fromEntries(names.map((name) => [name, { type: 'string' }])) as Record<N, { type: 'string' }>;
}

/** Options that take no value (`--json`), by name, for commandLine. */
export function flagOptions<const N extends string>(...names: N[]): Record<N, { type: 'boolean' }> {
  return Object.fromEntries(names.map((name) => [name, { type: 'boolean' }])) as Record<N, { type: 'boolean' }>;
}

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * A command's command line, strictly (`parseCommandLine`), with `--help`: a mistake prints the
 * usage and exits 2, never falling back to a default; `--help` prints the usage and exits 0.
 * Arguments other than options are refused unless the command takes them (`positionals`).
 */
export function commandLine<const T extends Options>(
  usage: string,
  options: T,
  settings: { positionals?: boolean; args?: string[] } = {},
): Parsed<T & typeof HELP> {
  guardCommand({ usage });
  let parsed: Parsed<T & typeof HELP>;
  try {
    if (!settings.args) refuseOptionsNpmKept(Object.keys(options));
    parsed = parseCommandLine(settings.args ?? process.argv.slice(2), { ...options, ...HELP });
    if (!settings.positionals && parsed.positionals.length > 0) throw new UsageError(`Unexpected argument ${parsed.positionals[0]}.`);
  } catch (error) {
    exitWith(error, { usage });
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(EXIT.ok);
  }
  return parsed;
}

/**
 * `npm run replay evt_1 --dry-run`, without `--`: npm keeps the options it knows (`--dry-run`,
 * `--json`…) for itself, as `npm_config_*` variables, and runs the command without them, so a
 * dry run would run for real. Run by npm as this very script, such a variable named like one of
 * the command's own options is refused.
 */
export function optionsNpmKept(
  optionNames: string[],
  env: NodeJS.ProcessEnv = process.env,
  script: string | undefined = process.argv[1],
): string[] {
  if (!script || !env.npm_lifecycle_event || !env.npm_lifecycle_script?.includes(path.basename(script))) return [];
  return optionNames.filter((name) => Boolean(env[`npm_config_${name.replaceAll('-', '_')}`]));
}

function refuseOptionsNpmKept(optionNames: string[]): void {
  const kept = optionsNpmKept(optionNames);
  if (kept.length === 0) return;
  const script = process.env.npm_lifecycle_event;
  throw new UsageError(
    `npm kept ${kept.map((name) => `--${name}`).join(', ')} for itself, so this command did not get it: write \`npm run ${script} -- <arguments and options>\` (nothing was done).`,
  );
}

/** Refuses what the operator typed: the reason, the usage, exit 2. */
export function refuse(usage: string, message: string): never {
  exitWith(new UsageError(message), { usage });
}

/** Node's parseArgs errors, shortened to one line that names the option. */
export function usageErrorFrom(error: unknown, known: string[] = []): UsageError {
  if (error instanceof UsageError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
    const near = nearest(option.replace(/^-+/, ''), known);
    return new UsageError(`Unknown option ${option}${near ? ` (did you mean --${near}?)` : ''}.`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    if (/does not take an argument/.test(message)) return new UsageError(`${option} takes no value.`);
    if (/ambiguous/.test(message))
      return new UsageError(`${option} needs a value (for a value starting with "-", write ${option}=<value>).`);
    return new UsageError(`${option} needs a value.`);
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return new UsageError(`Unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''}.`.replace(' .', '.'));
  }
  return new UsageError(message.split('\n')[0]!);
}

/** The known name closest to a mistyped one (edit distance ≤ 2, or the only one it begins), if any. */
export function nearest(typed: string, known: string[]): string | undefined {
  const begun = known.filter((name) => typed.length >= 3 && name.startsWith(typed));
  if (begun.length === 1) return begun[0];
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(typed, name);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Ends the command: a UsageError exits 2 with the usage, anything else exits 1 with one line. */
export function exitWith(error: unknown, { usage, dynamoEndpoint }: { usage?: string; dynamoEndpoint?: string } = {}): never {
  if (error instanceof UsageError) {
    console.error(usage ? `${error.message}\n${usage}` : error.message);
    process.exit(EXIT.usage);
  }
  console.error(failureMessage(error, { dynamoEndpoint }));
  process.exit(EXIT.failure);
}

/** The last resort: whatever escapes a command still ends it as `exitWith` says, without a stack trace. */
export function guardCommand(context: { usage?: string; dynamoEndpoint?: () => string | undefined } = {}): void {
  const end = (error: unknown) => exitWith(error, { usage: context.usage, dynamoEndpoint: context.dynamoEndpoint?.() });
  process.on('uncaughtException', end);
  process.on('unhandledRejection', end);
}

/** Runs a command's body: its resolved number is the exit code; a thrown error ends it as `exitWith` says. */
export async function runCommand(
  main: () => Promise<number | void>,
  context: { usage?: string; dynamoEndpoint?: () => string | undefined } = {},
): Promise<never> {
  guardCommand(context);
  try {
    process.exit((await main()) ?? EXIT.ok);
  } catch (error) {
    exitWith(error, { usage: context.usage, dynamoEndpoint: context.dynamoEndpoint?.() });
  }
}

/** Prints the one-line verdict of a list of checks (rehearsal, smoke) and gives the exit code: ok only when every check passed. */
export function checksSummary(checks: readonly { ok: boolean; name: string }[]): number {
  const failed = checks.filter((check) => !check.ok);
  if (failed.length === 0) {
    console.log(`All ${checks.length} checks passed.`);
    return EXIT.ok;
  }
  console.error(`${failed.length} of ${checks.length} checks failed: ${failed.map((check) => check.name).join('; ')}.`);
  return EXIT.failure;
}
