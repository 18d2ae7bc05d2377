import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseSmsCountries } from '../shared/sms/sms-countries.ts';
import { ALARM_DEFAULTS, type AlarmThresholds } from './observability.ts';
import { PhoneSecurityStack } from './phone-security-stack.ts';
import { checkContextKeys, FRAUD_GUARD_CONTEXT, readContext } from './settings.ts';

/**
 * The CDK app as `cdk synth` and `cdk deploy` build it (bin/app.ts): one stage from context values (declared with
 * their types, defaults and descriptions in lib/settings.ts, listed in docs/configuration.md), with cdk-nag's
 * AwsSolutions pack on every synth. An unknown context key stops the synth before anything is built, and so does any
 * cdk-nag finding not acknowledged next to its resource, error or warning (cdk-nag 3 reports through CDK's policy
 * validation).
 */
export function createApp(props: AppProps = {}): { app: App; stack: PhoneSecurityStack } {
  const app = new App(props);
  const context = app.node.getAllContext();
  checkContextKeys(context);
  const read = readContext(context);

  const authIssuer = read.url('authIssuer');
  const passkeyRpId = read.string('passkeyRpId');
  const alarmThresholds: Partial<AlarmThresholds> = Object.fromEntries(
    Object.keys(ALARM_DEFAULTS).flatMap((name) => {
      const key = `alarm.${name as keyof AlarmThresholds}` as const;
      const value = context[key] === undefined ? undefined : read.number(key);
      return value === undefined ? [] : [[name, value]];
    }),
  );
  const optional = <K extends string, V>(key: K, value: V | undefined) =>
    (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;
  const smsCountries = read.string('smsCountries');
  const budget = context.smsMonthlyBudgetUsd === undefined ? undefined : read.number('smsMonthlyBudgetUsd');

  const stack = new PhoneSecurityStack(app, read.string('stackName')!, {
    sandbox: read.boolean('sandbox'),
    ...optional('smsSenderId', read.string('smsSenderId')),
    auth: {
      ...(authIssuer ? { external: { issuer: authIssuer, audiences: read.list('authAudiences') } } : {}),
      ...optional('domainPrefix', read.string('authDomainPrefix')),
      userAudiences: read.list('userAudiences'),
      ...optional('userIdClaim', read.string('userIdClaim')),
    },
    ...optional('resourceOwnerId', read.string('resourceOwnerId')),
    ...optional('alarmEmail', read.email('alarmEmail')),
    ...(smsCountries ? { smsCountries: parseSmsCountries(smsCountries) } : {}),
    smsAccountSettings: read.boolean('smsAccountSettings'),
    fraudGuard: Object.fromEntries(
      (Object.entries(FRAUD_GUARD_CONTEXT) as [keyof typeof FRAUD_GUARD_CONTEXT, string][]).flatMap(
        ([key, variable]) => {
          if (context[key] === undefined) return [];
          const value =
            key === 'smsFraudProtection' || key === 'smsClientCaps' ? read.string(key) : read.number(key);
          return value === undefined ? [] : [[variable, String(value)]];
        },
      ),
    ),
    ...optional('smsMonthlyBudgetUsd', budget),
    alarmThresholds,
    retiredReceiptKeyArns: read.list('retiredReceiptKeyArns'),
    ...(passkeyRpId
      ? {
          passkeys: {
            rpId: passkeyRpId,
            rpName: read.string('passkeyRpName') ?? passkeyRpId,
            origins: read.list('passkeyOrigins'),
          },
        }
      : {}),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
