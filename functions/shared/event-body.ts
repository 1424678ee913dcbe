import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { STRIPE_BODY_DICTIONARY_V1 } from './stripe-body-dictionary-v1.js';

/**
 * A raw body as a record keeps it: DEFLATE (zlib's raw stream, no header), a DynamoDB binary
 * attribute; a write costs one unit per KB of the item.
 *
 * Stripe bodies are packed with a preset dictionary (the shapes of Stripe's objects: keys and
 * enum values, no ids, amounts or names; bin/stripe-body-dictionary.ts), and marked by a first
 * byte naming it: a payment event's 1.8–2.5 KB of pretty-printed JSON becomes 0.2–0.35 KB
 * (0.6–0.85 KB without it). A raw DEFLATE stream never starts with a byte whose bits 1–2 are
 * both set (block type 3 is reserved), so a marked body is never read as a plain one (a Just
 * Wallet body, packed without a dictionary). A dictionary, once used, is
 * kept forever; a better one would be a new marker beside it.
 */
export type BodyDictionary = 'stripe-v1';

const DICTIONARIES: Record<BodyDictionary, { marker: number; bytes: Buffer }> = {
  'stripe-v1': { marker: 0xd7, bytes: Buffer.from(STRIPE_BODY_DICTIONARY_V1, 'utf8') },
};

const BY_MARKER = new Map(Object.values(DICTIONARIES).map((entry) => [entry.marker, entry.bytes]));

/**
 * The compressor's memory, sized to what it packs: every call allocates it afresh (Node's sync
 * API), and zlib's default (a 32 KB window, a 128 KB hash: about 256 KB) is garbage after each
 * event. A 16 KB window holds the 15 KB dictionary; a body of a few KB needs no more. The packed
 * bytes are the same size here and unpack with any window (inflate's default is the largest).
 */
const PLAIN = { windowBits: 12, memLevel: 4 } as const;
const WITH_DICTIONARY = { windowBits: 14, memLevel: 5 } as const;

/** A raw body packed: against the whole dictionary when one is named, plain otherwise (a Just Wallet body). */
export function packBody(raw: string, dictionary?: BodyDictionary): Uint8Array {
  const body = Buffer.from(raw, 'utf8');
  if (!dictionary) return deflateRawSync(body, PLAIN);
  const { marker, bytes } = DICTIONARIES[dictionary];
  const packed = deflateRawSync(body, { ...WITH_DICTIONARY, dictionary: bytes });
  const marked = new Uint8Array(packed.length + 1);
  marked[0] = marker;
  marked.set(packed, 1);
  return marked;
}

/** The body exactly as received (byte for byte, so the signature would still verify). */
export function unpackBody(packed: Uint8Array): string {
  const dictionary = packed.length > 0 ? BY_MARKER.get(packed[0]!) : undefined;
  if (dictionary) return inflateRawSync(packed.subarray(1), { dictionary }).toString('utf8');
  return inflateRawSync(packed).toString('utf8');
}
