/**
 * DynamoDB round trips per request: the scenario over HTTP through the local server, with a middleware on the
 * service's DynamoDB client that sees every network request (after the SDK's retry middleware, so retries count).
 */
import { type LocalService, startLocalService } from '../shared/local/local-service.ts';
import type { DocumentClient } from '../shared/storage/dynamo.ts';
import { benchDynamo, startReceiver } from './environment.ts';
import { fixed, passMiss, type Report } from './report.ts';
import {
  BUDGETED_LABELS,
  PASSKEY_ORIGIN,
  ROUND_TRIP_BUDGET,
  runScenario,
  type Step,
  type StepResult,
  type Transport,
} from './scenario.ts';

export interface DbRequest {
  command: string;
  ms: number;
  /** Bytes of the JSON request body sent to DynamoDB. */
  bytes: number;
  /** Outbox items (events) this request writes. */
  outboxPuts: number;
  /** Capacity units by DynamoDB's pricing rules, from the request alone (see `unitsByRule`). */
  ruleReadUnits: number;
  ruleWriteUnits: number;
}

/**
 * Capacity units by the pricing rules, from the request: a strongly consistent read of an item up to 4 KB is 1 read
 * unit (0.5 eventually consistent); a write of up to 1 KB is 1 write unit; every item of a TransactWriteItems is 2
 * write units, a ConditionCheck counted like a write (an upper bound). Every item here is under 1 KB (the largest
 * request body of the scenario is under 4 KB for five items). Queries answer with what DynamoDB Local reports.
 * DynamoDB Local under-reports transactions (a five-item transaction reports 2 units), so a request counts the
 * larger of the two.
 */
function unitsByRule(name: string, body: string): { read: number; write: number } {
  let input: Record<string, unknown> = {};
  try {
    input = JSON.parse(body) as Record<string, unknown>;
  } catch {}
  const consistentUnit = (consistent: unknown) => (consistent === true ? 1 : 0.5);
  switch (name) {
    case 'GetItem':
      return { read: consistentUnit(input.ConsistentRead), write: 0 };
    case 'BatchGetItem': {
      const tables = Object.values((input.RequestItems ?? {}) as Record<string, Record<string, unknown>>);
      const read = tables.reduce(
        (sum, t) => sum + ((t.Keys as unknown[] | undefined)?.length ?? 0) * consistentUnit(t.ConsistentRead),
        0,
      );
      return { read, write: 0 };
    }
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return { read: 0, write: 1 };
    case 'TransactWriteItems':
      return { read: 0, write: 2 * ((input.TransactItems as unknown[] | undefined)?.length ?? 0) };
    default:
      return { read: 0, write: 0 };
  }
}

/** What one API request cost in DynamoDB terms. */
export interface StepMeasure {
  label: string;
  operation: string;
  status: number;
  expected: boolean;
  requests: DbRequest[];
  /** Capacity units DynamoDB Local reports (ReturnConsumedCapacity=TOTAL), split into reads and writes. */
  readUnits: number;
  writeUnits: number;
  /** Wall time of the HTTP request, client side. */
  requestMs: number;
  /** Bytes the function logged (the service's own JSON lines; Lambda's platform lines are not included). */
  logBytes: number;
}

const READS = new Set(['GetItem', 'Query', 'BatchGetItem', 'Scan', 'TransactGetItems']);

/** Command name, with the item kinds of a transaction: `TransactWriteItems[Put,Update,ConditionCheck]`. */
export function describeCommand(commandName: string, body: string): string {
  const name = commandName.replace(/Command$/, '');
  if (name !== 'TransactWriteItems') return name;
  try {
    const items = (JSON.parse(body) as { TransactItems?: Record<string, unknown>[] }).TransactItems ?? [];
    return `${name}[${items.map((item) => Object.keys(item)[0]).join(',')}]`;
  } catch {
    return name;
  }
}

