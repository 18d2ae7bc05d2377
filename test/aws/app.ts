/**
 * The real-account test's CDK app (`npm run test:aws` deploys it): a sandbox stage of the service, named
 * `PhoneSecurityInteg` unless `-c stackName=...`, and the webhook receiver stack beside it. cdk-nag's AwsSolutions
 * pack runs on it as on the product's app. It leaves the account-wide SMS settings to the account's main stage. test/cdk/integ-app.test.ts synthesizes it on every `npm test`.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createApp } from '../../lib/app.ts';
import { WebhookReceiverStack } from './receiver-stack.ts';

export const INTEG_STACK = 'PhoneSecurityInteg';

export function createIntegApp(context: Record<string, unknown> = {}) {
  const { app, stack } = createApp({
    context: { stackName: INTEG_STACK, smsAccountSettings: 'false', ...context, sandbox: 'true' },
  });
  const receiver = new WebhookReceiverStack(app, `${stack.stackName}Receiver`, {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  return { app, stack, receiver };
}

// Run as the CDK app (`cdk --app "npx tsx test/aws/app.ts"`); imported by the tests, it builds nothing by itself.
if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) createIntegApp();
