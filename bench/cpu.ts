/**
 * 3. Handler CPU per request with in-memory ports. Record, then replay:
 * - record: the scenario runs in-process against the handler modules, on a runtime with a fixed clock, an outbox
 *   SMS sender and an in-memory webhook HTTP port; the DynamoDB client's request handler (the SDK's HTTP port) is
 *   wrapped so every response from DynamoDB Local is kept (status, headers, body bytes), per request.
 * - replay, two ways, each operation's handler called directly thousands of times:
 *   - port: the stores' DynamoDB port (the document client's `send`) answers from the recording in memory, so the
 *     figure is the service's own code: pipeline, validation, use case, crypto. The budget is judged on this one.
 *   - sdk: a request handler answers each DynamoDB request from the recorded HTTP responses (a fresh body stream
 *     each time, no socket), so the SDK's serialization, signing and parsing are included too.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { PerformanceObserver } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Adapters } from '../shared/compose.ts';
import { loadConfig } from '../shared/config.ts';
import type { Clock } from '../shared/deps.ts';
import { localReceiptSigner } from '../shared/receipts/local-receipt-signer.ts';
import type { ReceiptSigner } from '../shared/receipts/receipt-signer.ts';
import { OutboxSmsSender } from '../shared/sms/outbox-sms-sender.ts';
import { createDocumentClient, type DocumentClient } from '../shared/storage/dynamo.ts';
import type { WebhookHttp } from '../shared/webhooks/webhook-http.ts';
import { benchDynamo, serviceEnv } from './environment.ts';
import { apiEvent, ClaimSource, lambdaContext } from './events.ts';
import { fixed, passMiss, percentile, type Report } from './report.ts';
import { runScenario, type Step, type Transport } from './scenario.ts';

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

const CALLS = 2000;
const WARMUP = 50;
export const CPU_BUDGET_MS = 1;
/** Operations that verify an ECDSA P-256 signature on their success path. */
const ECDSA = new Set(['verify-signature-challenge', 'verify-device-challenge', 'add-device-key']);

