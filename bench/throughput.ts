/**
 * 4. Local throughput: the verification flow (create -> authorize -> confirm with the OTP from the outbox) against the
 * local server on DynamoDB Local, by a small fetch-based load client at several concurrencies.
 */
import { startLocalService } from '../shared/local/local-service.ts';
import { benchDynamo } from './environment.ts';
import { fixed, percentile, type Report } from './report.ts';
import { uniqueNumber, uniquePerson } from './scenario.ts';

/** A fixed number of flows per level, sized so each level takes seconds, not minutes, on this machine. */
const LEVELS = [
  { concurrency: 1, flows: 30 },
  { concurrency: 8, flows: 120 },
  { concurrency: 32, flows: 240 },
];

export interface ThroughputLevel {
  concurrency: number;
  flows: number;
  failed: number;
  seconds: number;
  flowP50: number;
  flowP99: number;
  /** Time inside DynamoDB round trips (client middleware) over time inside API requests (client side). */
  dynamoShare: number;
}

export async function measureThroughput(): Promise<ThroughputLevel[]> {
  const tableName = 'bench-throughput';
  const dynamoEndpoint = await benchDynamo(tableName);
  const service = await startLocalService({ dynamoEndpoint, tableName, events: false });
  let dynamoMs = 0;
  service.db.middlewareStack.add(
    (next) => async (args) => {
      const started = performance.now();
      try {
        return await next(args);
      } finally {
        dynamoMs += performance.now() - started;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'benchDynamoTime' },
  );
  const authorization = `Bearer ${await service.issuer.mint({ kind: 'partner' }, { expiresIn: 3600 })}`;
  let requestMs = 0;
  const post = async (path: string, body: unknown) => {
    const started = performance.now();
    const response = await fetch(`${service.url}${path}`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    requestMs += performance.now() - started;
    if (response.status !== 201) throw new Error(`${path}: ${response.status}`);
  };
  const otpOf = (number: string) => {
    const entries = service.outbox.entries;
    for (let i = entries.length - 1; i >= 0; i--) {
      if (entries[i]!.to === number) return /\b(\d{6})\b/.exec(entries[i]!.text)![1]!;
    }
    throw new Error(`no OTP SMS to ${number}`);
  };
  const flow = async () => {
    const path = `/v1/persons/${uniquePerson()}/mobile_number`;
    const number = uniqueNumber();
    await post(path, { number });
    await post(`${path}/authorize`, { number });
    await post(`${path}/confirm`, { number, token: otpOf(number) });
  };
  try {
    for (let i = 0; i < 5; i++) await flow(); // warm-up: handler modules loaded, connections open
    const levels: ThroughputLevel[] = [];
    for (const level of LEVELS) {
      dynamoMs = 0;
      requestMs = 0;
      const latencies: number[] = [];
      let failed = 0;
      let started = 0;
      const begin = performance.now();
      const worker = async () => {
        while (started < level.flows) {
          started++;
          const t0 = performance.now();
          try {
            await flow();
            latencies.push(performance.now() - t0);
          } catch {
            failed++;
          }
        }
      };
      await Promise.all(Array.from({ length: level.concurrency }, worker));
      levels.push({
        concurrency: level.concurrency,
        flows: latencies.length,
        failed,
        seconds: (performance.now() - begin) / 1000,
        flowP50: percentile(latencies, 50),
        flowP99: percentile(latencies, 99),
        dynamoShare: requestMs > 0 ? dynamoMs / requestMs : Number.NaN,
      });
    }
    return levels;
  } finally {
    await service.close();
  }
}

export function printThroughput(report: Report, levels: ThroughputLevel[]): void {
  report.heading('4. Local throughput: create -> authorize -> confirm through the local server');
  report.line(
    'One Node process serves every route on DynamoDB Local (Java) on the same 2 cores as the load client;',
  );
  report.line('a flow is 3 requests plus reading the OTP from the outbox. Fixed flow count per level.');
  report.line(
    'DynamoDB share = time inside DynamoDB round trips (SDK middleware, after retries) / time of the API',
  );
  report.line('requests (client side), both summed over all requests of the level.');
  report.line();
  report.table(
    ['concurrency', 'flows', 'failed', 'seconds', 'flows/s', 'flow p50 ms', 'flow p99 ms', 'DynamoDB share'],
    levels.map((l) => [
      String(l.concurrency),
      String(l.flows),
      String(l.failed),
      fixed(l.seconds, 1),
      fixed(l.flows / l.seconds, 1),
      fixed(l.flowP50, 1),
      fixed(l.flowP99, 1),
      `${fixed(l.dynamoShare * 100, 0)}%`,
    ]),
  );
}
