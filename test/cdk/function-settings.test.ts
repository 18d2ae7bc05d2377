import { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PhoneSecurityStack } from '../../lib/phone-security-stack.ts';
import type { ServiceFunction } from '../../lib/service-function.ts';
import { kmsReceiptSigner } from '../../shared/aws/kms.ts';
import type { Adapters } from '../../shared/compose.ts';
import { type AwsAdapters, hasTable, lambdaAdapters } from '../../shared/lambda-entry.ts';
import { HANDLER_GRANTS, handlerEntry, ROUTES } from '../../shared/routes.ts';
import { recording } from '../support/recording-env.ts';
import { stageTemplate } from './stage-template.ts';

/**
 * Each function's environment against what its composition reads. The stack is synthesized (without bundling) with
 * every optional setting on; each handler's `build` is then composed, as on Lambda, with exactly the variables the
 * template gives its function, through an environment that records every variable read. A variable the function
 * is given but never reads fails the test, and so does a required one it is not given (its build throws).
 */

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
type Json = any;

/**
 * Read outside the configuration sections: METRICS_SERVICE by shared/metrics.ts (from
 * process.env, on each metric line). Observability gives METRICS_SERVICE to every function it watches.
 */
const OUTSIDE_SECTIONS = new Set(['METRICS_SERVICE']);
/** Set by the Lambda runtime in every function, never by the stack. */
const RUNTIME = { AWS_REGION: 'eu-central-1' };

let template: Template;
let stack: PhoneSecurityStack;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  stack = new PhoneSecurityStack(app, 'SettingsStack', {
    env: { account: '111111111111', region: 'eu-central-1' },
    sandbox: true,
    smsSenderId: 'Bank',
    resourceOwnerId: 'org-1',
    passkeys: { rpId: 'bank.example', rpName: 'Bank', origins: ['https://bank.example'] },
  });
  template = stageTemplate(stack);
}, 120_000);

/** The function's environment from the template, with deploy-time tokens as plausible values. */
function environmentOf(fn: ServiceFunction): Record<string, string> {
  const id = stack.getLogicalId(fn.node.defaultChild as never);
  const variables: Record<string, Json> =
    template.toJSON().Resources[id].Properties.Environment?.Variables ?? {};
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [
      name,
      typeof value === 'string'
        ? value
        : name.endsWith('_ARN')
          ? 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:settings'
          : name.endsWith('_URL') || name === 'AUTH_ISSUER'
            ? 'https://example.invalid/settings'
            : 'settings',
    ]),
  );
}

/** The SDK adapters of a function with these grants, as stand-ins that fail if anything calls them. */
function awsFor(operation: string): AwsAdapters {
  const grants = HANDLER_GRANTS[operation] ?? [];
  const refuse = () => Promise.reject(new Error('no AWS call in this test'));
  return {
    ...(grants.includes('sendsSms') ? { sms: () => ({ send: refuse }) } : {}),
    ...(grants.some((grant) => grant === 'usesPepper' || grant === 'usesWebhookKey')
      ? { secrets: () => refuse }
      : {}),
    ...(grants.some((grant) => grant === 'signsReceipts' || grant === 'readsReceiptKeys')
      ? { receipts: kmsReceiptSigner }
      : {}),
  };
}

/** The variables a function is given and does not read, composing its handler with exactly its environment. */
async function unread(operation: string, entry: string, given: Record<string, string>): Promise<string[]> {
  const module = (await import(`../../${entry}`)) as { build: (adapters: Adapters) => unknown };
  const { env, read } = recording({ ...RUNTIME, ...given });
  const adapters =
    operation === 'relay-outbox-events'
      ? ({ env } as Adapters)
      : lambdaAdapters(env, awsFor(operation), { table: hasTable(operation) });
  const handler = module.build(adapters);
  expect(handler).toBeTypeOf('function');
  return Object.keys(given)
    .filter((name) => !OUTSIDE_SECTIONS.has(name) && !read.has(name))
    .sort();
}

const functionsOf = () => [
  ...ROUTES.map((route) => ({
    operation: route.operation,
    entry: handlerEntry(route),
    fn: stack.functions.get(route.operation)!,
  })),
  { operation: 'relay-outbox-events', entry: 'functions/relay-outbox-events.ts', fn: stack.events.relay },
  {
    operation: 'fan-out-webhook-events',
    entry: 'functions/fan-out-webhook-events.ts',
    fn: stack.events.fanOut,
  },
  { operation: 'deliver-webhook', entry: 'functions/deliver-webhook.ts', fn: stack.events.delivery },
];

describe('function settings', () => {
  it('gives every function only variables its composition reads, and every required one', async () => {
    const problems: Record<string, string[]> = {};
    for (const { operation, entry, fn } of functionsOf()) {
      const extra = await unread(operation, entry, environmentOf(fn));
      if (extra.length > 0) problems[operation] = extra;
    }
    expect(problems).toEqual({});
  }, 120_000);

  it('fails a function given a variable it does not read', async () => {
    const fn = stack.functions.get('get-language-settings')!;
    const given = { ...environmentOf(fn), SMS_COUNTRIES: 'DE', OTP_PEPPER_SECRET_ARN: 'arn:aws:x' };
    expect(await unread('get-language-settings', 'functions/get-language-settings.ts', given)).toEqual([
      'OTP_PEPPER_SECRET_ARN',
      'SMS_COUNTRIES',
    ]);
  });

  it('gives a read-only route neither SMS, sandbox nor secret settings, and an SMS route all it reads', () => {
    const names = (operation: string) => Object.keys(environmentOf(stack.functions.get(operation)!)).sort();
    expect(names('get-language-settings')).toEqual([
      'AUTH_ISSUER',
      'AUTH_OPERATOR_SCOPE',
      'AUTH_PARTNER_SCOPE',
      'AUTH_USER_ID_CLAIM',
      'AUTH_USER_SCOPE',
      'METRICS_SERVICE',
      'TABLE_NAME',
    ]);
    expect(names('authorize-mobile-number')).toEqual(
      expect.arrayContaining(['SMS_COUNTRIES', 'SMS_SENDER_ID', 'SANDBOX_ENABLED', 'OTP_PEPPER_SECRET_ARN']),
    );
    expect(names('create-mobile-number')).toContain('SANDBOX_ENABLED');
    expect(names('create-mobile-number')).not.toContain('SMS_COUNTRIES');
    expect(names('get-my-phone')).toContain('RESOURCE_OWNER_ID');
    expect(names('get-mobile-number')).not.toContain('RESOURCE_OWNER_ID');
    // The event path: the relay has its bus only, and no function of it has token settings.
    expect(Object.keys(environmentOf(stack.events.relay)).sort()).toEqual([
      'EVENT_BUS_NAME',
      'METRICS_SERVICE',
    ]);
    for (const fn of [stack.events.fanOut, stack.events.delivery]) {
      expect(Object.keys(environmentOf(fn)).some((name) => name.startsWith('AUTH_'))).toBe(false);
    }
  });

  it('sets SMS_COUNTRIES on exactly the functions that send SMS', () => {
    const withCountries = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (fn: Json) => fn.Properties.Environment?.Variables?.SMS_COUNTRIES !== undefined,
    );
    expect(withCountries).toHaveLength(ROUTES.filter((route) => route.sendsSms).length);
    for (const route of ROUTES) {
      const env = environmentOf(stack.functions.get(route.operation)!);
      expect(env.SMS_COUNTRIES, route.operation).toBe(route.sendsSms ? 'AT,DE,ES,FR,IT' : undefined);
    }
  });
});
