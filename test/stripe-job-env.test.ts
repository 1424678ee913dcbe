import { describe, expect, test } from '@jest/globals';
import { LOCAL_SOURCE_SECRETS_DIR } from '../dev/environment.js';
import { stripeJobEnv } from '../operator/target.js';

/** The environment `npm run catch-up` and `npm run import` run the job's code with. */
describe('the environment of a catch-up or an import run by hand', () => {
  test("locally, what is unset is npm start's: its tables, its sources' secrets, its DynamoDB Local and its Stripe stand-in, in test mode", () => {
    const env = stripeJobEnv({ DYNAMODB_PORT: '18123', STRIPE_STAND_IN_PORT: '18124' });
    expect(env).toMatchObject({
      LEDGER_TABLE: 'local-ledger',
      EVENTS_TABLE: 'local-events',
      STRIPE_SOURCE_SECRETS_DIR: LOCAL_SOURCE_SECRETS_DIR,
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:18123',
      STRIPE_API_BASE: 'http://127.0.0.1:18124',
      STRIPE_SECRET_KEY: 'sk_test_local_stand_in',
      STRIPE_MODE: 'test',
    });
  });

  test("a key given locally is Stripe's own: no stand-in, and the mode is the key's", () => {
    const env = stripeJobEnv({ STRIPE_SECRET_KEY: 'sk_live_given', LEDGER_TABLE: 'my-ledger' });
    expect(env.STRIPE_API_BASE).toBeUndefined();
    expect(env).toMatchObject({ STRIPE_SECRET_KEY: 'sk_live_given', STRIPE_MODE: 'live', LEDGER_TABLE: 'my-ledger' });
  });

  test('against a deployed stack (STRIPE_SOURCE_SECRET_PREFIX) nothing local is assumed', () => {
    const given = { STRIPE_SOURCE_SECRET_PREFIX: 'gateway/sources/', STRIPE_SECRET_KEY_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:k' };
    const env = stripeJobEnv(given);
    expect(env).toEqual(given);
  });

  test('the environment it was given is left as it was', () => {
    const given = { DYNAMODB_PORT: '18123' };
    stripeJobEnv(given);
    expect(given).toEqual({ DYNAMODB_PORT: '18123' });
  });
});
