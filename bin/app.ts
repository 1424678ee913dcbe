import { App } from 'aws-cdk-lib';
import { GatewayStack } from '../lib/gateway-stack.js';

const app = new App();
const payoutMode = app.node.tryGetContext('payoutMode') as 'payout' | 'transfer' | undefined;
const deadline = app.node.tryGetContext('villageDeadlineMs') as string | undefined;
new GatewayStack(app, 'PaymentsWebhookGateway', {
  description: 'Payments webhook gateway: Village cash-outs, Stripe events, Just Wallet events',
  payoutMode,
  villageDeadlineMs: deadline ? Number(deadline) : undefined,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
