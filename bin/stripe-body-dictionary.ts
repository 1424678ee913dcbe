import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fixture, fixtureNames } from '../dev/send/fixtures.js';
import { PROJECT_ROOT } from '../infra/project-root.js';

/**
 * `npx tsx bin/stripe-body-dictionary.ts <version>`: writes the preset DEFLATE dictionary that
 * packs Stripe event bodies (functions/shared/stripe-body-dictionary-v<version>.ts), from the
 * shapes of the Stripe events in test/events/stripe: their keys and Stripe's vocabulary
 * (object names, event types, enum values such as `succeeded` or `card`), every other value
 * replaced by its type's empty value ("", 0, false, null), one skeleton per object type, the keys in the order Stripe
 * writes them (`id`, `object`, then alphabetical), pretty-printed as Stripe sends events. The
 * most frequent types (payments) last: DEFLATE codes nearer matches in fewer bits.
 *
 * A dictionary, once used, is kept forever: bodies packed with it need it to unpack. A new one
 * is a new version beside the old (packBody in functions/shared/record-model.ts), never an edit.
 */
/** An enum value, an object name or an event type: lower case, no digits. */
const VOCABULARY = /^[a-z][a-z_.]*$/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function skeleton(value: Json): Json {
  if (Array.isArray(value)) return value.length ? [skeleton(value[0]!)] : [];
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, skeleton(inner)]));
  // Stripe's own vocabulary (object names, event types, enum values) stays; anything else — an
  // id, an amount, a name, a URL, a time — is no part of a shape.
  if (typeof value === 'string') return VOCABULARY.test(value) ? value : '';
  if (typeof value === 'number') return 0;
  if (typeof value === 'boolean') return false;
  return null;
}

/** Both shapes' keys; where both have one, the first's value merged with the second's. */
function merge(a: Json, b: Json): Json {
  if (Array.isArray(a) && Array.isArray(b)) return a.length && b.length ? [merge(a[0]!, b[0]!)] : a.length ? a : b;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return Object.fromEntries(keys.map((key) => [key, key in a && key in b ? merge(a[key]!, b[key]!) : (a[key] ?? b[key])!]));
  }
  return a === null ? b : a;
}

/** Stripe's order: `id` and `object` first, then the rest alphabetically, at every level. */
function stripeOrder(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripeOrder);
  if (!value || typeof value !== 'object') return value;
  const rank = (key: string) => (key === 'id' ? 0 : key === 'object' ? 1 : 2);
  return Object.fromEntries(
    Object.keys(value)
      .sort((x, y) => rank(x) - rank(y) || (x < y ? -1 : x > y ? 1 : 0))
      .map((key) => [key, stripeOrder(value[key]!)]),
  );
}

const version = process.argv[2];
if (!version || !/^\d+$/.test(version)) {
  console.error('Usage: npx tsx bin/stripe-body-dictionary.ts <version number>');
  process.exit(2);
}
const file = path.join(PROJECT_ROOT, 'functions', 'shared', `stripe-body-dictionary-v${version}.ts`);
if (existsSync(file)) {
  // Bodies packed with it need exactly its bytes: regenerated from fixtures added since, it would differ.
  console.error(`${path.relative(PROJECT_ROOT, file)} exists: a dictionary in use is never rewritten; write the next version.`);
  process.exit(2);
}
const byType = new Map<string, { shape: Json; count: number }>();
for (const name of fixtureNames('stripe')) {
  const event = JSON.parse(fixture('stripe', name)) as { data: { object: { object: string } } } & Json;
  const type = event.data.object.object;
  const seen = byType.get(type);
  byType.set(type, { shape: seen ? merge(seen.shape, skeleton(event)) : skeleton(event), count: (seen?.count ?? 0) + 1 });
}
const text = [...byType.values()]
  .sort((a, b) => a.count - b.count)
  .map(({ shape }) => JSON.stringify(stripeOrder(shape), null, 2))
  .join('\n');
// DEFLATE looks back at most 32 KB: the end of the dictionary is what counts.
const dictionary = text.slice(-32 * 1024);
writeFileSync(
  file,
  `/**\n * Preset DEFLATE dictionary v${version} for Stripe event bodies, written by bin/stripe-body-dictionary.ts from\n * the shapes (keys only, no values) of the events in test/events/stripe. Never edit: bodies\n * packed with it need exactly these bytes to unpack (test/event-body.test.ts checks its hash).\n */\nexport const STRIPE_BODY_DICTIONARY_V${version} = ${JSON.stringify(dictionary)};\n`,
);
console.log(`${path.relative(PROJECT_ROOT, file)}: ${dictionary.length} characters from ${byType.size} object types`);
