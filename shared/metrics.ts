/**
 * The service's business metrics as CloudWatch embedded metric format (EMF): one JSON document per data point,
 * written to standard output, from which CloudWatch Logs extracts the metric. No API call, no permission beyond the
 * log group the function already writes to, and nothing to flush: a function that times out loses no earlier point.
 *
 * EMF must be the log event itself. Under Lambda's JSON log format a `console.log` argument ends up nested in a
 * `message` field, so the documents go to `process.stdout.write` directly, as the EMF client libraries (4.1.1 and
 * later) and Powertools Metrics do. Namespace `PhoneSecurity`; every point carries the `Service` dimension (the
 * stack name, from METRICS_SERVICE) alone and, where it has any, with its own dimensions, so alarms can watch the
 * total and the dashboard the breakdown. Set METRICS_DISABLED=true (npm start, the benchmark) to write nothing.
 *
 * The calls in use cases are one line each (`metrics.codeCheck('wrong')`), so they move with the code they count.
 */
import { currentInvocation } from './logging.ts';
import { envValue } from './settings.ts';

export const METRICS_NAMESPACE = 'PhoneSecurity';

type Unit = 'Count' | 'Milliseconds' | 'Seconds';

export type CodeCheckOutcome = 'right' | 'wrong' | 'expired' | 'burnt';
export type SmsRefusal = 'quota' | 'country' | 'prefix_blocked' | 'client_cap' | 'global_cap';
export type ChangeRequestOutcome = 'opened' | 'authorized' | 'completed' | 'wrong' | 'failed' | 'expired';
export type PaymentAuthorizationOutcome = 'created' | 'completed' | 'wrong' | 'failed' | 'expired';
/** What became of one webhook delivery attempt (the metrics name them; shared/webhooks/delivery.ts decides them). */
export type WebhookOutcome =
  | 'delivered'
  | 'subscription_cancelled'
  | 'rejected'
  | 'retry_scheduled'
  | 'dead_lettered'
  | 'subscription_gone';

/** Where EMF documents go: standard output, or a test's collector. */
export type MetricSink = (document: string) => void;

const stdoutSink: MetricSink = (document) => {
  process.stdout.write(`${document}\n`);
};
let sink: MetricSink = stdoutSink;

/** Tests collect the documents instead of printing them; call with no argument to restore standard output. */
export function useMetricSink(next?: MetricSink): void {
  sink = next ?? stdoutSink;
}

/** One EMF document for one data point (exported for tests that check the format against the specification). */
export function emfDocument(
  name: string,
  value: number,
  unit: Unit,
  dimensions: Record<string, string>,
  timestamp = Date.now(),
): Record<string, unknown> {
  const service = envValue('METRICS_SERVICE')!;
  const keys = Object.keys(dimensions);
  const invocation = currentInvocation();
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: keys.length > 0 ? [['Service'], ['Service', ...keys]] : [['Service']],
          Metrics: [{ Name: name, Unit: unit }],
        },
      ],
    },
    Service: service,
    ...dimensions,
    [name]: value,
    // Not dimensions: searchable properties that tie the point to its log lines.
    ...(invocation ? { operation: invocation.operation, correlation_id: invocation.correlationId } : {}),
  };
}

function put(name: string, value: number, unit: Unit, dimensions: Record<string, string> = {}): void {
  if (envValue('METRICS_DISABLED') === 'true') return;
  sink(JSON.stringify(emfDocument(name, value, unit, dimensions)));
}

export const metrics = {
  /** An SMS handed to the provider. */
  smsSent: (template: string, country: string) =>
    put('SmsSent', 1, 'Count', { Template: template, Country: country }),
  /** An SMS the service refused to send, before any cost. */
  smsRefused: (reason: SmsRefusal, country: string) =>
    put('SmsRefused', 1, 'Count', { Reason: reason, Country: country }),
  /** The fraud guard blocked a destination prefix (one point per block, not per refused SMS). */
  smsPrefixBlocked: (country: string) => put('SmsPrefixBlocks', 1, 'Count', { Country: country }),
  /** A code SMS refused by a cap: a partner client's (or the end-user API's) own, or the service-wide hourly one. */
  smsCapHit: (cap: 'client' | 'global') =>
    put(cap === 'global' ? 'SmsGlobalCapHits' : 'SmsClientCapHits', 1, 'Count'),
  /** The SMS provider refused or failed to take an SMS. */
  smsProviderFailure: (country: string) => put('SmsProviderFailures', 1, 'Count', { Country: country }),
  /** A one-time code (OTP, TAN, removal code) checked, by outcome. */
  codeCheck: (outcome: CodeCheckOutcome) => put('CodeChecks', 1, 'Count', { Outcome: outcome }),
  /** A check refused because the person's daily code-check budget is spent. */
  codeCheckBudgetHit: () => put('CodeCheckBudgetHits', 1, 'Count'),
  /** A device bound (its binding signature verified). */
  deviceBound: () => put('DeviceBindings', 1, 'Count'),
  /** A device signature checked (binding, device challenge, new key). */
  signature: (valid: boolean) => put('Signatures', 1, 'Count', { Outcome: valid ? 'right' : 'wrong' }),
  changeRequest: (outcome: ChangeRequestOutcome) => put('ChangeRequests', 1, 'Count', { Outcome: outcome }),
  /** One step of a payment authorization, by outcome. */
  paymentAuthorization: (outcome: PaymentAuthorizationOutcome) =>
    put('PaymentAuthorizations', 1, 'Count', { Outcome: outcome }),
  /** One delivery attempt to a subscriber, with its duration. */
  webhookDelivery: (outcome: WebhookOutcome, latencyMs: number) => {
    put('WebhookDeliveries', 1, 'Count', { Outcome: outcome });
    put('WebhookDeliveryLatency', latencyMs, 'Milliseconds', { Outcome: outcome });
  },
  /** Outbox event time to the moment the relay published it. */
  relayLag: (lagMs: number) => put('RelayLag', lagMs, 'Milliseconds'),
};
