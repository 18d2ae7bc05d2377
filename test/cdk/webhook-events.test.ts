import { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PhoneSecurityStack } from '../../lib/phone-security-stack.ts';
import { stageTemplate } from './stage-template.ts';

let template: Template;
let stack: PhoneSecurityStack;

beforeAll(() => {
  // No bundling: these tests read the wiring, not the code.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  stack = new PhoneSecurityStack(app, 'Test', { env: { account: '123456789012', region: 'eu-central-1' } });
  template = stageTemplate(stack);
});

const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId((construct.node.defaultChild ?? construct) as never);
const roleOf = (fn: { role?: { node: { defaultChild?: unknown } } }) => logicalId(fn.role!);

/** Every statement of the policies attached to a function's role. */
function statementsOf(fn: { role?: { node: { defaultChild?: unknown } } }) {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleOf(fn) }]) },
  });
  return Object.values(policies).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }).Properties
        .PolicyDocument.Statement,
  );
}

const actionsOf = (statements: Array<Record<string, unknown>>) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();

describe('event relay', () => {
  it('reads the table stream, only outbox inserts, bisecting and retrying, with a failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stack.events.relay) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.data.table), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT'],
              dynamodb: { Keys: { PK: { S: [{ prefix: 'OUTBOX#' }] } } },
            }),
          },
        ],
      },
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack.events.relayFailures), 'Arn'] } },
      },
    });
  });

  it('may put events on its own bus only, and cannot touch table items', () => {
    const statements = statementsOf(stack.events.relay);
    const put = statements.filter((s) => s.Action === 'events:PutEvents');
    expect(put).toEqual([
      expect.objectContaining({ Resource: { 'Fn::GetAtt': [logicalId(stack.events.bus), 'Arn'] } }),
    ]);
    const actions = actionsOf(statements);
    expect(actions.filter((a) => a.startsWith('events:'))).toEqual(['events:PutEvents']);
    expect(
      actions.filter((a) => /^dynamodb:(GetItem|PutItem|UpdateItem|DeleteItem|Query|Scan|Batch)/.test(a)),
    ).toEqual([]);
    expect(actions).toContain('dynamodb:GetRecords');
    expect(actions).toContain('kms:Decrypt');
    expect(actions.filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
  });
});

describe('rules and queues', () => {
  it('has a rule per event family on the bus, into the fan-out queue with a dead-letter queue', () => {
    const families = [
      ['PERSON_MOBILE_NUMBER_CREATED', 'PERSON_MOBILE_NUMBER_VERIFIED', 'PERSON_MOBILE_NUMBER_DELETED'],
      ['DEVICE_BOUND', 'DEVICE_DELETED', 'DEVICE_KEY_ADDED', 'PASSKEY_COUNTER_REGRESSED'],
      ['CHANGE_REQUEST_OPENED', 'CHANGE_REQUEST_COMPLETED'],
      ['SECOND_FACTOR_RESET', 'COOLING_OFF_STARTED', 'CODE_ATTEMPTS_EXHAUSTED'],
      ['SMS_PREFIX_BLOCKED', 'SMS_PREFIX_BLOCK_LIFTED'],
      ['PAYMENT_AUTHORIZATION_CREATED', 'PAYMENT_AUTHORIZATION_CONFIRMED', 'PAYMENT_AUTHORIZATION_FAILED'],
    ];
    for (const types of families) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: logicalId(stack.events.bus) },
        EventPattern: { source: ['phone-security'], 'detail-type': types },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [logicalId(stack.events.fanOutQueue), 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(stack.events.fanOutDeadLetters), 'Arn'] } },
          }),
        ],
      });
    }
  });

  it('gives the delivery queue a dead-letter queue and alarms on every dead-letter queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack.events.deliveryDeadLetters), 'Arn'] },
        maxReceiveCount: 5,
      },
      SqsManagedSseEnabled: true,
    });
    for (const queue of [
      stack.events.deliveryDeadLetters,
      stack.events.fanOutDeadLetters,
      stack.events.relayFailures,
    ]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(queue), 'QueueName'] } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('delivers one message per invocation', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stack.events.delivery) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.events.deliveryQueue), 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});

describe('narrow permissions', () => {
  it('lets the delivery function read and cancel subscriptions, read the sealing key and send to its queues only', () => {
    const statements = statementsOf(stack.events.delivery);
    const actions = actionsOf(statements);
    expect(actions.filter((a) => a.startsWith('dynamodb:') && !a.startsWith('dynamodb:Describe'))).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
    ]);
    expect(actions).not.toContain('events:PutEvents');
    expect(actions.filter((a) => a.startsWith('sns:'))).toEqual([]);
    const secretReads = statements.filter((s) => actionsOf([s]).includes('secretsmanager:GetSecretValue'));
    expect(secretReads.map((s) => s.Resource)).toEqual([{ Ref: logicalId(stack.data.webhookKey) }]);
    const sends = statements.filter((s) => actionsOf([s]).includes('sqs:SendMessage'));
    const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));
    expect(
      sends.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource])).sort(byJson),
    ).toEqual(
      [
        { 'Fn::GetAtt': [logicalId(stack.events.deliveryDeadLetters), 'Arn'] },
        { 'Fn::GetAtt': [logicalId(stack.events.deliveryQueue), 'Arn'] },
      ].sort(byJson),
    );
  });

  it('lets the fan-out function query subscriptions and send deliveries, nothing more', () => {
    const statements = statementsOf(stack.events.fanOut);
    const actions = actionsOf(statements);
    expect(actions.filter((a) => a.startsWith('dynamodb:') && !a.startsWith('dynamodb:Describe'))).toEqual([
      'dynamodb:Query',
    ]);
    // On GSI1 only, not the table or any other index.
    expect(statements.find((s) => s.Action === 'dynamodb:Query')?.Resource).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack.data.table), 'Arn'] }, '/index/GSI1']],
    });
    expect(actions.filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
  });

  it('gives the webhook key only to the create route, the delivery function and its rotation function', () => {
    const readers = Object.values(
      template.findResources('AWS::IAM::Policy', {
        Properties: {
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Resource: { Ref: logicalId(stack.data.webhookKey) } }),
            ]),
          },
        },
      }),
    ).flatMap((policy) => (policy as { Properties: { Roles: Array<{ Ref: string }> } }).Properties.Roles);
    expect(readers.map((r) => r.Ref).sort()).toEqual(
      [
        roleOf(stack.functions.get('create-webhook')!),
        roleOf(stack.events.delivery),
        roleOf(stack.keyRotation.functions.get('WebhookSecretKey')!),
      ].sort(),
    );
  });
});

describe('deployed configuration', () => {
  it('never allows plain-http or loopback subscriber URLs (local mode only)', () => {
    expect(JSON.stringify(template.toJSON())).not.toContain('WEBHOOK_ALLOW_LOCAL_HTTP');
    expect(JSON.stringify(template.toJSON())).not.toContain('/_local/');
  });
});
