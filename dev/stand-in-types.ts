/** The shapes the Stripe stand-in and its parts (lists, reports) share. */

/** A form-encoded request's parameters, nested as Stripe's API nests them (`metadata[key]`). */
export type Params = { [key: string]: string | Params };

/** A Stripe object as the stand-in keeps it. */
export type StripeObject = Record<string, unknown> & { id: string; created: number };

/** An event Stripe holds: whose it is (the API key that may list it) and whether it reached the webhook. */
export interface HeldEvent {
  event: StripeObject & { type: string; account?: string };
  /** Listed only with this key (an `unlisted:…` value: with none); without one, with any `sk_` key (the platform's). */
  apiKey?: string;
  delivered: boolean;
}
