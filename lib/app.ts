import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseSmsCountries } from '../shared/sms/sms-countries.ts';
import { ALARM_DEFAULTS, type AlarmThresholds } from './observability.ts';
import { PhoneSecurityStack } from './phone-security-stack.ts';

/**
 * The CDK app as `cdk synth` and `cdk deploy` build it (bin/app.ts): one stack from context values, with cdk-nag's
 * AwsSolutions pack on every synth. Any finding not acknowledged next to its resource, error or warning, stops the
 * synth (cdk-nag 3 reports through CDK's policy validation). Context values (cdk.json or -c):
 *   sandbox=true       accept the sandbox number +15550101 / OTP 212212 (test stages only)
 *   smsSenderId=NAME   alphanumeric SMS sender id
 *   stackName=NAME     default PhoneSecurity; every name that must be unique per account and region derives from it
 *   authIssuer=URL     trust this token issuer instead of creating a Cognito user pool
 *   authAudiences=A,B  with authIssuer: the accepted audiences (aud, or client_id without aud)
 *   authDomainPrefix=P built-in pool: Cognito hosted-domain prefix (default <stack name in kebab case>-<account>)
 *   userAudiences=A,B  built-in pool: app client ids of end-user apps
 *   userIdClaim=NAME   claim of a user token holding the person id (default sub)
 *   resourceOwnerId=ID resourceOwner in the end-user API's details (default the person id)
 *   alarmEmail=ADDR    subscribe this address to the operator alarm topic
 *   smsCountries=DE,AT SMS destination countries, ISO 3166 alpha-2, or * for all (default DE,AT,FR,IT,ES)
 *   smsAccountSettings=false  leave the account's default protect configuration and SNS SMS attributes alone
 *                      (they are one per account and region: set them from one stage)
 *   smsFraudProtection=standard  the fraud guard's level: off, basic, standard, max (docs/fraud-guard.md)
 *   smsClientHourlyCap=N, smsClientDailyCap=N  code SMS per partner client per hour / UTC day (default 1000 / 10000)
 *   smsClientCaps=ID:H/D,...  per-client caps instead of those; smsGlobalHourlyCap=N  all clients per hour (5000)
 *   smsMonthlyBudgetUsd=N  the SMS spend alarm's budget (default 1, the account's default spend limit)
 *   retiredReceiptKeyArns=ARN,ARN  receipt keys the JWKS keeps publishing after a rotation (docs/operations.md)
 *   alarm.NAME=VALUE   an alarm threshold other than its default (lib/observability.ts ALARM_DEFAULTS)
 */
/** The fraud guard's context keys and the variables they set on the SMS-sending functions. */
const FRAUD_GUARD_CONTEXT: Record<string, string> = {
  smsFraudProtection: 'SMS_FRAUD_PROTECTION',
  smsClientHourlyCap: 'SMS_CLIENT_HOURLY_CAP',
  smsClientDailyCap: 'SMS_CLIENT_DAILY_CAP',
  smsClientCaps: 'SMS_CLIENT_CAPS',
  smsGlobalHourlyCap: 'SMS_GLOBAL_HOURLY_CAP',
};

export function createApp(props: AppProps = {}): { app: App; stack: PhoneSecurityStack } {
  const app = new App(props);
  const context = (key: string): string | undefined => app.node.tryGetContext(key);
  const list = (key: string) =>
    (context(key) ?? '')
      .split(',')
      .map((value) => value.trim())
      .filter(Boolean);
  const authIssuer = context('authIssuer');
  const number = (key: string): number | undefined => {
    const value = context(key);
    if (value === undefined) return undefined;
    if (!Number.isFinite(Number(value))) throw new Error(`context ${key} must be a number, got ${value}`);
    return Number(value);
  };
  const alarmThresholds: Partial<AlarmThresholds> = Object.fromEntries(
    Object.keys(ALARM_DEFAULTS).flatMap((name) => {
      const value = number(`alarm.${name}`);
      return value === undefined ? [] : [[name, value]];
    }),
  );
  const budget = number('smsMonthlyBudgetUsd');

  const stack = new PhoneSecurityStack(app, context('stackName') ?? 'PhoneSecurity', {
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
    ...(context('smsCountries') ? { smsCountries: parseSmsCountries(context('smsCountries')!) } : {}),
    fraudGuard: Object.fromEntries(
      Object.entries(FRAUD_GUARD_CONTEXT).flatMap(([key, variable]) =>
        context(key) ? [[variable, context(key)!]] : [],
      ),
    ),
    smsAccountSettings: context('smsAccountSettings') !== 'false',
    ...(budget !== undefined ? { smsMonthlyBudgetUsd: budget } : {}),
    alarmThresholds,
    retiredReceiptKeyArns: list('retiredReceiptKeyArns'),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
