/**
 * 3. Handler CPU per request with in-memory ports. Record, then replay:
 * - record: the scenario runs in-process against the handler modules, on a runtime with a fixed clock, an outbox
 *   SMS sender and an in-memory webhook HTTP port; the DynamoDB client's request handler (the SDK's HTTP port) is
 *   wrapped so every response from DynamoDB Local is kept (status, headers, body bytes), per request.
 * - replay: a request handler that answers each DynamoDB request from the recording (a fresh body stream each
 *   time, no socket), and each operation's handler is called directly, thousands of times.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { PerformanceObserver } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { loadConfig } from '../../shared/config.ts';
import { createRuntime, type Runtime, useRuntime } from '../../shared/runtime.ts';
import { OutboxSmsSender } from '../../shared/sms/outbox-sms-sender.ts';
import type { WebhookHttp } from '../../shared/webhooks/webhook-http.ts';
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

interface Recording {
  step: Step;
  event: APIGatewayProxyEventV2;
  status: number;
  exchanges: Exchange[];
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

const handlerConfig = (db: Runtime['db']) => db.config as unknown as { requestHandler: RequestHandlerLike };

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

const handlers = new Map<string, Handler>();
async function handlerOf(operation: string): Promise<Handler> {
  let handler = handlers.get(operation);
  if (!handler) {
    handler = ((await import(`../../functions/${operation}.ts`)) as { handler: Handler }).handler;
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
  results: CpuResult[];
  /** Routes not replayed because the section's time budget ran out. */
  skipped: string[];
  /** Null when unlimited (JSON has no Infinity). */
  budgetSeconds: number | null;
  ecdsaP50: number;
  ecdsaP99: number;
}

/** Runs the scenario in-process, recording every DynamoDB exchange per request. */
async function record(rt: Runtime, outbox: OutboxSmsSender, claims: ClaimSource): Promise<Recording[]> {
  const recorder: { sink: Exchange[] | undefined } = { sink: undefined };
  const config = handlerConfig(rt.db);
  const original = config.requestHandler;
  config.requestHandler = recordingHandler(original, recorder);
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
      const pristine = structuredClone(event);
      recorder.sink = exchanges;
      try {
        const result = await handler(event, lambdaContext(step.operation));
        const status = result.statusCode ?? 200;
        recordings.push({ step, event: pristine, status, exchanges });
        return { status, body: result.body ? JSON.parse(result.body) : undefined };
      } finally {
        recorder.sink = undefined;
      }
    },
  };
  await runScenario(transport, { webhookUrl: 'http://127.0.0.1:8080/hooks' });
  config.requestHandler = original;
  return recordings;
}

/**
 * Replays one recording WARMUP + CALLS times. Answers undefined, having replayed only the warm-up, when the warm-up's
 * pace says the calls would not be done by `deadline` (performance.now() time).
 */
async function replay(
  rt: Runtime,
  outbox: OutboxSmsSender,
  recording: Recording,
  deadline: number,
): Promise<CpuResult | undefined> {
  const { step } = recording;
  const handler = await handlerOf(step.operation);
  const replayer = new ReplayHandler(recording.exchanges);
  const config = handlerConfig(rt.db);
  const original = config.requestHandler;
  config.requestHandler = replayer;
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
      else if (replayer.used !== recording.exchanges.length)
        problem = `made ${replayer.used} DynamoDB requests, the recording ${recording.exchanges.length}`;
      if (i >= WARMUP) {
        cpu.push((used.user + used.system) / 1000);
        wall.push(wallMs);
        spans.push([wall0, wall0 + wallMs]);
      }
    }
  } finally {
    config.requestHandler = original;
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
    exchanges: recording.exchanges.length,
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

/** The runtime the handlers see, in the recording and in each replay process: same configuration, same clock. */
export function benchRuntime(
  env: Record<string, string>,
  fixedNow: Date,
): { rt: Runtime; outbox: OutboxSmsSender } {
  const clock = { now: () => new Date(fixedNow) };
  const outbox = new OutboxSmsSender(() => clock.now());
  const rt = createRuntime(loadConfig(env), { clock, smsSender: outbox, webhookHttp: memoryWebhookHttp });
  useRuntime(rt);
  return { rt, outbox };
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
    const skipped: string[] = [];
    for (const { r, index } of ordered) {
      const result = performance.now() < deadline ? await replay(rt, outbox, r, deadline) : undefined;
      if (result) results.set(index, result);
      else skipped.push(r.step.label);
    }
    const floor = ecdsaFloor();
    return {
      results: [...results.entries()].sort((a, b) => a[0] - b[0]).map(([, result]) => result),
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
  report.heading('3. Handler CPU per request, in-process, DynamoDB replayed from a recording (no I/O)');
  report.line(
    `Per request: ${CALLS} calls after ${WARMUP} warm-up calls, each timed by process.cpuUsage() (user + system CPU of the`,
  );
  report.line(
    'process; the budget is judged on it) and performance.now() (wall). Handler modules run from source (tsx),',
  );
  report.line(
    'with a fixed clock, the outbox SMS sender and an in-memory webhook port; no sockets. The success path of',
  );
  report.line(
    'every route, one after another in this process. cpuUsage counts all threads of the process, so GC work on',
  );
  report.line(
    "V8's helper threads is included. GC calls: calls during which V8 reported a GC pause; 'p99 w/o GC' is",
  );
  report.line(
    'the CPU p99 of the other calls (for diagnosis only: the budget is judged on all calls). Times in ms.',
  );
  report.line(
    `ECDSA floor (crypto.verify, P-256/SHA-256 DER, ${CALLS} calls): p50 ${fixed(run.ecdsaP50, 3)} ms, p99 ${fixed(run.ecdsaP99, 3)} ms.`,
  );
  report.line(
    `Budget: p99 CPU <= ${CPU_BUDGET_MS} ms; operations marked ECDSA verify a signature: budget ${CPU_BUDGET_MS} ms + the ECDSA floor p99.`,
  );
  report.line();
  const rows = run.results.map((r) => {
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
      r.problem ? 'not replayed' : passMiss(r.cpuP99 <= budget),
    ];
  });
  report.table(
    [
      'request',
      'status',
      'db replies',
      'calls',
      'cpu p50',
      'cpu p99',
      'wall p50',
      'wall p99',
      'GC calls',
      'p99 w/o GC',
      'floor',
      'budget',
    ],
    rows,
  );
  const left = run.results.filter((r) => r.problem);
  report.line();
  if (left.length === 0)
    report.line('every request of the scenario replayed cleanly (same DynamoDB requests, same status).');
  for (const r of left) report.line(`left out: ${r.label}: ${r.problem}`);
  if (run.skipped.length)
    report.line(
      `left out for time (the section had ${fixed(run.budgetSeconds ?? Number.NaN, 0)} s so that the whole run stays under 5 minutes; \`npm run bench -- --only=cpu\` replays all): ${run.skipped.join(', ')}`,
    );
  report.line(
    'not measured here: the HTTP client and sockets of the SDK, JSON over the wire, and the gateway itself.',
  );
}
