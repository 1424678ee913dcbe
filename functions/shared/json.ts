import { parse, stringify } from 'lossless-json';
import { ValidationError } from './errors.js';

export type JsonValue = string | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A key given twice is refused, so no two readers of the same body can disagree about it. */
const refuseDuplicateKey = ({ key }: { key: string }): never => {
  throw new SyntaxError(`duplicate key "${key}"`);
};

/**
 * JSON.parse without the float: every number is kept as the exact text it was sent as
 * (`20.15` stays "20.15", never 20.149999…). A key given twice is refused.
 */
export function parseJsonExact(text: string): JsonValue {
  try {
    return parse(text, null, { parseNumber: (literal: string) => literal, onDuplicateKey: refuseDuplicateKey }) as JsonValue;
  } catch (error) {
    const detail = error instanceof Error ? error.message : 'unparseable';
    throw new ValidationError('malformed_json', `The body is not valid JSON (${detail}).`);
  }
}

/**
 * The body without its whitespace, from the same exact parse as parseJsonExact: each number is
 * written as the text it was sent as, where JSON.stringify(JSON.parse()) would write the
 * nearest double (`100.5000000000000001` → `100.5`). A signature over this form therefore
 * signs the values the gateway keeps. Throws on a body that is not JSON.
 */
export function compactJsonExact(text: string): string {
  const compact = stringify(parse(text, null, { onDuplicateKey: refuseDuplicateKey }));
  if (compact === undefined) throw new SyntaxError('no JSON value');
  return compact;
}
