import { beforeAll, describe, expect, test } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GatewayStack } from '../infra/gateway-stack.js';

type Resource = { Type: string; Properties: Record<string, unknown> };

let template: Template;
let resources: Record<string, Resource>;
beforeAll(() => {
  // Bundling is skipped here, as in stack.test.ts; `cdk synth` bundles.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(new GatewayStack(app, 'StripeRouteTest'));
  resources = template.toJSON().Resources as Record<string, Resource>;
});

const ids = (type: string, predicate: (resource: Resource) => boolean = () => true) =>
  Object.entries(resources)
    .filter(([, resource]) => resource.Type === type && predicate(resource))
    .map(([id]) => id);

describe('the Stripe events route in the stack', () => {
  test('POST /webhooks/stripe is served by its own Lambda, short timeout, with the URL in the outputs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/stripe' });
    const [fnId] = ids('AWS::Lambda::Function', (r) =>
      JSON.stringify(r.Properties.Environment ?? {}).includes('"POWERTOOLS_SERVICE_NAME":"stripe-events"'),
    );
    expect(fnId).toBeDefined();
    expect(resources[fnId!]!.Properties).toMatchObject({ Timeout: 10, MemorySize: 512, Runtime: 'nodejs24.x' });
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.stringify(outputs.StripeEventsUrl?.Value)).toContain('/webhooks/stripe');
    expect(outputs.StripeWebhookSecretName).toBeDefined();
    expect(outputs.StripeConnectWebhookSecretName).toBeDefined();
  });

  test('reads the platform and Connect webhook secrets, never the Stripe API key, and reaches the four tables', () => {
    const [fnId] = ids('AWS::Lambda::Function', (r) =>
      JSON.stringify(r.Properties.Environment ?? {}).includes('"POWERTOOLS_SERVICE_NAME":"stripe-events"'),
    );
    const env = JSON.stringify(resources[fnId!]!.Properties.Environment);
    for (const name of [
      'STRIPE_WEBHOOK_SECRET_ARN',
      'STRIPE_CONNECT_WEBHOOK_SECRET_ARN',
      'LEDGER_TABLE',
      'RECIPIENTS_TABLE',
      'EVENTS_TABLE',
      'RECORDS_TABLE',
    ]) {
      expect(env).toContain(`"${name}"`);
    }
    expect(env).not.toContain('STRIPE_SECRET_KEY');
  });
});
