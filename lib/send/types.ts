/** A provider's sample sender: builds a correctly signed request from a fixture. */
export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
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

export interface SampleSender {
  provider: string;
  /** The route path on the gateway. */
  path: string;
  /** The environment variable holding the secret locally. */
  secretEnv: string;
  usage: string;
  /** A secret the sender finds itself for these options (a merchant source's), before the environment's. */
  secretFor?(options: Record<string, string | undefined>): Promise<string | undefined>;
  build(options: SampleOptions): Promise<SignedRequest>;
  /** After posting (`delivered`: whether the gateway answered 2xx), or instead of it: returns a line to print. */
  afterSend?(request: SignedRequest, delivered: boolean, options: Record<string, string | undefined>): Promise<string | undefined>;
}
