import type { SampleSender } from './types.js';
import { villageSender } from './village.js';
import { justWalletSender } from './just-wallet.js';
import { stripeSender } from './stripe.js';

/** Every provider `npm run send` knows. */
export const SENDERS: SampleSender[] = [villageSender, justWalletSender, stripeSender];
