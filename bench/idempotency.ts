/**
 * 7. What Idempotency-Key costs, and the service's own layer against Powertools Idempotency:
 * - authorize over HTTP through the local server, without the header, with it (first request) and its replay:
 *   DynamoDB round trips and request time; and 20 parallel retries with one key, counted in SMS;
 * - the two layers around the same operation, in-process on DynamoDB Local: round trips and time of a first
 *   request, a replay and a conflicting reuse of the key;
 * - the two layers' bundle size and cold init over the same base (fresh processes, median).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { PROJECT_ROOT } from '../lib/service-function.ts';
import { lambdaContext } from '../shared/local/gateway.ts';
import { startLocalService } from '../shared/local/local-service.ts';
import type { DocumentClient } from '../shared/storage/dynamo.ts';
import { benchDynamo, serviceEnv } from './environment.ts';
import { buildFunction, deployedBytes } from './function-build.ts';
import { fixed, median, type Report } from './report.ts';
import { DbMeter, type DbRequest } from './round-trips.ts';
import { uniqueNumber } from './scenario.ts';

const SAMPLES = 20;
const LAYER_SAMPLES = 50;
const COLD_PROCESSES = 25;
const PARALLEL = 20;

export interface StepFigures {
  label: string;
  statuses: number[];
  roundTrips: number;
  commands: string;
  ms: number;
}

export interface IdempotencyRun {
  authorize: StepFigures[];
  parallel: { requests: number; sms: number; statuses: Record<string, number> };
  layers: StepFigures[];
}

export interface LayerColdInit {
  name: string;
  bytes: number;
  importMs: number;
  initMs: number;
  /** Init less the time spent waiting for DynamoDB Local: the function's own work. */
  ownMs: number;
  /** The least of each over the processes: on a shared machine, the run least disturbed by others. */
  minImportMs: number;
  minOwnMs: number;
  dbRequests: number;
}

type Sample = { status: number; requests: DbRequest[]; ms: number };

function figures(label: string, samples: Sample[]) {
  const counts = samples.map((s) => s.requests.length);
  const typical = samples.find((s) => s.requests.length === median(counts)) ?? samples[0]!;
  return {
    label,
    statuses: [...new Set(samples.map((s) => s.status))],
    roundTrips: median(counts),
    commands: typical.requests.map((r) => r.command).join(', '),
    ms: median(samples.map((s) => s.ms)),
  };
}

