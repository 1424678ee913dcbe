import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GatewayStack } from '../lib/gateway-stack.js';

const app = new App();
const payoutMode = app.node.tryGetContext('payoutMode') as 'payout' | 'transfer' | undefined;
const deadline = app.node.tryGetContext('villageDeadlineMs') as string | undefined;
const justWalletSignatureMode = app.node.tryGetContext('justWalletSignatureMode') as 'secret' | 'hmac' | 'auto' | undefined;
const stripeMode = app.node.tryGetContext('stripeMode') as 'live' | 'test' | undefined;
if (stripeMode !== undefined && !['live', 'test'].includes(stripeMode)) {
  throw new Error(`stripeMode must be live or test; got ${String(stripeMode)}.`);
}
if (justWalletSignatureMode !== undefined && !['secret', 'hmac', 'auto'].includes(justWalletSignatureMode)) {
  throw new Error(`justWalletSignatureMode must be secret, hmac or auto; got ${String(justWalletSignatureMode)}.`);
}
new GatewayStack(app, 'PaymentsWebhookGateway', {
  description: 'Payments webhook gateway: Village cash-outs, Stripe events, Just Wallet events',
  payoutMode,
  villageDeadlineMs: deadline ? Number(deadline) : undefined,
  justWalletSignatureMode,
  stripeMode,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
// cdk-nag's AwsSolutions checks run on every synth and deploy: an unacknowledged finding stops
// synthesis. Accepted findings, each with its reason, are in lib/nag-suppressions.ts.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
