/**
 * 5. Cost model: what one successful verification (create + authorize + confirm) and one device binding
 * (create-device + the signature answer, docs/device-binding.md) cost on AWS in us-east-1, SMS excluded, from the
 * round trips and capacity units measured in section 2, the stack's memory setting and the local request times.
 */
import { FUNCTION_ARCHITECTURE, FUNCTION_MEMORY_MB } from '../lib/service-function.ts';
import { fixed, type Report } from './report.ts';
import type { RoundTripRun, StepMeasure } from './round-trips.ts';

interface Price {
  usd: number;
  unit: string;
  source: string;
}

/** When the stored pages below were looked up (this machine's date at the time of writing the model). */
export const PRICES_LOOKED_UP = '2026-11-22';

/** AWS list prices, us-east-1. `source` names the stored page each figure came from. */
export const PRICES = {
  apiRequest: {
    usd: 1.0 / 1e6,
    unit: 'HTTP API request (<= 512 KB, first 300M/month)',
    source:
      'docs.aws.amazon.com, whitepaper "Best Practices for Designing Amazon API Gateway Private APIs and Private Integration", Cost optimization, Table 4 (undated copy)',
  },
  lambdaRequest: {
    usd: 0.2 / 1e6,
    unit: 'Lambda request',
    source:
      'git.mcrn.ar lambda_local_runner docs/lambdas-md/lambda-13-cost.md (undated); cloudchipr.com/blog/aws-lambda-pricing (2024)',
  },
  lambdaGbSecond: {
    usd: 0.0000133334,
    unit: 'GB-second, arm64 (first 7.5 billion GB-s/month)',
    source:
      'cloudchipr.com/blog/aws-lambda-pricing "AWS Lambda Pricing Breakdown: Ultimate Guide 2024" (us-east-1); same figure in lambda-13-cost.md',
  },
  writeUnit: {
    usd: 0.625 / 1e6,
    unit: 'DynamoDB on-demand write request unit',
    source:
      'airbyte.com/data-engineering-resources/dynamodb-pricing (undated; US East). That these are the rates after the Nov 2024 on-demand price cut is from memory',
  },
  readUnit: {
    usd: 0.125 / 1e6,
    unit: 'DynamoDB on-demand read request unit',
    source: 'airbyte.com/data-engineering-resources/dynamodb-pricing (as above)',
  },
  customEvent: {
    usd: 1.0 / 1e6,
    unit: 'EventBridge custom event (64 KB chunk) put on a bus',
    source: 'cloudburn.io/blog/amazon-eventbridge-pricing (March 2026, us-east-1)',
  },
  sqsRequest: {
    usd: 0.4 / 1e6,
    unit: 'SQS standard request (64 KB chunk)',
    source: 'cloudburn.io/blog/amazon-sqs-pricing (March 2026, us-east-1)',
  },
  logGb: {
    usd: 0.5,
    unit: 'GB (10^9 bytes) ingested, CloudWatch Logs standard (first tier of Lambda logs)',
    source: 'duckbillgroup.com post on the May 2025 Lambda log pricing change ($0.50/GB standard, us-east-1)',
  },
  trace: {
    usd: 5.0 / 1e6,
    unit: 'X-Ray trace recorded (after 100,000 free/month)',
    source: 'aws.amazon.com/de/xray/pricing (stored copy, undated)',
  },
  kmsRequest: {
    usd: 0.03 / 10_000,
    unit: 'KMS request',
    source:
      'cloudburn.io/blog/aws-kms-pricing (March 2026; $1/month per customer-managed key); aws.amazon.com/kms/pricing',
  },
  secretsCall: {
    usd: 0.05 / 10_000,
    unit: 'Secrets Manager API call',
    source: 'hivebook.wiki/wiki/aws-secrets-manager-rotated-secrets-dynamic-db-credentials-kms (undated)',
  },
} satisfies Record<string, Price>;

/** Assumptions the local measurements cannot give; each is printed where it is used. */
const ASSUMED = {
  /** Lambda's START/END/REPORT lines in the JSON log format, per invocation (REPORT carries the X-Ray ids). */
  platformLogBytes: 700,
  /** One API access log line (the stage's default format in CDK, a request id, ip, time, route, status, sizes). */
  accessLogBytes: 250,
  /** Default X-Ray sampling: the first request each second, then 5%: at volume, about 5% of invocations. */
  sampledShare: 0.05,
  /** The relay's PutEvents round trip and the fan-out's Query: warm invocations of this length, in ms. */
  relayMs: 50,
  fanOutMs: 30,
  /** Fan-out's Query of the (empty) subscription list: as the list-webhooks Query measured, eventually consistent. */
  fanOutReadUnits: 0.5,
  /** SQS requests per event on the fan-out queue: EventBridge's send, the poller's receive and delete. */
  sqsPerEvent: 3,
};