interface Exchange {
  /** X-Amz-Target of the request (DynamoDB_20120810.GetItem ...), to check the replay asks the same things. */
  target: string;
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One call of the document client's `send`, as the stores made it, with what it answered. */
interface PortCall {
  command: string;
  output?: unknown;
  error?: unknown;
}

interface Recording {
  step: Step;
  event: APIGatewayProxyEventV2;
  status: number;
  exchanges: Exchange[];
  calls: PortCall[];
}

type Send = (command: { constructor: { name: string } }, ...rest: unknown[]) => Promise<unknown>;
const portOf = (db: DocumentClient) => db as unknown as { send: Send };

/** Frozen, so that a handler that changed what the port answered fails its replay instead of skewing the next. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

// The SDK's HTTP handler port, as far as the client uses it.
interface HttpRequestLike {
  headers: Record<string, string>;
}
interface HttpResponseLike {
  statusCode: number;
  reason?: string;
  headers: Record<string, string>;
  body: unknown;
}
interface RequestHandlerLike {
  handle(request: HttpRequestLike, options?: unknown): Promise<{ response: HttpResponseLike }>;
  destroy?(): void;
  updateHttpClientConfig?(key: never, value: never): void;
  httpHandlerConfigs?(): unknown;
}

const targetOf = (request: HttpRequestLike) =>
  request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? 'unknown';

async function readAll(body: unknown): Promise<Buffer> {
  if (body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const handlerConfig = (db: DocumentClient) => db.config as unknown as { requestHandler: RequestHandlerLike };

/** Wraps the client's HTTP handler: each exchange goes to `sink` while one is set. */
function recordingHandler(original: RequestHandlerLike, recorder: { sink: Exchange[] | undefined }) {
  return {
    ...original,
    async handle(request: HttpRequestLike, options?: unknown) {
      const { response } = await original.handle(request, options);
      const body = await readAll(response.body);
      recorder.sink?.push({
        target: targetOf(request),
        statusCode: response.statusCode,
        headers: { ...response.headers },
        body,
      });
      return { response: { ...response, body: Readable.from([body], { objectMode: false }) } };
    },
    destroy: () => original.destroy?.(),
    updateHttpClientConfig: () => {},
    httpHandlerConfigs: () => ({}),
  } satisfies RequestHandlerLike;
}

/** Answers requests from one recording, in order; notes any request that differs from what was recorded. */
class ReplayHandler implements RequestHandlerLike {
  private next = 0;
  mismatch: string | undefined;
  constructor(private readonly exchanges: Exchange[]) {}
  reset() {
    this.next = 0;
  }
  get used() {
    return this.next;
  }
  async handle(request: HttpRequestLike) {
    const exchange = this.exchanges[this.next++];
    if (!exchange) {
      this.mismatch ??= `more DynamoDB requests than recorded (${targetOf(request)})`;
      throw new Error(this.mismatch);
    }
    if (exchange.target !== targetOf(request))
      this.mismatch ??= `asked ${targetOf(request)} where the recording has ${exchange.target}`;
    return {
      response: {
        statusCode: exchange.statusCode,
        headers: { ...exchange.headers },
        body: Readable.from([exchange.body], { objectMode: false }),
      },
    };
  }
  destroy() {}
  updateHttpClientConfig() {}
  httpHandlerConfigs() {
    return {};
  }
}

/** The handlers are composed with the bench's adapters (the same factories the functions use on AWS). */
let composedWith: Adapters | undefined;
const handlers = new Map<string, Handler>();
async function handlerOf(operation: string): Promise<Handler> {
  let handler = handlers.get(operation);
  if (!handler) {
    const module = (await import(`../functions/${operation}.ts`)) as { build: (a: Adapters) => Handler };
    handler = module.build(composedWith!);
    handlers.set(operation, handler);
  }
  return handler;
}

/** Subscribers always accept, without a socket: the verification POST of create-webhook is not measured. */
const memoryWebhookHttp: WebhookHttp = {
  resolve: async () => [{ address: '127.0.0.1', family: 4 }],
  post: async () => ({ status: 200 }),
};

export interface CpuResult {
  label: string;
  operation: string;
  status: number;
  exchanges: number;
  calls: number;
  cpuP50: number;
  cpuP99: number;
  wallP50: number;
  wallP99: number;
  /** Calls during which V8 reported a garbage collection, and the p99 of the others. */
  gcCalls: number;
  cpuP99NoGc: number;
  ecdsa: boolean;
  problem?: string;
}

export interface CpuRun {
  /** DynamoDB port answered in memory (the budget). */
  results: CpuResult[];
  /** The same requests with the SDK in the loop (its HTTP handler answered from the recording). */
  sdk: CpuResult[];
  /** Routes not replayed because the section's time budget ran out. */
  skipped: string[];
  /** Null when unlimited (JSON has no Infinity). */
  budgetSeconds: number | null;
  ecdsaP50: number;
  ecdsaP99: number;
}

/** Runs the scenario in-process, recording every DynamoDB exchange per request. */
async function record(rt: BenchRuntime, outbox: OutboxSmsSender, claims: ClaimSource): Promise<Recording[]> {
  const recorder: { sink: Exchange[] | undefined } = { sink: undefined };
  const config = handlerConfig(rt.db);
  const original = config.requestHandler;
  config.requestHandler = recordingHandler(original, recorder);
  const port = portOf(rt.db);
  const originalSend = port.send;
  let callSink: PortCall[] | undefined;
  port.send = async function (this: unknown, command, ...rest) {
    try {
      const output = await originalSend.call(this, command, ...rest);
      callSink?.push({ command: command.constructor.name, output: deepFreeze(structuredClone(output)) });
      return output;
    } catch (error) {
      callSink?.push({ command: command.constructor.name, error });
      throw error;
    }
  };
  const recordings: Recording[] = [];
  const transport: Transport = {
    sms: () => outbox.entries,
    async send(step) {
      const { event } = apiEvent({
        method: step.method,
        url: step.url,
        body: step.body,
        caller: await claims.caller(step.auth),
        now: rt.clock.now(),
      });
      const handler = await handlerOf(step.operation);
      const exchanges: Exchange[] = [];
      const calls: PortCall[] = [];
      const pristine = structuredClone(event);
      recorder.sink = exchanges;
      callSink = calls;
      try {
        const result = await handler(event, lambdaContext(step.operation));
        const status = result.statusCode ?? 200;
        recordings.push({ step, event: pristine, status, exchanges, calls });
        return { status, body: result.body ? JSON.parse(result.body) : undefined };
      } finally {
        recorder.sink = undefined;
        callSink = undefined;
      }
    },
  };
  await runScenario(transport, { webhookUrl: 'http://127.0.0.1:8080/hooks' });
  config.requestHandler = original;
  delete (port as Partial<typeof port>).send;
  return recordings;
}

/**
 * Replays one recording WARMUP + CALLS times. Answers undefined, having replayed only the warm-up, when the warm-up's
 * pace says the calls would not be done by `deadline` (performance.now() time).
 */
/** Answers the stores' `send` calls from one recording, in order, in memory. */
class PortReplay {
  private next = 0;
  mismatch: string | undefined;
  constructor(private readonly calls: PortCall[]) {}
  reset() {
    this.next = 0;
  }
  get used() {
    return this.next;
  }
  readonly send: Send = async (command) => {
    const call = this.calls[this.next++];
    if (!call || call.command !== command.constructor.name) {
      this.mismatch ??= `asked ${command.constructor.name} where the recording has ${call?.command ?? 'nothing'}`;
      throw new Error(this.mismatch);
    }
    if (call.error) throw call.error;
    return call.output;
  };
}

async function replay(
  rt: BenchRuntime,
  outbox: OutboxSmsSender,
  recording: Recording,
  deadline: number,
  mode: 'port' | 'sdk',
): Promise<CpuResult | undefined> {
  const { step } = recording;
  const handler = await handlerOf(step.operation);
  const replayer = mode === 'sdk' ? new ReplayHandler(recording.exchanges) : new PortReplay(recording.calls);
  const expected = mode === 'sdk' ? recording.exchanges.length : recording.calls.length;
  const config = handlerConfig(rt.db);
  const original = config.requestHandler;
  if (replayer instanceof ReplayHandler) config.requestHandler = replayer;
  else portOf(rt.db).send = replayer.send;
  const cpu: number[] = [];
  const wall: number[] = [];
  const spans: Array<[number, number]> = [];
  let problem: string | undefined;
  // Garbage collections (main-thread pauses) as V8 reports them, to tell which calls had one inside.
  const gcs: Array<[number, number]> = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push([e.startTime, e.startTime + e.duration]);
  });
  observer.observe({ entryTypes: ['gc'] });
  const warmupStarted = performance.now();
  try {
    for (let i = 0; i < WARMUP + CALLS && !problem; i++) {
      if (i === WARMUP) {
        const projected = ((performance.now() - warmupStarted) / WARMUP) * CALLS * 1.2;
        if (performance.now() + projected > deadline) return undefined;
      }
      // Fresh event and context outside the timed part: the handler must not see what a previous call left.
      const event = structuredClone(recording.event);
      const context = lambdaContext(step.operation);
      outbox.entries.length = 0;
      replayer.reset();
      const cpu0 = process.cpuUsage();
      const wall0 = performance.now();
      const result = await handler(event, context);
      const wallMs = performance.now() - wall0;
      const used = process.cpuUsage(cpu0);
      if (replayer.mismatch) problem = replayer.mismatch;
      else if ((result.statusCode ?? 200) !== recording.status)
        problem = `answered ${result.statusCode} where the recording answered ${recording.status}`;
      else if (replayer.used !== expected)
        problem = `made ${replayer.used} DynamoDB requests, the recording ${expected}`;
      if (i >= WARMUP) {
        cpu.push((used.user + used.system) / 1000);
        wall.push(wallMs);
        spans.push([wall0, wall0 + wallMs]);
      }
    }
  } finally {
    config.requestHandler = original;
    delete (portOf(rt.db) as Partial<ReturnType<typeof portOf>>).send;
    // V8's GC entries reach the observer from a later event-loop turn; the calls themselves never yield one.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (const e of observer.takeRecords()) gcs.push([e.startTime, e.startTime + e.duration]);
    observer.disconnect();
  }
  const withGc = spans.map(([from, to]) => gcs.some(([start, end]) => start < to && end > from));
  const cpuNoGc = cpu.filter((_, i) => !withGc[i]);
  return {
    label: step.label,
    operation: step.operation,
    status: recording.status,
    exchanges: expected,
    calls: cpu.length,
    cpuP50: percentile(cpu, 50),
    cpuP99: percentile(cpu, 99),
    wallP50: percentile(wall, 50),
    wallP99: percentile(wall, 99),
    gcCalls: withGc.filter(Boolean).length,
    cpuP99NoGc: percentile(cpuNoGc, 99),
    ecdsa: ECDSA.has(step.operation),
    ...(problem ? { problem } : {}),
  };
}

