import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GatewayStack } from '../infra/gateway-stack.js';

const app = new App();
// The deploy settings (-c payoutMode=…, villageDeadlineMs=…, justWalletSignatureMode=…,
// reconcileRateMinutes=…, apiRateLimit=…, apiBurstLimit=…) are read and checked by the stack:
// a value the functions would refuse stops the synth, naming it.
new GatewayStack(app, 'PaymentsWebhookGateway', {
  description: 'Payments webhook gateway: Village cash-outs, Stripe events, Just Wallet events',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
// cdk-nag's AwsSolutions checks run on every synth and deploy: an unacknowledged finding stops
// synthesis. Accepted findings, each with its reason, are in infra/nag-suppressions.ts.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
// Reached only when the checks passed: a finding would have stopped the synthesis above.
console.error('cdk-nag: AwsSolutions checks ran over the whole stack and passed (accepted findings: infra/nag-suppressions.ts).');
