import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_FAMILIES, EVENT_SOURCE } from '../shared/events/catalog.ts';
import type { DataStore } from './data-store.ts';
import { ServiceFunction } from './service-function.ts';

export interface WebhookEventsProps {
  data: DataStore;
  /** The operator topic the dead-letter alarms notify. */
  topic: sns.ITopic;
}

/**
 * Concurrency ceilings of the SQS event sources (MaximumConcurrency): however long the backlog and however slow the
 * receivers, the event path holds at most this many concurrent executions, so it can never take the concurrency the
 * API needs. Reasons in docs/operations.md#concurrency.
 */
export const FAN_OUT_MAX_CONCURRENCY = 5;
export const DELIVERY_MAX_CONCURRENCY = 20;

/** How long a webhook delivery may take end to end: the 30 s receiver timeout plus room for the rest. */
const DELIVERY_TIMEOUT = Duration.seconds(45);

/**
 * The event path on AWS:
 *   table stream --(outbox inserts only)--> relay function --PutEvents--> custom bus
 *   --one rule per event family--> fan-out queue --> fan-out function (one message per subscription and event)
 *   --> delivery queue --> delivery function --> subscriber
 * Every hop that can fail ends in a queue watched by an alarm: the relay's failure queue, the fan-out DLQ and the
 * delivery DLQ (where deliveries land after 5 days of retries).
 */
export class WebhookEvents extends Construct {
  readonly bus: events.EventBus;
  readonly relay: ServiceFunction;
  readonly fanOut: ServiceFunction;
  readonly delivery: ServiceFunction;
  readonly relayFailures: sqs.Queue;
  readonly fanOutQueue: sqs.Queue;
  readonly fanOutDeadLetters: sqs.Queue;
  readonly deliveryQueue: sqs.Queue;
  readonly deliveryDeadLetters: sqs.Queue;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: WebhookEventsProps) {
    super(scope, id);
    const { data } = props;
    const queue = (name: string, extra: Partial<sqs.QueueProps> = {}) =>
      new sqs.Queue(this, name, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy: RemovalPolicy.DESTROY,
        ...extra,
      });
    const deadLetterQueue = (name: string) => queue(name, { retentionPeriod: Duration.days(14) });

    this.bus = new events.EventBus(this, 'Bus', { description: 'Events of the phone security service' });

    // 1. Relay: the stream of the table, filtered to outbox inserts, to the bus.
    this.relayFailures = deadLetterQueue('RelayFailures');
    Validations.of(this.relayFailures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is a dead-letter queue: the on-failure destination of the relay's stream event source mapping. " +
        "cdk-nag only recognises queues named in another queue's RedrivePolicy as dead-letter queues.",
    });
    this.relay = new ServiceFunction(this, 'RelayOutboxEvents', {
      entry: 'functions/relay-outbox-events.ts',
      description: 'Publishes outbox records from the table stream to the event bus',
      timeout: Duration.seconds(30),
      // The relay reads neither the table's items nor any secret: its bus is all it is configured with.
      environment: { EVENT_BUS_NAME: this.bus.eventBusName },
    });
    this.bus.grantPutEventsTo(this.relay);
    // Stream records of a table under a customer-managed key are decrypted with that key.
    data.key.grantDecrypt(this.relay);
    this.relay.addEventSource(
      new sources.DynamoEventSource(data.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        // The relay answers the first record it could not publish; Lambda resumes there, nothing before is resent.
        reportBatchItemFailures: true,
        retryAttempts: 10,
        onFailure: new sources.SqsDlq(this.relayFailures),
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual('INSERT'),
            dynamodb: { Keys: { PK: { S: lambda.FilterRule.beginsWith('OUTBOX#') } } },
          }),
        ],
      }),
    );

    // 2. One rule per event family, into the fan-out queue.
    this.fanOutDeadLetters = deadLetterQueue('FanOutDeadLetters');
    this.fanOutQueue = queue('FanOutQueue', {
      visibilityTimeout: Duration.seconds(180),
      deadLetterQueue: { queue: this.fanOutDeadLetters, maxReceiveCount: 5 },
    });
    for (const family of EVENT_FAMILIES) {
      new events.Rule(this, `${family.name}Rule`, {
        eventBus: this.bus,
        description: `${family.name} events to the webhook fan-out`,
        eventPattern: { source: [EVENT_SOURCE], detailType: [...family.types] },
        targets: [
          new targets.SqsQueue(this.fanOutQueue, {
            deadLetterQueue: this.fanOutDeadLetters,
            retryAttempts: 185,
            maxEventAge: Duration.hours(24),
          }),
        ],
      });
    }

    // 3. Deliveries: one message per subscription and event.
    this.deliveryDeadLetters = deadLetterQueue('DeliveryDeadLetters');
    this.deliveryQueue = queue('DeliveryQueue', {
      visibilityTimeout: Duration.seconds(DELIVERY_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.deliveryDeadLetters, maxReceiveCount: 5 },
    });
    const queueEnvironment = {
      WEBHOOK_DELIVERY_QUEUE_URL: this.deliveryQueue.queueUrl,
      WEBHOOK_DEAD_LETTER_QUEUE_URL: this.deliveryDeadLetters.queueUrl,
    };

    this.fanOut = new ServiceFunction(this, 'FanOutWebhookEvents', {
      entry: 'functions/fan-out-webhook-events.ts',
      description: 'Turns each event into one delivery message per matching webhook subscription',
      timeout: Duration.seconds(30),
      environment: queueEnvironment,
    });
    // The fan-out lists subscriptions through GSI1 only.
    data.bindTable(this.fanOut, [], ['GSI1']);
    this.deliveryQueue.grantSendMessages(this.fanOut);
    this.fanOut.addEventSource(
      new sources.SqsEventSource(this.fanOutQueue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: FAN_OUT_MAX_CONCURRENCY,
      }),
    );

    this.delivery = new ServiceFunction(this, 'DeliverWebhook', {
      entry: 'functions/deliver-webhook.ts',
      description: 'Delivers one signed event to one webhook subscriber; schedules retries',
      timeout: DELIVERY_TIMEOUT,
      environment: { ...queueEnvironment, WEBHOOK_SECRET_KEY_ARN: data.webhookKey.secretArn },
    });
    // Read the subscription; delete it (and give back its unit of the limit) when the subscriber answers 410.
    data.bindTable(this.delivery, ['GetItem', 'DeleteItem', 'UpdateItem']);
    data.grantSecretRead(this.delivery, data.webhookKey);
    this.deliveryQueue.grantSendMessages(this.delivery);
    this.deliveryDeadLetters.grantSendMessages(this.delivery);
    // One message per invocation: a slow subscriber holds one concurrent execution, never another's delivery.
    this.delivery.addEventSource(
      new sources.SqsEventSource(this.deliveryQueue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: DELIVERY_MAX_CONCURRENCY,
      }),
    );

    for (const [name, watched] of [
      ['RelayFailuresAlarm', this.relayFailures],
      ['FanOutDeadLettersAlarm', this.fanOutDeadLetters],
      ['DeliveryDeadLettersAlarm', this.deliveryDeadLetters],
    ] as const) {
      this.alarms.push(
        watched
          .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' })
          .createAlarm(this, name, {
            alarmDescription: `Messages waiting in ${watched.node.id}: events or deliveries that need an operator`,
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
      );
    }
    for (const alarm of this.alarms) alarm.addAlarmAction(new cloudwatchActions.SnsAction(props.topic));
  }
}