/** Collects DynamoDB requests for whichever step is under way (steps run one at a time). */
export class DbMeter {
  current: { requests: DbRequest[]; readUnits: number; writeUnits: number } | undefined;
  /** Requests made while no step was under way (none expected: the event relay is off). */
  unattributed = 0;

  constructor(db: DocumentClient, options: { capacity: boolean }) {
    db.middlewareStack.add(
      (next, context) => async (args) => {
        const started = performance.now();
        try {
          return await next(args);
        } finally {
          const raw = (args.request as { body?: unknown }).body;
          const body =
            typeof raw === 'string'
              ? raw
              : raw instanceof Uint8Array
                ? // Not Buffer.from(raw): the SDK's body type warns when its string methods are used.
                  Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8')
                : '';
          const rule = unitsByRule((context.commandName ?? '').replace(/Command$/, ''), body);
          const request: DbRequest = {
            command: describeCommand(context.commandName ?? 'Unknown', body),
            ms: performance.now() - started,
            bytes: Buffer.byteLength(body),
            outboxPuts: body.match(/"S":"OUTBOX#/g)?.length ?? 0,
            ruleReadUnits: rule.read,
            ruleWriteUnits: rule.write,
          };
          if (this.current) this.current.requests.push(request);
          else this.unattributed++;
        }
      },
      // After the retry middleware (finalizeRequest, high priority): every attempt on the wire passes here.
      { step: 'finalizeRequest', priority: 'low', name: 'benchRoundTripMeter' },
    );
    if (!options.capacity) return;
    db.middlewareStack.add(
      (next, context) => async (args) => {
        (args.input as Record<string, unknown>).ReturnConsumedCapacity ??= 'TOTAL';
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        const units = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []).reduce(
          (sum: number, c: { CapacityUnits?: number }) => sum + (c.CapacityUnits ?? 0),
          0,
        );
        if (this.current) {
          const command = (context.commandName ?? '').replace(/Command$/, '');
          if (READS.has(command)) this.current.readUnits += units;
          else this.current.writeUnits += units;
        }
        return result;
      },
      { step: 'initialize', priority: 'high', name: 'benchConsumedCapacity' },
    );
  }
}

