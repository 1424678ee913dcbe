/** A provider's sample sender: builds a correctly signed request from a fixture. */
export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
  /** The ids a person needs for the next step (printed by `npm run send`), e.g. the Just Wallet payout id. */
  ids?: Record<string, string>;
  /** Where to post it, when not the sender's own path (a Stripe merchant source's endpoint). */
  path?: string;
  /** Not posted at all: an event Stripe made but never delivered (only `afterSend` learns of it). */
  undelivered?: boolean;
}

export interface SampleOptions {
  /** The event type, where the provider has several. */
  type?: string;
  secret: string;
  /** Extra `--key value` options given on the command line. */
  options: Record<string, string | undefined>;
}

/** The route's answer, as `npm run send` received it. */
export interface SampleAnswer {
  status: number;
  body: unknown;
  /** The gateway gave the stored answer of an earlier request with the same id (`x-idempotent-replayed`). */
  replayed?: boolean;
  /** The object's status now, where the sender could read it (`current`): a replayed answer shows the status it had then. */
  currentStatus?: string;
}

export interface SampleSender {
  provider: string;
  /** The route path on the gateway. */
  path: string;
  /** The environment variable holding the secret locally. */
  secretEnv: string;
  /** The event types it has a sample for, the default first; absent when the provider has one kind of request. */
  types?: string[];
  /** Its own options: name → the value's placeholder in the usage (every one takes a value). */
  options: Record<string, string>;
  /** Its own options that take no value: name → what they do. */
  flags?: Record<string, string>;
  /** A secret the sender finds itself for these options (a merchant source's), before the environment's. */
  secretFor?(options: Record<string, string | undefined>): Promise<string | undefined>;
  build(options: SampleOptions): Promise<SignedRequest>;
  /** The status now of what a replayed answer is about (e.g. the cash-out in the local ledger), if it can be read. */
  current?(request: SignedRequest): Promise<string | undefined>;
  /** What the answer tells the next step: ids it holds, and commands that follow the same object. */
  follow?(request: SignedRequest, answer: SampleAnswer): { ids?: Record<string, string>; next: string[] };
  /** After posting (`delivered`: whether the gateway answered 2xx), or instead of it: returns a line to print. */
  afterSend?(request: SignedRequest, delivered: boolean, options: Record<string, string | undefined>): Promise<string | undefined>;
}
