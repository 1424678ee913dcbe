import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * A command's options, strictly: a mistyped or unknown option prints the usage and exits 2
 * (it never falls back to a default); `--help` prints the usage and exits 0.
 */
export function commandLine<const O extends Options>(usage: string, options: O, settings: { positionals?: boolean } = {}) {
  const config = { options: { ...options, ...HELP }, strict: true, allowPositionals: settings.positionals ?? false } as const;
  let parsed: ReturnType<typeof parseArgs<{ options: O & typeof HELP; strict: true; allowPositionals: boolean }>>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    return refuse(usage, (error as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  return parsed;
}

/** Refuses what the operator typed: the reason, the usage, exit 2. */
export function refuse(usage: string, message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}
