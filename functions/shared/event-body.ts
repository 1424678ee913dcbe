import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * A raw body as a record keeps it: DEFLATE (zlib's raw stream, no header), a DynamoDB binary
 * attribute. A Stripe event's 1.8–2.5 KB of pretty-printed JSON becomes 0.55–0.87 KB, a Just
 * Wallet event's 0.3 KB about 0.25 KB: a write costs one unit per KB of the item.
 */
export function packBody(raw: string): Uint8Array {
  return deflateRawSync(Buffer.from(raw, 'utf8'));
}

/** The body exactly as received (byte for byte, so the signature would still verify). */
export function unpackBody(packed: Uint8Array): string {
  return inflateRawSync(packed).toString('utf8');
}
