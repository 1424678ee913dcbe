import { parse } from 'lossless-json';
import { ValidationError } from './errors.js';

export type JsonValue = string | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * JSON.parse without the float: every number is kept as the exact text it was sent as
 * (`20.15` stays "20.15", never 20.149999…). A key given twice is refused, so no two
 * readers of the same body can disagree about it.
 */
export function parseJsonExact(text: string): JsonValue {
  try {
    return parse(text, null, {
      parseNumber: (literal: string) => literal,
      onDuplicateKey: ({ key }) => {
        throw new SyntaxError(`duplicate key "${key}"`);
      },
    }) as JsonValue;
  } catch (error) {
    const detail = error instanceof Error ? error.message : 'unparseable';
    throw new ValidationError('malformed_json', `The body is not valid JSON (${detail}).`);
  }
}
