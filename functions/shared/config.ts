import { z } from 'zod';
import { ConfigError } from './errors.js';

export type Env = Record<string, string | undefined>;

/**
 * Reads and validates settings once, at cold start. A missing or wrong setting is a
 * ConfigError that names it.
 */
export function readConfig<T extends z.ZodRawShape>(env: Env, shape: T): z.infer<z.ZodObject<T>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`, result.error.issues.map((issue) => String(issue.path[0])));
}

/** A comma-separated list setting. */
export const list = (defaults: string[]) =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? defaults : value.split(',').map((item) => item.trim()).filter(Boolean)));

/** A whole-number setting with a default. */
export const int = (defaultValue: number) => z.coerce.number().int().positive().default(defaultValue);
