import type { Construct } from 'constructs';
import type { Env } from '../functions/shared/config.js';
import { ConfigError } from '../functions/shared/errors.js';

/**
 * The deploy-time settings that reach the functions: `cdk deploy -c <name>=<value>` (or the
 * stack property of the same name) becomes the environment variable `env`.
 */
export const FUNCTION_SETTINGS = {
  payoutMode: { env: 'STRIPE_PAYOUT_MODE', default: 'payout' },
  villageDeadlineMs: { env: 'VILLAGE_DEADLINE_MS', default: '8000' },
  justWalletSignatureMode: { env: 'JUST_WALLET_SIGNATURE_MODE', default: 'auto' },
  /** The mode of the platform's Stripe key: only Stripe events of this mode are applied, and a key of the other mode is refused. */
  stripeMode: { env: 'STRIPE_MODE', default: 'live' },
} as const;

/** The stack output that states the gateway's Stripe mode, for the console and the operator commands (operator/target.ts). */
export const STRIPE_MODE_OUTPUT = 'StripeMode';

export type FunctionSettingName = keyof typeof FUNCTION_SETTINGS;

/**
 * The settings as the functions' environment holds them: the stack property, else the context
 * value (a string from the command line, or any JSON value from cdk.json), else the default.
 * Nothing is checked here: checkFunctionConfig does, with each function's own rules.
 */
export function functionSettings(scope: Construct, props: Partial<Record<FunctionSettingName, string | number>>): Record<string, string> {
  return Object.fromEntries(
    (Object.entries(FUNCTION_SETTINGS) as [FunctionSettingName, (typeof FUNCTION_SETTINGS)[FunctionSettingName]][]).map(
      ([name, setting]) => {
        const value: unknown = props[name] ?? scope.node.tryGetContext(name) ?? setting.default;
        return [setting.env, typeof value === 'object' ? JSON.stringify(value) : String(value)];
      },
    ),
  );
}

/**
 * Reads the environment the stack gives a function with that function's own configuration
 * reader, as its cold start will: configuration it would refuse stops the synth instead of
 * deploying a function that can never start. The error names the deploy setting at fault.
 */
export function checkFunctionConfig<T>(functionName: string, environment: Env, readConfig: (env: Env) => T): T {
  try {
    return readConfig(environment);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const named = Object.entries(FUNCTION_SETTINGS)
      .filter(([, setting]) => error.settings.includes(setting.env))
      .map(([name, setting]) => `${name}=${JSON.stringify(environment[setting.env])}`);
    const subject = named.length > 0 ? `Deploy setting ${named.join(', ')}` : 'The stack configuration';
    throw new Error(`${subject} would stop the ${functionName} function at every cold start. ${error.message}`, { cause: error });
  }
}