/** The floor an ECDSA check sets: crypto.verify of a P-256/SHA-256 DER signature, as the service verifies. */
function ecdsaFloor(): { p50: number; p99: number } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const message = Buffer.from('5f1e0c8f4b7a4d0e9c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918f7e6d5c');
  const signature = sign('sha256', message, privateKey);
  const times: number[] = [];
  for (let i = 0; i < WARMUP + CALLS; i++) {
    const cpu0 = process.cpuUsage();
    const ok = verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, signature);
    const used = process.cpuUsage(cpu0);
    if (!ok) throw new Error('ECDSA floor: the signature did not verify');
    if (i >= WARMUP) times.push((used.user + used.system) / 1000);
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/** The local receipt signer (a P-256 key made once per process), as `npm start` composes it. */
const receiptSigner = localReceiptSigner();
const benchReceipts: ReceiptSigner = {
  sign: async (claims) => (await receiptSigner).sign(claims),
  publicKeys: async () => (await receiptSigner).publicKeys(),
};

/** The runtime the handlers see, in the recording and in each replay process: same configuration, same clock. */
export function benchRuntime(
  env: Record<string, string>,
  fixedNow: Date,
): { rt: BenchRuntime; outbox: OutboxSmsSender } {
  const clock = { now: () => new Date(fixedNow) };
  const outbox = new OutboxSmsSender(() => clock.now());
  const config = loadConfig(env);
  const db = createDocumentClient({ region: config.region, endpoint: config.dynamoEndpoint });
  composedWith = {
    env,
    db,
    clock,
    smsSender: outbox,
    webhookHttp: memoryWebhookHttp,
    receiptSigner: benchReceipts,
  };
  handlers.clear();
  return { rt: { db, clock }, outbox };
}