/** The scenario's transport over HTTP: tokens from the service's development issuer, SMS from its outbox. */
function httpTransport(
  service: LocalService,
  meter: DbMeter,
  logs: { bytes: number },
  measures: StepMeasure[],
): Transport {
  const tokens = new Map<string, string>();
  return {
    sms: () => service.outbox.entries,
    async send(step: Step) {
      const key = typeof step.auth === 'string' ? step.auth : `user:${step.auth.user}`;
      let token = tokens.get(key);
      if (!token) {
        token = await service.issuer.mint(
          typeof step.auth === 'string' ? { kind: step.auth } : { kind: 'user', personId: step.auth.user },
        );
        tokens.set(key, token);
      }
      const current = { requests: [], readUnits: 0, writeUnits: 0 };
      meter.current = current;
      logs.bytes = 0;
      const started = performance.now();
      try {
        const response = await fetch(`${service.url}${step.url}`, {
          method: step.method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(step.body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          ...(step.body !== undefined ? { body: JSON.stringify(step.body) } : {}),
        });
        const text = await response.text();
        measures.push({
          label: step.label,
          operation: step.operation,
          status: response.status,
          expected: true,
          requests: current.requests,
          readUnits: Math.max(
            current.readUnits,
            current.requests.reduce((n: number, r: DbRequest) => n + r.ruleReadUnits, 0),
          ),
          writeUnits: Math.max(
            current.writeUnits,
            current.requests.reduce((n: number, r: DbRequest) => n + r.ruleWriteUnits, 0),
          ),
          requestMs: performance.now() - started,
          logBytes: logs.bytes,
        });
        return { status: response.status, body: text ? JSON.parse(text) : undefined };
      } finally {
        meter.current = undefined;
      }
    },
  };
}

export interface RoundTripRun {
  steps: StepMeasure[];
  unattributed: number;
}

/**
 * Runs the scenario twice on a fresh table: the first pass loads every handler module (the local server imports
 * them on first use); the second is the one reported, so request times are warm.
 */
export async function measureRoundTrips(): Promise<RoundTripRun> {
  const tableName = 'bench-round-trips';
  const dynamoEndpoint = await benchDynamo(tableName);
  const receiver = await startReceiver();
  // The relay polls the table through the same client; off, so every request belongs to the step under way.
  const service = await startLocalService({
    dynamoEndpoint,
    tableName,
    events: false,
    env: { WEBAUTHN_ORIGINS: PASSKEY_ORIGIN },
  });
  const meter = new DbMeter(service.db, { capacity: true });
  // The service's logger writes only when LOG_SILENT is not 'true': its lines are counted here, not printed.
  const logs = { bytes: 0 };
  const log = console.log;
  const error = console.error;
  const count =
    (write: (...args: unknown[]) => void) =>
    (...args: unknown[]) => {
      if (meter.current) logs.bytes += Buffer.byteLength(`${args.map(String).join(' ')}\n`);
      else write(...args);
    };
  console.log = count(log);
  console.error = count(error);
  const silent = process.env.LOG_SILENT;
  process.env.LOG_SILENT = 'false';
  try {
    const warmup: StepMeasure[] = [];
    await runScenario(httpTransport(service, meter, logs, warmup), { webhookUrl: receiver.url });
    const measures: StepMeasure[] = [];
    const results: StepResult[] = await runScenario(httpTransport(service, meter, logs, measures), {
      webhookUrl: receiver.url,
    });
    results.forEach((result, index) => {
      measures[index]!.expected = result.expected;
    });
    return { steps: measures, unattributed: meter.unattributed };
  } finally {
    console.log = log;
    console.error = error;
    process.env.LOG_SILENT = silent;
    await service.close();
    await receiver.close();
  }
}

export function printRoundTrips(report: Report, run: RoundTripRun): void {
  report.heading('2. DynamoDB round trips per request (scenario over HTTP, local server on DynamoDB Local)');
  report.line(
    "Counted by a middleware at finalizeRequest after the retry middleware on the service's DynamoDB client: every",
  );
  report.line(
    'request on the wire, SDK retries and transaction-conflict retries included. Second (warm) pass of the scenario.',
  );
  report.line(`Budget: <= ${ROUND_TRIP_BUDGET} round trips on ${BUDGETED_LABELS.join(', ')}.`);
  report.line(
    'RRU/WRU: the larger of what DynamoDB Local reports (ReturnConsumedCapacity=TOTAL) and the pricing rule applied',
  );
  report.line(
    '  to the requests (consistent read 1, write 1, each transaction item 2; DynamoDB Local under-reports transactions).',
  );
  report.line();
  const rows = run.steps.map((s) => [
    s.label,
    String(s.status) + (s.expected ? '' : ' (unexpected)'),
    String(s.requests.length),
    BUDGETED_LABELS.includes(s.label) ? passMiss(s.requests.length <= ROUND_TRIP_BUDGET) : '',
    fixed(s.readUnits, 1),
    fixed(s.writeUnits, 1),
    fixed(
      s.requests.reduce((sum, r) => sum + r.ms, 0),
      1,
    ),
    fixed(s.requestMs, 1),
    s.requests.map((r) => r.command).join(', '),
  ]);
  report.table(
    ['request', 'status', 'round trips', 'budget', 'RRU', 'WRU', 'db ms', 'request ms', 'commands'],
    rows,
  );
  const covered = new Set(run.steps.map((s) => s.operation));
  report.line();
  report.line(`routes covered: ${covered.size}; requests made outside any step: ${run.unattributed}`);
  const unexpected = run.steps.filter((s) => !s.expected);
  if (unexpected.length)
    report.line(`UNEXPECTED answers: ${unexpected.map((s) => `${s.label} ${s.status}`).join(', ')}`);
}