interface Line {
  item: string;
  units: number;
  unitName: string;
  price: Price;
}

function flowLines(steps: StepMeasure[]): { lines: Line[]; notes: string[] } {
  const gb = FUNCTION_MEMORY_MB / 1024;
  const lines: Line[] = [];
  const requests = steps.length;
  lines.push({
    item: 'API Gateway HTTP API',
    units: requests,
    unitName: 'requests',
    price: PRICES.apiRequest,
  });
  lines.push({
    item: 'Lambda requests',
    units: requests,
    unitName: 'invocations',
    price: PRICES.lambdaRequest,
  });
  for (const step of steps) {
    const billedMs = Math.ceil(step.requestMs);
    lines.push({
      item: `Lambda duration ${step.operation} (${billedMs} ms x ${gb} GB)`,
      units: (billedMs / 1000) * gb,
      unitName: 'GB-s',
      price: PRICES.lambdaGbSecond,
    });
  }
  const read = steps.reduce((sum, s) => sum + s.readUnits, 0);
  const write = steps.reduce((sum, s) => sum + s.writeUnits, 0);
  lines.push({ item: 'DynamoDB reads', units: read, unitName: 'RRU', price: PRICES.readUnit });
  lines.push({
    item: 'DynamoDB writes (transactional items count 2x)',
    units: write,
    unitName: 'WRU',
    price: PRICES.writeUnit,
  });
  const events = steps.reduce((sum, s) => sum + s.requests.reduce((n, r) => n + r.outboxPuts, 0), 0);
  if (events > 0) {
    lines.push({
      item: 'relay Lambda requests (1 per event, upper bound)',
      units: events,
      unitName: 'invocations',
      price: PRICES.lambdaRequest,
    });
    lines.push({
      item: `relay Lambda duration (${ASSUMED.relayMs} ms assumed x ${gb} GB)`,
      units: events * (ASSUMED.relayMs / 1000) * gb,
      unitName: 'GB-s',
      price: PRICES.lambdaGbSecond,
    });
    lines.push({
      item: 'EventBridge PutEvents by the relay',
      units: events,
      unitName: 'events',
      price: PRICES.customEvent,
    });
    lines.push({
      item: `SQS fan-out queue (${ASSUMED.sqsPerEvent} requests per event)`,
      units: events * ASSUMED.sqsPerEvent,
      unitName: 'requests',
      price: PRICES.sqsRequest,
    });
    lines.push({
      item: 'fan-out Lambda requests (1 per event, upper bound)',
      units: events,
      unitName: 'invocations',
      price: PRICES.lambdaRequest,
    });
    lines.push({
      item: `fan-out Lambda duration (${ASSUMED.fanOutMs} ms assumed x ${gb} GB)`,
      units: events * (ASSUMED.fanOutMs / 1000) * gb,
      unitName: 'GB-s',
      price: PRICES.lambdaGbSecond,
    });
    lines.push({
      item: 'fan-out Query of the subscriptions',
      units: events * ASSUMED.fanOutReadUnits,
      unitName: 'RRU',
      price: PRICES.readUnit,
    });
  }
  const invocations = requests + 2 * events;
  const appLogBytes = steps.reduce((sum, s) => sum + s.logBytes, 0);
  const logBytes = appLogBytes + invocations * ASSUMED.platformLogBytes + requests * ASSUMED.accessLogBytes;
  lines.push({
    item: 'CloudWatch Logs ingestion',
    units: logBytes / 1e9,
    unitName: 'GB',
    price: PRICES.logGb,
  });
  lines.push({
    item: `X-Ray traces (${ASSUMED.sampledShare * 100}% of ${invocations} invocations sampled)`,
    units: invocations * ASSUMED.sampledShare,
    unitName: 'traces',
    price: PRICES.trace,
  });
  const notes = [
    `requests: ${steps.map((s) => `${s.operation} (${s.requests.length} round trips, ${fixed(s.readUnits, 1)} RRU, ${fixed(s.writeUnits, 1)} WRU, ${s.requests.reduce((n, r) => n + r.bytes, 0)} request bytes to DynamoDB, ${fixed(s.requestMs, 1)} ms locally)`).join('; ')}`,
    `outbox events written: ${events}`,
    `logs: ${appLogBytes} bytes logged by the handlers (measured) + ${invocations} x ${ASSUMED.platformLogBytes} bytes Lambda platform lines (assumed) + ${requests} x ${ASSUMED.accessLogBytes} bytes API access log lines (assumed) = ${logBytes} bytes`,
  ];
  return { lines, notes };
}

