import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALARM_DEFAULTS, E164_IDENTIFIER } from '../../lib/observability.ts';
import { PhoneSecurityStack } from '../../lib/phone-security-stack.ts';
import { PROJECT_ROOT } from '../../lib/service-function.ts';
import { SMS_COUNTRY_CODES } from '../../lib/sms-go-live.ts';
import { DELIVERY_MAX_CONCURRENCY, FAN_OUT_MAX_CONCURRENCY } from '../../lib/webhook-events.ts';
import { ROUTES } from '../../shared/routes.ts';
import { stageTemplate } from './stage-template.ts';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
type Json = any;
let resources: Record<string, Json>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const alarms = () => ofType('AWS::CloudWatch::Alarm').map(([id, r]) => ({ id, ...r.Properties }));

let template: Template;
let stack: PhoneSecurityStack;

beforeAll(() => {
  const app = new App();
  stack = new PhoneSecurityStack(app, 'AlarmStack', {
    env: { account: '111111111111', region: 'eu-central-1' },
    alarmEmail: 'ops@example.com',
    smsCountries: new Set(['DE', 'AT']),
    smsMonthlyBudgetUsd: 250,
    alarmThresholds: { apiP99LatencyMs: 1500 },
  });
  template = stageTemplate(stack);
  resources = template.toJSON().Resources;
}, 180_000);

describe('operator alarms', () => {
  it('sends every alarm to the operator topic', () => {
    const topicId = stack.getLogicalId(stack.alarmTopic.node.defaultChild as never);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Array<{
      Properties: { AlarmActions?: unknown[] };
    }>;
    expect(alarms.length).toBeGreaterThanOrEqual(4);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  it('alarms on every fraud guard block, the global SMS cap and a client reaching its cap, with a runbook', () => {
    for (const metric of ['SmsPrefixBlocks', 'SmsGlobalCapHits', 'SmsClientCapHits']) {
      const found = alarms().filter((a) => a.MetricName === metric);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        Namespace: 'PhoneSecurity',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Dimensions: [{ Name: 'Service', Value: 'AlarmStack' }],
      });
      const anchor = /Runbook: docs\/operations\.md#(\S+)/.exec(found[0].AlarmDescription)![1]!;
      const headings = readFileSync(join(PROJECT_ROOT, 'docs', 'operations.md'), 'utf8').match(
        /^### \S+$/gm,
      )!;
      expect(headings.map((h) => h.slice(4).toLowerCase())).toContain(anchor);
    }
  });

  it('alarms on API 5xx answers', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5xx',
      Namespace: 'AWS/ApiGateway',
      Threshold: 1,
    });
  });

  it('encrypts the topic with its own key that CloudWatch may use, and subscribes the given email', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });
});

describe('alarms of every function, the API, the event path and SMS', () => {
  it('watches errors and throttles of every function, each to the operator topic', () => {
    const topicId = stack.getLogicalId(stack.alarmTopic.node.defaultChild as never);
    const all = alarms();
    for (const alarm of all) expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
    // Every route's function, the relay, the fan-out, the delivery and the two key-rotation functions.
    const functions = ROUTES.length + 3 + stack.keyRotation.functions.size;
    expect(stack.keyRotation.functions.size).toBe(2);
    for (const metric of ['Errors', 'Throttles']) {
      const watching = all.filter((a) => a.Namespace === 'AWS/Lambda' && a.MetricName === metric);
      expect(watching).toHaveLength(functions);
      const names = new Set(watching.map((a) => JSON.stringify(a.Dimensions)));
      expect(names.size).toBe(functions);
    }
  });

  it('alarms on API p99 latency (threshold from context), relay iterator age and the age of each queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Threshold: 1500,
      EvaluationPeriods: 3,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Threshold: ALARM_DEFAULTS.relayIteratorAgeMs,
    });
    const ages = alarms().filter((a) => a.MetricName === 'ApproximateAgeOfOldestMessage');
    expect(ages.map((a) => a.Threshold).sort()).toEqual(
      [ALARM_DEFAULTS.deliveryQueueAgeSeconds, ALARM_DEFAULTS.fanOutQueueAgeSeconds].sort(),
    );
    // The three dead-letter queues keep their depth alarms.
    expect(alarms().filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')).toHaveLength(3);
  });

  it('alarms on SMS failure rate, SMS spend against the budget, and a spike of wrong codes', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SNS',
      MetricName: 'SMSMonthToDateSpentUSD',
      Threshold: 200,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'PhoneSecurity',
      MetricName: 'CodeChecks',
      Dimensions: Match.arrayWith([{ Name: 'Outcome', Value: 'wrong' }]),
      Threshold: ALARM_DEFAULTS.wrongCodeChecksPer5Minutes,
    });
    const rate = alarms().find((a) => a.id.includes('SmsFailureRate'))!;
    expect(rate.Threshold).toBe(ALARM_DEFAULTS.smsFailureRatePercent);
    const names = (rate.Metrics as Json[]).flatMap((m) => m.MetricStat?.Metric.MetricName ?? []);
    expect(names.sort()).toEqual(['SmsProviderFailures', 'SmsSent']);
  });
});

