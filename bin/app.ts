/**
 * The CDK app. Context values (cdk.json or -c):
 *   sandbox=true       accept the sandbox number +15550101 / OTP 212212 (test stages only)
 *   smsSenderId=NAME   alphanumeric SMS sender id
 *   stackName=NAME     default PhoneSecurity
 *   authIssuer=URL     trust this token issuer instead of creating a Cognito user pool
 *   authAudiences=A,B  with authIssuer: the accepted audiences (aud, or client_id without aud)
 *   authDomainPrefix=P built-in pool: Cognito hosted-domain prefix (default phone-security-<account>)
 *   userAudiences=A,B  built-in pool: app client ids of end-user apps
 *   userIdClaim=NAME   claim of a user token holding the person id (default sub)
 *   resourceOwnerId=ID resourceOwner in the end-user API's details (default the person id)
 */
import { App } from 'aws-cdk-lib';
import { PhoneSecurityStack } from '../lib/phone-security-stack.ts';

const app = new App();
const context = (key: string): string | undefined => app.node.tryGetContext(key);

const list = (key: string) =>
  (context(key) ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean);
const authIssuer = context('authIssuer');

new PhoneSecurityStack(app, context('stackName') ?? 'PhoneSecurity', {
  sandbox: context('sandbox') === 'true',
  ...(context('smsSenderId') ? { smsSenderId: context('smsSenderId')! } : {}),
  auth: {
    ...(authIssuer ? { external: { issuer: authIssuer, audiences: list('authAudiences') } } : {}),
    ...(context('authDomainPrefix') ? { domainPrefix: context('authDomainPrefix')! } : {}),
    userAudiences: list('userAudiences'),
    ...(context('userIdClaim') ? { userIdClaim: context('userIdClaim')! } : {}),
  },
  ...(context('resourceOwnerId') ? { resourceOwnerId: context('resourceOwnerId')! } : {}),
  ...(context('alarmEmail') ? { alarmEmail: context('alarmEmail')! } : {}),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
