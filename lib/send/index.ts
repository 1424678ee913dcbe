import type { SampleSender } from './types.js';
import { villageSender } from './village.js';
import { justWalletSender } from './just-wallet.js';

/** Every provider `npm run send` knows. */
export const SENDERS: SampleSender[] = [villageSender, justWalletSender];
