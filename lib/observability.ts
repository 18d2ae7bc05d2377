import { Duration, type IAspect, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, type IConstruct } from 'constructs';
import { METRICS_NAMESPACE } from '../shared/metrics.ts';
import { ALARM_DEFAULTS } from './settings.ts';
import type { WebhookEvents } from './webhook-events.ts';

export { ALARM_DEFAULTS };

export type AlarmThresholds = { [K in keyof typeof ALARM_DEFAULTS]: number };

/**
 * The HTTP API's access log line: one JSON object per request, with the fields an operator filters on. The source IP
 * is left out on purpose: callers are identified by token, abuse is limited by quotas and the stage throttle, and an
 * end user's IP address is personal data we have no use for (docs/operations.md).
 */
export const API_ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    status: '$context.status',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationStatus: '$context.integrationStatus',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    errorMessage: '$context.error.message',
    responseLength: '$context.responseLength',
    protocol: '$context.protocol',
  })
    // Status and latency are always numbers: written unquoted, so Logs Insights compares and sums them as numbers.
    .replace('"$context.status"', '$context.status')
    .replace('"$context.responseLatency"', '$context.responseLatency'),
);

/** CloudWatch Logs managed data identifiers for phone numbers (all that exist: aws-logs DataIdentifier.PHONENUMBER_*). */
const PHONE_IDENTIFIERS = ['BR', 'DE', 'ES', 'FR', 'GB', 'IT', 'US'].map(
  (country) => `PhoneNumber-${country}`,
);
/**
 * The managed identifiers know seven countries; SMS may go to others (Austria is in the default allow-list), and SNS's
 * delivery-status logs name the destination. So a custom identifier also masks any number in E.164 form.
 */
export const E164_IDENTIFIER = { Name: 'E164PhoneNumber', Regex: '\\+[1-9][0-9]{6,14}' };

/**
 * Puts a data-protection policy for phone numbers on every log group of the stack (functions, API access logs, SMS
 * delivery status): numbers that slip past the logger's masking are masked at ingestion and reported as findings.
 * An aspect, so log groups added anywhere in the stack get it too.
 */
export class PhoneNumberLogProtection implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof logs.CfnLogGroup) || node.dataProtectionPolicy !== undefined) return;
    const partition = Stack.of(node).partition;
    const identifiers = [
      ...PHONE_IDENTIFIERS.map((id) => `arn:${partition}:dataprotection::aws:data-identifier/${id}`),
      E164_IDENTIFIER.Name,
    ];
    node.dataProtectionPolicy = {
      Name: 'phone-numbers',
      Description: 'Masks phone numbers in log events and audits findings',
      Version: '2021-06-01',
      Configuration: { CustomDataIdentifier: [E164_IDENTIFIER] },
      Statement: [
        {
          Sid: 'audit-phone-numbers',
          DataIdentifier: identifiers,
          Operation: { Audit: { FindingsDestination: {} } },
        },
        {
          Sid: 'mask-phone-numbers',
          DataIdentifier: identifiers,
          Operation: { Deidentify: { MaskConfig: {} } },
        },
      ],
    };
  }
}

export interface ObservabilityProps {
  api: apigw.IHttpApi;
  accessLogs: logs.ILogGroup;
  events: WebhookEvents;
  topic: sns.ITopic;
  /** The stage's (top-level stack's) name: the `Service` dimension of the business metrics, and the dashboard's prefix. */
  service: string;
  /** The SMS budget per month, USD (context smsMonthlyBudgetUsd); the default account spend limit is USD 1. */
  smsMonthlyBudgetUsd?: number;
  thresholds?: Partial<AlarmThresholds>;
}

const FIVE_MINUTES = Duration.minutes(5);

/** An alarm on `metric` that notifies the operator topic, with a runbook link in its description. */
export function operatorAlarm(
  scope: Construct,
  id: string,
  metric: cloudwatch.IMetric,
  topic: sns.ITopic,
  options: { threshold: number; description: string; evaluationPeriods?: number; anchor?: string },
): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    metric,
    threshold: options.threshold,
    evaluationPeriods: options.evaluationPeriods ?? 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: `${options.description}. Runbook: docs/operations.md#${options.anchor ?? id.toLowerCase()}`,
  });
  alarm.addAlarmAction(new cloudwatchActions.SnsAction(topic));
  return alarm;
}

/** The dashboard name of a stage. */
export const dashboardNameOf = (service: string) => `${service}-operations`;

/**
 * What every function of a stage gets, in whichever stack it lives: METRICS_SERVICE (the stage name, the `Service`
 * dimension of its business metrics) and an errors and a throttles alarm on the operator topic.
 */
export function watchFunction(
  scope: Construct,
  operation: string,
  fn: lambda.Function,
  options: { service: string; thresholds: AlarmThresholds; topic: sns.ITopic },
): cloudwatch.Alarm[] {
  fn.addEnvironment('METRICS_SERVICE', options.service);
  const name = operation.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
  const t = options.thresholds;
  return [
    operatorAlarm(
      scope,
      `${name}ErrorsAlarm`,
      fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      options.topic,
      {
        threshold: t.functionErrors,
        description: `${operation}: invocations failed (crash or timeout); see its log group`,
        anchor: 'function-errors',
      },
    ),
    operatorAlarm(
      scope,
      `${name}ThrottlesAlarm`,
      fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
      options.topic,
      {
        threshold: t.functionThrottles,
        description: `${operation}: invocations throttled (account or function concurrency exhausted)`,
        anchor: 'function-throttles',
      },
    ),
  ];
}

