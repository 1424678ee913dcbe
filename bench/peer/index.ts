import { peerFromEnv } from './stripe-webhook.js';

/** The peer's Lambda entry (bundled for its cold start and bundle size, served by the bench's gateway). */
export const handler = peerFromEnv(process.env);
