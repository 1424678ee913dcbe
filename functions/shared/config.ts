// zod/mini, imported by name so the bundle keeps only what is used: the Village function,
// whose schemas are all zod/mini, then carries about 30 KB of zod instead of 440 KB
// (npm run bench, cold start). Classic zod schemas (the other routes) fit these shapes too.
import {
  _default,
  coerce,
  config,
  int as integer,
  object,
  optional,
  pipe,
  positive,
  string,
  transform,
  type core,
  type output,
  type ZodMiniObject,
} from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { ConfigError } from './errors.js';

// zod/mini leaves messages in English to the caller: "Invalid input" otherwise.
config(en());

export type Env = Record<string, string | undefined>;

/**
 * Reads and validates settings once, at cold start. A missing or wrong setting is a
 * ConfigError that names it.
 */
export function readConfig<T extends core.$ZodLooseShape>(env: Env, shape: T): output<ZodMiniObject<T>> {
  const result = object(shape).safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(
    `Invalid configuration: ${problems.join('; ')}`,
    result.error.issues.map((issue) => String(issue.path[0])),
  );
}

/** A comma-separated list setting. */
export const list = (defaults: string[]) =>
  pipe(
    optional(string()),
    transform((value: string | undefined) =>
      value === undefined || value.trim() === ''
        ? defaults
        : value
            .split(',')
            .map((item) => item.trim())
            .filter(Boolean),
    ),
  );

/** A whole-number setting with a default. */
export const int = (defaultValue: number) => _default(coerce.number().check(integer(), positive()), defaultValue);