/**
 * What an operator watches across the stage: one dashboard and the alarms on the API, the event path and SMS, each
 * of which notifies the operator topic (each function's own alarms are made beside it by `watchFunction`). Business
 * metrics come from the functions' EMF documents (shared/metrics.ts) in the `PhoneSecurity` namespace, dimension
 * `Service` = the stage's stack name.
 */
export class Observability extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly thresholds: AlarmThresholds;
  private readonly service: string;
  private readonly topic: sns.ITopic;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.thresholds = { ...ALARM_DEFAULTS, ...props.thresholds };
    this.service = props.service;
    this.topic = props.topic;
    const t = this.thresholds;

    this.alarm(
      'ApiServerErrorsAlarm',
      props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      {
        threshold: 1,
        description:
          'The API answered 5xx: an unexpected error or an unavailable dependency (see the function logs)',
      },
    );
    // API latency.
    const p99 = props.api.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' });
    this.alarm('ApiLatencyP99Alarm', p99, {
      threshold: t.apiP99LatencyMs,
      evaluationPeriods: 3,
      description: `API p99 latency above ${t.apiP99LatencyMs} ms for 15 minutes`,
    });

    // The event path.
    const { relay, fanOutQueue, deliveryQueue } = props.events;
    const iteratorAge = relay.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' });
    this.alarm('RelayIteratorAgeAlarm', iteratorAge, {
      threshold: t.relayIteratorAgeMs,
      evaluationPeriods: 3,
      description:
        'The outbox relay is behind the table stream: events are late (stream records expire after 24 h)',
    });
    for (const [name, queue, seconds] of [
      ['FanOutQueueAgeAlarm', fanOutQueue, t.fanOutQueueAgeSeconds],
      ['DeliveryQueueAgeAlarm', deliveryQueue, t.deliveryQueueAgeSeconds],
    ] as const) {
      this.alarm(
        name,
        queue.metricApproximateAgeOfOldestMessage({ period: FIVE_MINUTES, statistic: 'Maximum' }),
        { threshold: seconds, description: `${queue.node.id}: oldest message older than ${seconds} s` },
      );
    }

    // SMS: provider failure rate, spend, and guessing.
    const sent = this.metric('SmsSent', 'Sum', Duration.minutes(15));
    const failed = this.metric('SmsProviderFailures', 'Sum', Duration.minutes(15));
    const failureRate = new cloudwatch.MathExpression({
      expression: `IF((s + f) >= ${t.smsFailureMinimumAttempts}, 100 * f / (s + f), 0)`,
      usingMetrics: { s: sent, f: failed },
      period: Duration.minutes(15),
      label: 'SMS provider failure rate (%)',
    });
    this.alarm('SmsFailureRateAlarm', failureRate, {
      threshold: t.smsFailureRatePercent,
      description: `More than ${t.smsFailureRatePercent}% of SMS refused by the provider (spend limit, sandbox, country, throttling)`,
    });
    const budget = props.smsMonthlyBudgetUsd ?? 1;
    const spend = new cloudwatch.Metric({
      namespace: 'AWS/SNS',
      metricName: 'SMSMonthToDateSpentUSD',
      period: FIVE_MINUTES,
      statistic: 'Maximum',
    });
    this.alarm('SmsSpendAlarm', spend, {
      threshold: (budget * t.smsSpendPercentOfBudget) / 100,
      description: `SMS month-to-date spend above ${t.smsSpendPercentOfBudget}% of the USD ${budget} budget; SNS stops sending at the account spend limit`,
    });
    const wrong = this.metric('CodeChecks', 'Sum', FIVE_MINUTES, { Outcome: 'wrong' });
    this.alarm('WrongCodeChecksAlarm', wrong, {
      threshold: t.wrongCodeChecksPer5Minutes,
      description: 'A spike of wrong one-time codes: possibly a guessing attack (see the code-check widgets)',
    });
    // The fraud guard (shared/fraud-guard/, docs/fraud-guard.md): each block, the global cap, a client's cap.
    this.alarm('SmsPrefixBlockedAlarm', this.metric('SmsPrefixBlocks', 'Sum', FIVE_MINUTES), {
      threshold: 1,
      description:
        'The fraud guard blocked a destination prefix for suspected SMS pumping (event SMS_PREFIX_BLOCKED names it)',
    });
    this.alarm('SmsGlobalCapAlarm', this.metric('SmsGlobalCapHits', 'Sum', FIVE_MINUTES), {
      threshold: 1,
      description: 'The global hourly SMS cap is reached: every new code SMS is refused until the hour ends',
    });
    this.alarm('SmsClientCapAlarm', this.metric('SmsClientCapHits', 'Sum', FIVE_MINUTES), {
      threshold: 1,
      description: 'A partner client reached its hourly or daily SMS cap: its further code SMS are refused',
    });

    this.dashboard = this.buildDashboard(props, { sent, failed, spend, iteratorAge });
  }

  /** A business metric of this stack: the Service rollup, or one of its breakdowns. */
  private metric(name: string, statistic: string, period: Duration, dimensions: Record<string, string> = {}) {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: { Service: this.service, ...dimensions },
      statistic,
      period,
    });
  }

  /** Every breakdown of a metric over the given dimension keys, found by SEARCH (new templates or countries appear). */
  private search(name: string, keys: string[], statistic: string, label: string) {
    return new cloudwatch.MathExpression({
      expression: `SEARCH('{${METRICS_NAMESPACE},Service,${keys.join(',')}} MetricName="${name}" Service="${this.service}"', '${statistic}', 300)`,
      usingMetrics: {},
      label,
      period: FIVE_MINUTES,
    });
  }

  private alarm(
    id: string,
    metric: cloudwatch.IMetric,
    options: { threshold: number; description: string; evaluationPeriods?: number; anchor?: string },
  ) {
    const alarm = operatorAlarm(this, id, metric, this.topic, options);
    this.alarms.push(alarm);
    return alarm;
  }

  private buildDashboard(
    props: ObservabilityProps,
    m: {
      sent: cloudwatch.IMetric;
      failed: cloudwatch.IMetric;
      spend: cloudwatch.IMetric;
      iteratorAge: cloudwatch.IMetric;
    },
  ) {
    const { api, events } = props;
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: dashboardNameOf(this.service),
      defaultInterval: Duration.hours(6),
    });
    const codeCheck = (outcome: string) =>
      this.metric('CodeChecks', 'Sum', FIVE_MINUTES, { Outcome: outcome });
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# ${this.service}\nRunbook: docs/operations.md. Business metrics: namespace ${METRICS_NAMESPACE}, Service=${this.service}.`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API requests and errors',
        left: [api.metricCount({ period: FIVE_MINUTES })],
        right: [
          api.metricClientError({ period: FIVE_MINUTES }),
          api.metricServerError({ period: FIVE_MINUTES }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'API latency (ms)',
        left: [
          api.metricLatency({ period: FIVE_MINUTES, statistic: 'p50' }),
          api.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' }),
        ],
        width: 8,
      }),
      new cloudwatch.LogQueryWidget({
        title: 'By route: requests, 4xx, 5xx, p99 latency (access logs)',
        logGroupNames: [props.accessLogs.logGroupName],
        queryLines: [
          'fields routeKey, responseLatency, status >= 400 and status < 500 as clientError, status >= 500 as serverError',
          'stats count(*) as requests, sum(clientError) as client_errors, sum(serverError) as server_errors, pct(responseLatency, 99) as p99_ms by routeKey',
          'sort requests desc',
        ],
        width: 8,
        height: 6,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'SMS sent by template and country',
        left: [this.search('SmsSent', ['Template', 'Country'], 'Sum', 'sent')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'SMS provider failures and refusals',
        left: [m.failed, this.search('SmsRefused', ['Reason', 'Country'], 'Sum', 'refused')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'SMS month-to-date spend (USD)',
        left: [m.spend],
        leftAnnotations: [{ value: props.smsMonthlyBudgetUsd ?? 1, label: 'monthly budget' }],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Code-check success rate (%)',
        left: [
          new cloudwatch.MathExpression({
            expression: '100 * r / (r + w + e + b)',
            usingMetrics: {
              r: codeCheck('right'),
              w: codeCheck('wrong'),
              e: codeCheck('expired'),
              b: codeCheck('burnt'),
            },
            label: 'right / all checks',
            period: FIVE_MINUTES,
          }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Code checks by outcome, budget hits',
        left: [this.search('CodeChecks', ['Outcome'], 'Sum', 'checks')],
        right: [this.metric('CodeCheckBudgetHits', 'Sum', FIVE_MINUTES)],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Devices, signatures, change requests',
        left: [
          this.metric('DeviceBindings', 'Sum', FIVE_MINUTES),
          this.search('Signatures', ['Outcome'], 'Sum', 'signatures'),
          this.search('ChangeRequests', ['Outcome'], 'Sum', 'change requests'),
        ],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Webhook deliveries by outcome',
        left: [this.search('WebhookDeliveries', ['Outcome'], 'Sum', 'deliveries')],
        right: [
          this.metric('WebhookDeliveryLatency', 'p99', FIVE_MINUTES, { Outcome: 'delivered' }).with({
            label: 'delivered p99 ms',
          }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Queue depths',
        left: [
          events.fanOutQueue,
          events.deliveryQueue,
          events.relayFailures,
          events.fanOutDeadLetters,
          events.deliveryDeadLetters,
        ].map((queue) =>
          queue
            .metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' })
            .with({ label: queue.node.id }),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Relay: iterator age and event lag (ms)',
        left: [m.iteratorAge, this.metric('RelayLag', 'Maximum', FIVE_MINUTES)],
        width: 8,
      }),
    );
    return dashboard;
  }
}
