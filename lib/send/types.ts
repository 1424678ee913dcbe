/** A provider's sample sender: builds a correctly signed request from a fixture. */
export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
  /** The ids a person needs for the next step (printed by `npm run send`), e.g. the Just Wallet payout id. */
  ids?: Record<string, string>;
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
  build(options: SampleOptions): Promise<SignedRequest>;
  /** What the answer tells the next step: ids it holds, and commands that follow the same object. */
  follow?(request: SignedRequest, answer: SampleAnswer): { ids?: Record<string, string>; next: string[] };
}