interface BenchRuntime {
  db: DocumentClient;
  clock: Clock;
}

/** Asked for by name; the rest of the routes follow in scenario order while the time budget lasts. */
const FIRST = [
  'create-mobile-number',
  'authorize-mobile-number',
  'confirm-mobile-number',
  'get-mobile-number',
  'create-device',
  'verify-device-challenge',
  'verify-signature-challenge',
];

/**
 * Records the scenario, then replays the success path of every route (the wrong-OTP / wrong-signature variants are
 * left to the round-trip section) until `budgetSeconds` after the start have passed.
 */
export async function measureCpu(budgetSeconds = Number.POSITIVE_INFINITY): Promise<CpuRun> {
  const deadline = performance.now() + budgetSeconds * 1000;
  const tableName = 'bench-cpu';
  const endpoint = await benchDynamo(tableName);
  // A fixed clock: recorded expiries, quotas and timestamps answer the same on every replayed call.
  const fixedNow = new Date(Math.floor(Date.now() / 1000) * 1000);
  const { rt, outbox } = benchRuntime(serviceEnv(endpoint, tableName), fixedNow);
  const claims = await ClaimSource.create(() => new Date(fixedNow));
  try {
    const recordings = (await record(rt, outbox, claims)).filter((r) => r.step.label === r.step.operation);
    const rank = (r: Recording) =>
      FIRST.includes(r.step.operation) ? FIRST.indexOf(r.step.operation) : FIRST.length;
    const ordered = recordings
      .map((r, index) => ({ r, index }))
      .sort((a, b) => rank(a.r) - rank(b.r) || a.index - b.index);
    const results = new Map<number, CpuResult>();
    const sdk = new Map<number, CpuResult>();
    const skipped: string[] = [];
    for (const { r, index } of ordered) {
      const port = performance.now() < deadline ? await replay(rt, outbox, r, deadline, 'port') : undefined;
      const full =
        port && performance.now() < deadline ? await replay(rt, outbox, r, deadline, 'sdk') : undefined;
      if (port) results.set(index, port);
      if (full) sdk.set(index, full);
      if (!port || !full) skipped.push(r.step.label);
    }
    const inOrder = (map: Map<number, CpuResult>) =>
      [...map.entries()].sort((a, b) => a[0] - b[0]).map(([, result]) => result);
    const floor = ecdsaFloor();
    return {
      results: inOrder(results),
      sdk: inOrder(sdk),
      skipped,
      budgetSeconds: Number.isFinite(budgetSeconds) ? budgetSeconds : null,
      ecdsaP50: floor.p50,
      ecdsaP99: floor.p99,
    };
  } finally {
    rt.db.destroy();
  }
}

