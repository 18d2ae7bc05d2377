import { App, type Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { defaultDomainPrefix } from '../../lib/api-auth.ts';
import { createApp } from '../../lib/app.ts';
import { PhoneSecurityStack } from '../../lib/phone-security-stack.ts';
import { FUNCTION_NODE_MAJOR, FUNCTION_RUNTIME } from '../../lib/service-function.ts';
import { stageTemplate } from './stage-template.ts';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
type Json = any;

// Bundling is skipped: these tests read the synthesized template, not the bundles (test/cdk/synth.test.ts bundles).
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const ENV = { account: '111111111111', region: 'eu-central-1' };

/** The app as bin/app.ts builds it, for a set of context values (-c key=value). */
const appWith = (context: Record<string, string> = {}) =>
  createApp({ context: { ...NO_BUNDLING, ...context } });

/** "ERROR AwsSolutions-IAM5[Resource::*] at Stack/Path" lines, one per unacknowledged finding. */
function findings(app: App): string[] {
  const report = new AwsSolutionsChecks().validateScope(app);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map(
      (resource) =>
        `${String(violation.severity).toUpperCase()} ${violation.ruleName} at ${resource.constructPath}`,
    ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['the default app', {}],
    [
      'a sandbox stage with an alarm address and a sender id',
      {
        sandbox: 'true',
        stackName: 'PhoneSecurityTest',
        smsAccountSettings: 'false',
        alarmEmail: 'ops@example.com',
        smsSenderId: 'MyBank',
      },
    ],
    ['an external issuer', { authIssuer: 'https://issuer.example', authAudiences: 'a,b' }],
  ])('reports no unacknowledged finding, error or warning, for %s', (_, context) => {
    expect(findings(appWith(context).app)).toEqual([]);
  });

  it('runs on every synth of the app and stops it on a finding', () => {
    const { app, stack } = appWith();
    // A queue without a dead-letter queue or TLS enforcement: SQS3 and SQS4.
    new sqs.Queue(stack, 'Unchecked');
    expect(() => app.synth()).toThrow(/PhoneSecurity\/Unchecked\/Resource[\s\S]*AwsSolutions-SQS3/);
  });

  it('grants Resource "*" only for actions that have no resource-level permissions', () => {
    const { stack } = appWith();
    const allowedOnStar = new Set([
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'dynamodb:ListStreams',
      'secretsmanager:GetRandomPassword',
      'sns:SetSMSAttributes',
    ]);
    const policies = Object.values(stageTemplate(stack).findResources('AWS::IAM::Policy')) as Json[];
    const onStar = policies
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .filter((statement: Json) => [statement.Resource].flat().includes('*'))
      .flatMap((statement: Json) => [statement.Action].flat());
    expect(onStar.length).toBeGreaterThan(0);
    expect(onStar.filter((action: string) => !allowedOnStar.has(action))).toEqual([]);
  });

  it('gives every function its own log group and the right to write only there, no managed policy', () => {
    const { stack } = appWith();
    const template = stageTemplate(stack);
    const roles = Object.values(template.findResources('AWS::IAM::Role')) as Json[];
    for (const role of roles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Json[];
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Json[];
    for (const fn of functions) {
      const roleId = fn.Properties.Role['Fn::GetAtt'][0];
      const logGroup = fn.Properties.LoggingConfig.LogGroup;
      const logStatements = policies
        .filter((policy) => policy.Properties.Roles.some((role: Json) => role.Ref === roleId))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
        .filter((statement: Json) => [statement.Action].flat().some((a: string) => a.startsWith('logs:')));
      expect(logStatements).toEqual([
        expect.objectContaining({
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [logGroup.Ref, 'Arn'] },
        }),
      ]);
    }
  });
});

