import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpError } from './errors.js';

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

export interface RawBody {
  /** The exact bytes the provider signed. */
  bytes: Buffer;
  /** The same bytes decoded as UTF-8. */
  text: string;
}

/**
 * The body exactly as sent: API Gateway base64-encodes some bodies, and every provider signs
 * the original bytes, so signatures are checked against these, never a re-serialisation.
 * Bodies over the limit are refused before any other work.
 */
export function readRawBody(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>, maxBytes = DEFAULT_MAX_BODY_BYTES): RawBody {
  const body = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (bytes.length > maxBytes) {
    throw new HttpError(413, 'body_too_large', `The request body is ${bytes.length} bytes; the limit is ${maxBytes}.`);
  }
  return { bytes, text: bytes.toString('utf8') };
}

/** Header lookup by any case (API Gateway lowercases names; other callers may not). */
export function header(headers: Record<string, string | undefined> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}