export function printCpu(report: Report, run: CpuRun): void {
  report.heading('3. Handler CPU per request, in-process, no I/O');
  for (const line of [
    `Per request: ${CALLS} calls after ${WARMUP} warm-up calls, each timed by performance.now() (wall) and by`,
    'process.cpuUsage() (user + system CPU of the whole process). Handler modules run from source (tsx),',
    'with a fixed clock, the outbox SMS sender and an in-memory webhook port. The success path of every route,',
    'recorded once against DynamoDB Local, then replayed two ways:',
    "  port: the stores' DynamoDB port (the document client's send) answers from memory: the service's own code",
    '        (pipeline, validation, use case, crypto). The budget is judged on this table, on wall p99: with no',
    "        I/O to wait for, a call's wall time is the time its own thread ran, GC pauses on it included. Node 20",
    "        has no per-thread CPU clock, and process CPU also counts V8's helper threads (optimizing compiler,",
    '        concurrent GC), whose work lands on whichever call is running: p50s agree, p99s do not.',
    '  sdk:  the SDK runs too, its HTTP handler answering from the recorded responses: serialization, SigV4',
    '        signing and parsing of every round trip included (second table, for comparison).',
    'cpuUsage counts all threads of the process, so GC work on V8 helper threads is included. GC calls: calls',
    "during which V8 reported a GC pause; 'p99 w/o GC' is the CPU p99 of the others (diagnosis only). Times in ms.",
    `ECDSA floor (crypto.verify, P-256/SHA-256 DER, ${CALLS} calls): p50 ${fixed(run.ecdsaP50, 3)} ms, p99 ${fixed(run.ecdsaP99, 3)} ms.`,
    `Budget: p99 <= ${CPU_BUDGET_MS} ms; operations marked ECDSA verify a signature: budget ${CPU_BUDGET_MS} ms + the ECDSA floor p99.`,
  ])
    report.line(line);
  report.line();
  const table = (results: CpuResult[], judged: boolean) =>
    report.table(
      [
        'request',
        'status',
        'db calls',
        'calls',
        'cpu p50',
        'cpu p99',
        'wall p50',
        'wall p99',
        'GC calls',
        'p99 w/o GC',
        'floor',
        ...(judged ? ['budget'] : []),
      ],
      results.map((r) => {
        const budget = CPU_BUDGET_MS + (r.ecdsa ? run.ecdsaP99 : 0);
        return [
          r.label,
          String(r.status),
          String(r.exchanges),
          String(r.calls),
          fixed(r.cpuP50, 3),
          fixed(r.cpuP99, 3),
          fixed(r.wallP50, 3),
          fixed(r.wallP99, 3),
          String(r.gcCalls),
          fixed(r.cpuP99NoGc, 3),
          r.ecdsa ? `ECDSA ${fixed(run.ecdsaP99, 3)}` : '',
          ...(judged ? [r.problem ? 'not replayed' : passMiss(r.wallP99 <= budget)] : []),
        ];
      }),
    );
  report.line('port: DynamoDB port answered in memory');
  table(run.results, true);
  report.line();
  report.line('sdk: the same requests with the AWS SDK serializing, signing and parsing each round trip');
  table(run.sdk, false);
  const left = [...run.results, ...run.sdk].filter((r) => r.problem);
  report.line();
  if (left.length === 0)
    report.line(
      'every request of the scenario replayed cleanly both ways (same DynamoDB calls, same status).',
    );
  for (const r of left) report.line(`left out: ${r.label}: ${r.problem}`);
  if (run.skipped.length)
    report.line(
      `left out for time (the section had ${fixed(run.budgetSeconds ?? Number.NaN, 0)} s so that the whole run stays under 5 minutes; \`npm run bench -- --only=cpu\` replays all): ${run.skipped.join(', ')}`,
    );
  report.line(
    'not measured here: the HTTP client and sockets of the SDK, JSON over the wire, and the gateway itself.',
  );
}
