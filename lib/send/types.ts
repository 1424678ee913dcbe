/** A provider's sample sender: builds a correctly signed request from a fixture. */
export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
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
  build(options: SampleOptions): Promise<SignedRequest>;
}