describe('two stages in one account and region', () => {
  /** Properties that name a resource uniquely per account and region (or, for the Cognito domain, per region). */
  const UNIQUE_NAMES: Record<string, string[]> = {
    'AWS::Cognito::UserPoolDomain': ['Domain'],
    'AWS::Cognito::UserPool': ['UserPoolName'],
    'AWS::Events::EventBus': ['Name'],
    'AWS::Events::Rule': ['Name'],
    'AWS::SQS::Queue': ['QueueName'],
    'AWS::SNS::Topic': ['TopicName'],
    'AWS::DynamoDB::Table': ['TableName'],
    'AWS::Lambda::Function': ['FunctionName'],
    'AWS::Logs::LogGroup': ['LogGroupName'],
    'AWS::IAM::Role': ['RoleName'],
    'AWS::IAM::ManagedPolicy': ['ManagedPolicyName'],
    'AWS::KMS::Alias': ['AliasName'],
    'AWS::SecretsManager::Secret': ['Name'],
    'AWS::CloudWatch::Alarm': ['AlarmName'],
    'AWS::CloudWatch::Dashboard': ['DashboardName'],
    'AWS::ApiGatewayV2::DomainName': ['DomainName'],
    'AWS::SNS::Subscription': [],
  };

  /** Every unique-per-account name a stack sets, with its own stack name and pseudo parameters filled in. */
  function namesOf(stack: Stack): string[] {
    const resources = stageTemplate(stack).toJSON().Resources as Record<string, Json>;
    const resolve = (value: Json): string => {
      if (typeof value === 'string') return value;
      if (value?.Ref === 'AWS::StackName') return stack.stackName;
      if (value?.Ref === 'AWS::AccountId') return ENV.account;
      if (value?.Ref === 'AWS::Region') return ENV.region;
      if (value?.Ref === 'AWS::Partition') return 'aws';
      if (value?.['Fn::Join']) return value['Fn::Join'][1].map(resolve).join(value['Fn::Join'][0]);
      // A reference to a resource of the stack names something the stack itself made: unique already.
      return `<${stack.stackName}:${JSON.stringify(value)}>`;
    };
    return Object.values(resources).flatMap((resource) =>
      (UNIQUE_NAMES[resource.Type] ?? [])
        .filter((property) => resource.Properties?.[property] !== undefined)
        .map((property) => `${resource.Type}.${property}=${resolve(resource.Properties[property])}`),
    );
  }

  it('gives the second stage names of its own, derived from its stack name', () => {
    const app = new App({ context: NO_BUNDLING });
    const production = new PhoneSecurityStack(app, 'PhoneSecurity', { env: ENV });
    const test = new PhoneSecurityStack(app, 'PhoneSecurityTest', {
      env: ENV,
      sandbox: true,
      smsAccountSettings: false,
    });
    const a = namesOf(production);
    const b = namesOf(test);
    // The Cognito domain and the event bus are the named resources of this stack today.
    expect(a).toContain(`AWS::Cognito::UserPoolDomain.Domain=phone-security-${ENV.account}`);
    expect(b).toContain(`AWS::Cognito::UserPoolDomain.Domain=phone-security-test-${ENV.account}`);
    expect(a.some((name) => name.startsWith('AWS::Events::EventBus.Name='))).toBe(true);
    expect(a.filter((name) => b.includes(name))).toEqual([]);
  });

  it('derives a valid Cognito domain prefix from any stack name', () => {
    expect(defaultDomainPrefix('PhoneSecurity', '123456789012')).toBe('phone-security-123456789012');
    expect(defaultDomainPrefix('Phone-Security_Staging2', '123456789012')).toBe(
      'phone-security-staging2-123456789012',
    );
    expect(defaultDomainPrefix('MyAwsCognitoStack', '123456789012')).toBe('my-stack-123456789012');
    const long = defaultDomainPrefix(`${'A'.repeat(40)}VeryLongStackNameForTheSandboxStage`, '123456789012');
    expect(long.length).toBeLessThanOrEqual(63);
    for (const prefix of [long, defaultDomainPrefix('---', '123456789012')]) {
      expect(prefix).toMatch(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/);
    }
  });
});

describe('alarm notifications', () => {
  const { stack } = appWith();
  const template = stageTemplate(stack);
  const topicId = stack.getLogicalId(stack.alarmTopic.node.defaultChild as never);
  const alarmArns = {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':cloudwatch:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        ':alarm:*',
      ],
    ],
  };
  const fromOwnAlarms = {
    StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    ArnLike: { 'aws:SourceArn': alarmArns },
  };

  it('lets CloudWatch publish to the operator topic, for alarms of this account and region only', () => {
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy')) as Json[];
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.Topics).toEqual([{ Ref: topicId }]);
    const allows = policies[0].Properties.PolicyDocument.Statement.filter((s: Json) => s.Effect === 'Allow');
    expect(allows).toEqual([
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: fromOwnAlarms,
      }),
    ]);
  });

  it("lets CloudWatch use the topic's key under the same conditions", () => {
    const keys = Object.values(template.findResources('AWS::KMS::Key')) as Json[];
    const cloudwatch = keys
      .flatMap((key) => key.Properties.KeyPolicy.Statement)
      .filter((s: Json) => JSON.stringify(s.Principal ?? {}).includes('cloudwatch.amazonaws.com'));
    expect(cloudwatch).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Condition: fromOwnAlarms,
      }),
    ]);
  });
});

describe('partitions', () => {
  it.each([
    ['the default app', {}],
    ['a sandbox stage', { sandbox: 'true', alarmEmail: 'ops@example.com' }],
  ])('writes no literal arn:aws: anywhere in the template of %s, policies included', (_, context) => {
    const template = stageTemplate(appWith(context).stack).toJSON();
    const policyTypes = [
      'AWS::IAM::Policy',
      'AWS::SNS::TopicPolicy',
      'AWS::SQS::QueuePolicy',
      'AWS::KMS::Key',
      'AWS::Lambda::Permission',
    ];
    const policies = Object.values(template.Resources as Record<string, Json>).filter((r) =>
      policyTypes.includes(r.Type),
    );
    expect(policies.length).toBeGreaterThan(30);
    for (const policy of policies) expect(JSON.stringify(policy)).not.toContain('arn:aws:');
    expect(JSON.stringify(template)).not.toMatch(/arn:aws[a-z-]*:/);
  });
});

describe('Node.js major', () => {
  it('runs the tests on the Lambda runtime’s major (node_modules/.bin/node from the `node` devDependency)', () => {
    expect(FUNCTION_RUNTIME.name).toBe(`nodejs${FUNCTION_NODE_MAJOR}.x`);
    expect(Number(process.versions.node.split('.')[0])).toBe(FUNCTION_NODE_MAJOR);
  });
});