/** Authorize over HTTP: without the header, with a fresh key, and the replay of that key. */
async function authorizeCosts(): Promise<Pick<IdempotencyRun, 'authorize' | 'parallel'>> {
  const tableName = 'bench-idempotency';
  const dynamoEndpoint = await benchDynamo(tableName);
  const service = await startLocalService({ dynamoEndpoint, tableName, events: false });
  const meter = new DbMeter(service.db, { capacity: false });
  const token = await service.issuer.mint({ kind: 'partner' });
  const post = async (url: string, body: unknown, key?: string) => {
    const response = await fetch(`${service.url}${url}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: JSON.stringify(body),
    });
    await response.text();
    return response.status;
  };
  const metered = async (url: string, body: unknown, key?: string) => {
    const current = { requests: [] as DbRequest[], readUnits: 0, writeUnits: 0 };
    meter.current = current;
    const started = performance.now();
    try {
      const status = await post(url, body, key);
      return { status, requests: current.requests, ms: performance.now() - started };
    } finally {
      meter.current = undefined;
    }
  };
  const registered = async () => {
    const person = `bench-idem-${randomUUID()}`;
    const number = uniqueNumber();
    const path = `/v1/persons/${person}/mobile_number`;
    if ((await post(path, { number })) !== 201) throw new Error('create-mobile-number failed');
    return { url: `${path}/authorize`, body: { number } };
  };
  try {
    // A first round loads the handler modules (the local server imports them on first use).
    const warm = await registered();
    await post(warm.url, warm.body);
    await post(warm.url, warm.body, randomUUID());
    const without = [];
    const first = [];
    const replay = [];
    for (let i = 0; i < SAMPLES; i++) {
      const plain = await registered();
      without.push(await metered(plain.url, plain.body));
      const keyed = await registered();
      const key = randomUUID();
      first.push(await metered(keyed.url, keyed.body, key));
      replay.push(await metered(keyed.url, keyed.body, key));
    }
    // 20 parallel retries of one authorize with one key.
    const target = await registered();
    const key = randomUUID();
    const before = service.outbox.entries.length;
    const statuses = await Promise.all(
      Array.from({ length: PARALLEL }, () => post(target.url, target.body, key)),
    );
    const counted: Record<string, number> = {};
    for (const status of statuses) counted[status] = (counted[status] ?? 0) + 1;
    return {
      authorize: [
        figures('authorize, no Idempotency-Key', without),
        figures('authorize, new Idempotency-Key', first),
        figures('authorize, replay of that key', replay),
      ],
      parallel: {
        requests: PARALLEL,
        sms: service.outbox.entries.length - before,
        statuses: counted,
      },
    };
  } finally {
    await service.close();
  }
}

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** A partner's authorize request as API Gateway hands it over, with an Idempotency-Key. */
function keyedEvent(key: string, body = '{"number":"+4915100000000"}'): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /v1/persons/{person_id}/mobile_number/authorize',
    rawPath: '/v1/persons/bench/mobile_number/authorize',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body,
    isBase64Encoded: false,
    requestContext: {
      http: { method: 'POST', path: '/v1/persons/bench/mobile_number/authorize' },
      authorizer: { jwt: { claims: { client_id: 'bench-client' }, scopes: [] } },
    },
  } as unknown as APIGatewayProxyEventV2;
}

/** The two layers around the same operation, in this process, on one metered client. */
async function layerCosts(): Promise<StepFigures[]> {
  const tableName = 'bench-idempotency-layers';
  const endpoint = await benchDynamo(tableName);
  process.env.TABLE_NAME = tableName;
  process.env.DYNAMODB_ENDPOINT = endpoint;
  process.env.POWERTOOLS_IDEMPOTENCY_DISABLED = 'false';
  const base = await import('./idempotency/base.ts');
  const variants: Array<[string, Handler]> = [
    ['own', (await import('./idempotency/own.ts')).handler as Handler],
    ['Powertools', (await import('./idempotency/powertools.ts')).handler as unknown as Handler],
  ];
  const meter = new DbMeter(base.db as DocumentClient, { capacity: false });
  const run = async (handler: Handler, event: APIGatewayProxyEventV2) => {
    const current = { requests: [] as DbRequest[], readUnits: 0, writeUnits: 0 };
    meter.current = current;
    const started = performance.now();
    let status: number;
    try {
      status = (await handler(event, lambdaContext('bench'))).statusCode ?? 200;
    } catch (error) {
      // A refused reuse of the key: the service's layer throws its 422, Powertools its validation error.
      status = (error as { status?: number }).status ?? 422;
    } finally {
      meter.current = undefined;
    }
    return { status, requests: current.requests, ms: performance.now() - started };
  };
  const results: StepFigures[] = [];
  const operationOnly = [];
  for (let i = 0; i < 5; i++) await base.operation();
  for (let i = 0; i < LAYER_SAMPLES; i++) {
    const current = { requests: [] as DbRequest[], readUnits: 0, writeUnits: 0 };
    meter.current = current;
    const started = performance.now();
    const answer = await base.operation();
    meter.current = undefined;
    operationOnly.push({
      status: answer.statusCode,
      requests: current.requests,
      ms: performance.now() - started,
    });
  }
  results.push(figures('operation alone (no layer)', operationOnly));
  for (const [, handler] of variants) {
    for (let i = 0; i < 5; i++) await handler(keyedEvent(randomUUID()), lambdaContext('bench'));
  }
  // The variants take turns, sample by sample, so neither gets a warmer process or a less busy machine.
  const samples = variants.map(() => ({
    first: [] as Sample[],
    replay: [] as Sample[],
    conflict: [] as Sample[],
  }));
  for (let i = 0; i < LAYER_SAMPLES; i++) {
    for (const [index, [, handler]] of variants.entries()) {
      const key = randomUUID();
      samples[index]!.first.push(await run(handler, keyedEvent(key)));
      samples[index]!.replay.push(await run(handler, keyedEvent(key)));
      samples[index]!.conflict.push(await run(handler, keyedEvent(key, '{"number":"+4915100000001"}')));
    }
  }
  for (const [index, [name]] of variants.entries()) {
    results.push(figures(`${name}: first request`, samples[index]!.first));
    results.push(figures(`${name}: replay`, samples[index]!.replay));
    results.push(figures(`${name}: same key, other body`, samples[index]!.conflict));
  }
  base.db.destroy();
  return results;
}

/** The in-process part (a section child of its own, bench/section.ts). */
export async function measureIdempotency(): Promise<IdempotencyRun> {
  const authorize = await authorizeCosts();
  const layers = await layerCosts();
  return { ...authorize, layers };
}

const DIR = join(PROJECT_ROOT, '.bench', 'idempotency');
const RUNNER = join(PROJECT_ROOT, 'bench', 'cold-init-runner.mjs');
export const COLD_VARIANTS = [
  { name: 'base (document client, one read)', entry: 'bench/idempotency/base.ts' },
  { name: 'base + own layer (shared/idempotency/)', entry: 'bench/idempotency/own.ts' },
  { name: 'base + Powertools Idempotency 2.35.0', entry: 'bench/idempotency/powertools.ts' },
] as const;

/** Bundles each variant like a function and cold-starts it in fresh processes; the first invocation claims a key. */
export async function measureIdempotencyColdInit(): Promise<LayerColdInit[]> {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const files: string[] = [];
  for (const [i, variant] of COLD_VARIANTS.entries()) {
    files.push(await buildFunction(variant.entry, join(DIR, `variant-${i}`)));
  }
  const tableName = 'bench-idempotency-cold';
  const endpoint = await benchDynamo(tableName);
  const env = {
    PATH: process.env.PATH ?? '',
    ...serviceEnv(endpoint, tableName),
  };
  const payload = join(DIR, 'payload.json');
  const run = promisify(execFile);
  const samples = COLD_VARIANTS.map(
    () => [] as Array<{ initMs: number; importMs: number; dbWaitMs: number; dbRequests: number }>,
  );
  for (let round = 0; round < COLD_PROCESSES; round++) {
    for (const [i] of COLD_VARIANTS.entries()) {
      writeFileSync(
        payload,
        JSON.stringify({ event: keyedEvent(randomUUID()), context: { ...lambdaContext('bench') } }),
      );
      const { stdout } = await run(process.execPath, [RUNNER, files[i]!, payload], { env, cwd: DIR });
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
        initMs: number;
        importMs: number;
        dbWaitMs: number;
        dbRequests: number;
        status?: number;
        error?: string;
      };
      if (result.error || result.status !== 201) {
        throw new Error(`${COLD_VARIANTS[i]!.name}: ${result.error ?? `status ${result.status}`}`);
      }
      samples[i]!.push(result);
    }
  }
  return COLD_VARIANTS.map((variant, i) => ({
    name: variant.name,
    bytes: deployedBytes(files[i]!),
    importMs: median(samples[i]!.map((s) => s.importMs)),
    initMs: median(samples[i]!.map((s) => s.initMs)),
    ownMs: median(samples[i]!.map((s) => s.initMs - s.dbWaitMs)),
    minImportMs: Math.min(...samples[i]!.map((s) => s.importMs)),
    minOwnMs: Math.min(...samples[i]!.map((s) => s.initMs - s.dbWaitMs)),
    dbRequests: median(samples[i]!.map((s) => s.dbRequests)),
  }));
}

export function printIdempotency(
  report: Report,
  run: IdempotencyRun | undefined,
  cold: LayerColdInit[] | undefined,
) {
  report.heading('7. Idempotency-Key: its cost on authorize; own layer vs Powertools Idempotency');
  const table = (rows: StepFigures[]) =>
    report.table(
      ['request', 'status', 'round trips', 'ms (median)', 'commands'],
      rows.map((r) => [r.label, r.statuses.join('/'), String(r.roundTrips), fixed(r.ms, 2), r.commands]),
    );
  if (run) {
    report.line(
      `authorize over HTTP through the local server on DynamoDB Local, ${SAMPLES} requests each (median); round`,
    );
    report.line('trips counted on the wire after the SDK retry middleware, as in section 2.');
    report.line();
    table(run.authorize);
    const [without, first] = run.authorize;
    report.line();
    report.line(
      `cost of the header on authorize: +${first!.roundTrips - without!.roundTrips} round trips, ` +
        `+${fixed(first!.ms - without!.ms, 2)} ms (median request time)`,
    );
    const statuses = Object.entries(run.parallel.statuses)
      .map(([status, n]) => `${n}x ${status}`)
      .join(', ');
    report.line(
      `${run.parallel.requests} parallel retries of one authorize with one key: ${run.parallel.sms} SMS (${statuses})`,
    );
    report.line();
    report.line(
      `The two layers around the same operation (one GetItem), in-process on DynamoDB Local, ${LAYER_SAMPLES} each:`,
    );
    report.line();
    table(run.layers);
  }
  if (cold) {
    report.line();
    report.line(
      `Bundle and cold init over the same base, median of ${COLD_PROCESSES} fresh processes; the first invocation claims`,
    );
    report.line('a key and stores the answer.');
    report.line();
    const base = cold[0]!;
    const delta = (value: number, floor: number) =>
      `${value - floor >= 0 ? '+' : ''}${fixed(value - floor, 1)}`;
    report.table(
      [
        'variant',
        'KB',
        '+KB',
        'import ms',
        'init ms',
        'init - db wait',
        'vs base',
        'min import',
        'min init - db',
        'vs base',
        'db requests',
      ],
      cold.map((c, i) => [
        c.name,
        fixed(c.bytes / 1000, 1),
        i === 0 ? '' : `+${fixed((c.bytes - base.bytes) / 1000, 1)}`,
        fixed(c.importMs, 1),
        fixed(c.initMs, 1),
        fixed(c.ownMs, 1),
        i === 0 ? '' : delta(c.ownMs, base.ownMs),
        fixed(c.minImportMs, 1),
        fixed(c.minOwnMs, 1),
        i === 0 ? '' : delta(c.minOwnMs, base.minOwnMs),
        String(c.dbRequests),
      ]),
    );
    report.line(
      '(median over the processes, then the least of each; "init - db wait" leaves out DynamoDB Local\'s answer times)',
    );
  }
}