describe('dashboard', () => {
  it('is one dashboard with API, SMS, code-check, webhook, queue and relay widgets', () => {
    const dashboards = ofType('AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]![1].Properties.DashboardBody);
    for (const title of [
      'API requests and errors',
      'API latency (ms)',
      'By route: requests, 4xx, 5xx, p99 latency (access logs)',
      'SMS sent by template and country',
      'SMS provider failures and refusals',
      'SMS month-to-date spend (USD)',
      'Code-check success rate (%)',
      'Webhook deliveries by outcome',
      'Queue depths',
      'Relay: iterator age and event lag (ms)',
    ]) {
      expect(body).toContain(title);
    }
    expect(body).toContain('SMSMonthToDateSpentUSD');
    expect(body).toContain('IteratorAge');
    expect(body).toContain('stats count(*) as requests');
  });
});

describe('concurrency and batches', () => {
  it('caps both SQS event sources and has the relay report partial batch failures', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties);
    const sqs = mappings.filter((m) => m.ScalingConfig);
    expect(sqs.map((m) => m.ScalingConfig.MaximumConcurrency).sort((a, b) => a - b)).toEqual(
      [FAN_OUT_MAX_CONCURRENCY, DELIVERY_MAX_CONCURRENCY].sort((a, b) => a - b),
    );
    for (const m of sqs) expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    const stream = mappings.find((m) => m.StartingPosition === 'TRIM_HORIZON')!;
    expect(stream.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(stream.BisectBatchOnFunctionError).toBe(true);
  });
});

describe('logs', () => {
  it('writes API access logs as JSON with request id, route key, status, latency and both errors, no source IP', () => {
    const stage = ofType('AWS::ApiGatewayV2::Stage')[0]![1].Properties;
    // As API Gateway fills it in: the two numbers unquoted, everything else a string.
    const line = (stage.AccessLogSettings.Format as string)
      .replace('$context.status', '201')
      .replace('$context.responseLatency', '12');
    const format = JSON.parse(line);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: 201,
      responseLatency: 12,
      integrationError: '$context.integrationErrorMessage',
      authorizerError: '$context.authorizer.error',
    });
    expect(stage.AccessLogSettings.Format).not.toContain('sourceIp');
  });

  it('puts a phone-number data-protection policy on every log group', () => {
    const groups = ofType('AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(ROUTES.length + 3 + 1 + 2);
    for (const [, group] of groups) {
      const policy = group.Properties.DataProtectionPolicy;
      const statements = policy.Statement as Json[];
      expect(statements.map((s) => Object.keys(s.Operation)[0])).toEqual(['Audit', 'Deidentify']);
      expect(JSON.stringify(statements[1]!.DataIdentifier)).toContain('PhoneNumber-DE');
      // Numbers of countries without a managed identifier (Austria, say) are masked by the E.164 one.
      expect(statements.every((s) => s.DataIdentifier.includes(E164_IDENTIFIER.Name))).toBe(true);
      const [custom] = policy.Configuration.CustomDataIdentifier as Array<{ Regex: string }>;
      const pattern = new RegExp(custom!.Regex);
      expect(pattern.test('"destination":"+43664123456"')).toBe(true);
      expect(pattern.test('"attempt":3')).toBe(false);
    }
  });

  it('sets METRICS_SERVICE on every service function, and SMS_COUNTRIES on those that send SMS', () => {
    for (const [operation, fn] of stack.functions) {
      const props = resources[stack.getLogicalId(fn.node.defaultChild as never)]!.Properties;
      expect(props.Environment.Variables.METRICS_SERVICE).toBe('AlarmStack');
      const sendsSms = ROUTES.find((route) => route.operation === operation)!.sendsSms;
      expect(props.Environment.Variables.SMS_COUNTRIES, operation).toBe(sendsSms ? 'AT,DE' : undefined);
    }
  });
});

describe('SMS go-live', () => {
  it('has a protect configuration that allows the listed countries and blocks every other', () => {
    const [[id, config]] = ofType('AWS::SMSVOICE::ProtectConfiguration') as [[string, Json]];
    const rules = config.Properties.CountryRuleSet.SMS as Array<{
      CountryCode: string;
      ProtectStatus: string;
    }>;
    expect(rules.filter((r) => r.ProtectStatus === 'ALLOW').map((r) => r.CountryCode)).toEqual(['AT', 'DE']);
    expect(rules.filter((r) => r.ProtectStatus === 'BLOCK')).toHaveLength(SMS_COUNTRY_CODES.length - 2);
    expect(rules.map((r) => r.CountryCode)).toContain('JM');
    // ...made the account default by a custom resource, removed as default when the stack goes.
    const custom = ofType('Custom::AWS').map(([, r]) => r.Properties);
    const setDefault = custom.find((p) =>
      JSON.stringify(p.Create).includes('setAccountDefaultProtectConfiguration'),
    )!;
    expect(JSON.stringify(setDefault.Create)).toContain(id);
    expect(JSON.stringify(setDefault.Delete)).toContain('deleteAccountDefaultProtectConfiguration');
  });

  it('turns on SMS delivery-status logging with a role SNS may assume, into log groups with a retention', () => {
    const custom = ofType('Custom::AWS').map(([, r]) => JSON.stringify(r.Properties.Create));
    const attributes = custom.find((c) => c.includes('setSMSAttributes'))!;
    expect(attributes).toContain('DeliveryStatusIAMRole');
    expect(attributes).toContain('DeliveryStatusSuccessSamplingRate');
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'sns.amazonaws.com' } })],
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: 'sns/eu-central-1/111111111111/DirectPublishToPhoneNumber/Failure',
      RetentionInDays: 90,
    });
  });
});

describe('outputs for the recovery commands', () => {
  it('names the bus and every queue', () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    for (const name of [
      'EventBusName',
      'FanOutQueueUrl',
      'FanOutDeadLettersUrl',
      'DeliveryQueueUrl',
      'DeliveryDeadLettersUrl',
      'RelayFailuresUrl',
      'TableName',
      'DashboardName',
    ]) {
      expect(outputs).toHaveProperty(name);
    }
  });
});
