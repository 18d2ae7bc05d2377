/**
 * The CDK app. Context values (cdk.json or -c):
 *   sandbox=true       accept the sandbox number +15550101 / OTP 212212 (test stages only)
 *   smsSenderId=NAME   alphanumeric SMS sender id
 *   stackName=NAME     default PhoneSecurity
 */
import { App } from 'aws-cdk-lib';
import { PhoneSecurityStack } from '../lib/phone-security-stack.ts';

const app = new App();
const context = (key: string): string | undefined => app.node.tryGetContext(key);

new PhoneSecurityStack(app, context('stackName') ?? 'PhoneSecurity', {
  sandbox: context('sandbox') === 'true',
  ...(context('smsSenderId') ? { smsSenderId: context('smsSenderId')! } : {}),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