const usd = (value: number) =>
  value === 0 ? '$0' : value >= 0.01 ? `$${value.toFixed(4)}` : `$${value.toExponential(3)}`;

function printFlow(report: Report, title: string, steps: StepMeasure[]): void {
  report.line();
  report.line(`${title}`);
  const { lines, notes } = flowLines(steps);
  for (const note of notes) report.line(`  ${note}`);
  let total = 0;
  report.table(
    ['item', 'units', 'price', 'cost per flow', 'per million flows'],
    lines.map((line) => {
      const cost = line.units * line.price.usd;
      total += cost;
      return [
        line.item,
        `${Number(line.units.toPrecision(6))} ${line.unitName}`,
        `x $${Number(line.price.usd.toPrecision(6))}`,
        `= ${usd(cost)}`,
        `$${(cost * 1e6).toFixed(4)}`,
      ];
    }),
  );
  report.line(
    `  total: ${usd(total)} per flow, $${(total * 1e6).toFixed(2)} per million flows (SMS excluded)`,
  );
}

export function printCost(report: Report, run: RoundTripRun): void {
  report.heading('5. Cost model (us-east-1 list prices, SMS excluded)');
  const arch = String(FUNCTION_ARCHITECTURE.name);
  report.line(
    `Lambda: ${FUNCTION_MEMORY_MB} MB, ${arch} (lib/service-function.ts). Duration per request ASSUMED = the local request time of`,
  );
  report.line(
    'section 2 (warm, sequential, gateway and DynamoDB Local included), rounded up to 1 ms: an upper bound for a',
  );
  report.line(
    'warm invocation on AWS, where DynamoDB answers in single-digit ms. Cold starts (and the INIT phase, which',
  );
  report.line('AWS bills since August 2025, from memory) are not included.');
  report.line(
    'DynamoDB units: per request, the larger of what DynamoDB Local reports (ReturnConsumedCapacity=TOTAL) and the',
  );
  report.line(
    'pricing rule applied to the request (reads 1 per item up to 4 KB, 0.5 eventually consistent; writes 1 per',
  );
  report.line('item up to 1 KB; every transaction item 2, ConditionCheck included as an upper bound).');
  const byLabel = new Map(run.steps.map((s) => [s.label, s]));
  const pick = (labels: string[]) =>
    labels.map((label) => byLabel.get(label)).filter((s): s is StepMeasure => !!s);
  printFlow(
    report,
    'One successful verification: create-mobile-number + authorize-mobile-number + confirm-mobile-number',
    pick(['create-mobile-number', 'authorize-mobile-number', 'confirm-mobile-number']),
  );
  printFlow(
    report,
    'One device binding: create-device (SMS OTP) + verify-signature-challenge (signed OTP)',
    pick(['create-device', 'verify-signature-challenge']),
  );
  report.line();
  report.line('Per request, not per flow (so not in the totals):');
  report.line(
    `  KMS (customer-managed table key): DynamoDB caches the table key and calls KMS when refreshing it, not per request: ~$0 per request (${usd(PRICES.kmsRequest.usd)} per KMS request, plus $1/month per key).`,
  );
  report.line(
    `  Secrets Manager: the OTP pepper (and webhook key) is read once per cold start and cached: ${usd(PRICES.secretsCall.usd)} per cold start.`,
  );
  report.line(
    "  DynamoDB Streams reads by the relay's event source mapping are free; data transfer out (responses < 1 KB) is left out.",
  );
  report.line(
    '  X-Ray tracing is active on every function (Tracing.ACTIVE); the share sampled is an assumption (default rule).',
  );
  report.line(
    '  Webhook subscribers: each subscriber to an event type adds a delivery (SQS message, delivery Lambda, one',
  );
  report.line('  GetItem, the POST); the totals assume no subscribers.');
  report.line();
  report.line(`Prices (looked up ${PRICES_LOOKED_UP} in stored copies of public pages):`);
  for (const price of Object.values(PRICES))
    report.line(`  $${Number(price.usd.toPrecision(6))} per ${price.unit}: ${price.source}`);
}
