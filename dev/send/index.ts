import type { SampleSender } from './types.js';
import { villageSender } from './village.js';
import { justWalletSender } from './just-wallet.js';
import { stripeSender } from './stripe.js';

/** Every provider `npm run send` knows. */
export const SENDERS: SampleSender[] = [villageSender, justWalletSender, stripeSender];

/** Options every provider takes. */
export const COMMON_OPTIONS = { url: 'URL', secret: 'SECRET' } as const;

/**
 * `npm run send`'s usage, built from each sender's types and options so it cannot drift from
 * them; the short form (after a refusal) leaves out the list of types.
 */
export function sendUsage({ types = false } = {}): string {
  const lines = ['Usage: npm run send -- <provider> [type] [options]'];
  for (const sender of SENDERS) {
    const options = Object.entries({ ...sender.options, ...COMMON_OPTIONS }).map(([name, value]) => `[--${name} ${value}]`);
    lines.push(`  npm run send -- ${sender.provider}${sender.types ? ` [type, default ${sender.types[0]}]` : ''} ${options.join(' ')}`);
    if (sender.types && types) lines.push(`      types with a sample: ${[...sender.types].sort().join(', ')}`);
  }
  lines.push(
    `Types: ${types ? 'as listed' : 'npm run send -- --help lists them'}; --unknown-type sends a type without a sample, as one the gateway does not know.`,
    '--url defaults to the local gateway (http://127.0.0.1:$PORT, PORT as for npm start); --secret to the local value of the secret.',
  );
  return lines.join('\n');
}
