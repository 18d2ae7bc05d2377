/**
 * 1. Bundle size and cold init per function. Every function is bundled by the stack's own bundling
 * (`bundleFunction` in lib/service-function.ts: one esbuild run, shared chunks), then started in fresh Node processes
 * that import the bundle and answer one realistic invocation against DynamoDB Local.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BUNDLING, bundleFunctions, FUNCTION_ENTRY_FILE, PROJECT_ROOT } from '../lib/service-function.ts';
import { EVENT_TYPES } from '../shared/events/catalog.ts';
import { handlerEntry, ROUTES } from '../shared/routes.ts';
import { benchDynamo, serviceEnv, startReceiver } from './environment.ts';
import { type Auth, apiEvent, ClaimSource, lambdaContext } from './events.ts';
import { startFakeKms } from './fake-kms.ts';
import { deployedBytes, initBytes } from './function-build.ts';
import { fixed, median, passMiss, type Report } from './report.ts';
import { DeviceKey, uniqueNumber, uniquePerson } from './scenario.ts';

const run = promisify(execFile);

export const BUNDLE_DIR = join(PROJECT_ROOT, '.bench', 'bundles');
export const FLOOR = 'floor (DynamoDBClient + one GetItem)';
export const SIZE_BUDGET_KB = 650;
/** Cold-init budget over the floor for functions whose first answer makes at most one DynamoDB request. */
export const INIT_BUDGET_OVER_FLOOR_MS = 10;
/**
 * Reference handlers measured beside the functions, bundled the same way: the floor plus, in turn, each library every
 * HTTP function loads. They tell how much of a function's time over the floor is those libraries and how much is its
 * own code.
 */
export const LIBRARY_FLOORS: FunctionTarget[] = [
  { name: 'floor + document client', entry: 'bench/floor-layers/document-client.ts' },
  { name: 'floor + document client + zod', entry: 'bench/floor-layers/zod.ts' },
  { name: 'floor + document client + zod + middy', entry: 'bench/floor-layers/middy.ts' },
];
const isReference = (r: { name: string }) =>
  r.name === FLOOR || LIBRARY_FLOORS.some((layer) => layer.name === r.name);
/** Functions whose first answer makes more requests are reported against the floor without a budget. */
const budgeted = (r: { name: string; dbRequests: number }) => !isReference(r) && r.dbRequests <= 1;
const PROCESSES = 10;
const RUNNER = join(PROJECT_ROOT, 'bench', 'cold-init-runner.mjs');

export interface FunctionTarget {
  name: string;
  entry: string;
  /** Set for route functions. */
  operation?: string;
}

export const TARGETS: FunctionTarget[] = [
  ...ROUTES.map((route) => ({
    name: route.operation,
    entry: handlerEntry(route),
    operation: route.operation,
  })),
  { name: 'relay-outbox-events', entry: 'functions/relay-outbox-events.ts' },
  { name: 'fan-out-webhook-events', entry: 'functions/fan-out-webhook-events.ts' },
  { name: 'deliver-webhook', entry: 'functions/deliver-webhook.ts' },
  { name: FLOOR, entry: 'bench/floor-handler.ts' },
  ...LIBRARY_FLOORS,
];

export interface ColdInit {
  name: string;
  /** Every .mjs file the function deploys, and of those the files its cold start parses (the rest load on demand). */
  bytes: number;
  initBytes: number;
  /** Medians over the processes, ms. */
  importMs: number;
  initMs: number;
  sinceStartMs: number;
  /** Of initMs: waiting for DynamoDB Local's answers, and how many requests the first invocation made. */
  dbWaitMs: number;
  dbRequests: number;
  /** Statuses (or errors) of the first invocations, one per process. */
  outcomes: string[];
  note?: string;
}

const dirName = (target: FunctionTarget) =>
  isReference(target) ? target.name.replace(/ \(.*\)$/, '').replace(/[^a-z]+/g, '-') : target.name;
const payloadName = (target: FunctionTarget) => `${dirName(target)}.json`;

/**
 * Builds every function into .bench/bundles/<name>/ as the stack builds it (`bundleFunction` in
 * lib/service-function.ts): all of the project's functions in one esbuild run, each directory holding the function's
 * index.mjs and the chunks it loads, many of them code it shares with other functions. The functions are written
 * first, from the stack's own build; the references after them, from a second run that adds them to the project's
 * entries, so they split as a deployed function would and the functions' chunks stay those the stack deploys.
 * Returns each function's entry file.
 */
export async function buildBundles(): Promise<Map<string, string>> {
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  mkdirSync(BUNDLE_DIR, { recursive: true });
  const outputs = (targets: FunctionTarget[]) =>
    targets.map((target) => ({ entry: target.entry, outputDir: join(BUNDLE_DIR, dirName(target)) }));
  bundleFunctions(outputs(TARGETS.filter((target) => !isReference(target))));
  bundleFunctions(outputs(TARGETS.filter(isReference)));
  return new Map(
    TARGETS.map((target) => [target.name, join(BUNDLE_DIR, dirName(target), FUNCTION_ENTRY_FILE)]),
  );
}

const sampleEnvelope = (type: string) => ({
  metadata: { id: randomUUID(), type, version: 1, time: new Date().toISOString() },
  data: { person_id: uniquePerson() },
});

/**
 * A plausible first invocation for each function, with fresh ids: most answer 404 (nothing with that id), which
 * still reads DynamoDB; create-mobile-number, put-language-settings, set-my-phone and create-webhook succeed.
 */
async function firstInvocation(
  target: FunctionTarget,
  claims: ClaimSource,
  webhookUrl: string,
): Promise<{ event: unknown; note?: string }> {
  if (isReference(target)) return { event: {} };
  if (target.name === 'relay-outbox-events') {
    // A stream record that is not an outbox insert: the relay maps it and publishes nothing (publishing would be an
    // EventBridge call, which the bench never makes).
    const person = uniquePerson();
    return {
      note: 'stream record that is no outbox insert (publishes nothing)',
      event: {
        Records: [
          {
            eventID: randomBytes(16).toString('hex'),
            eventName: 'MODIFY',
            eventVersion: '1.1',
            eventSource: 'aws:dynamodb',
            awsRegion: 'us-east-1',
            eventSourceARN:
              'arn:aws:dynamodb:us-east-1:000000000000:table/bench/stream/2026-01-01T00:00:00.000',
            dynamodb: {
              Keys: { PK: { S: `PERSON#${person}` }, SK: { S: 'MOBILE_NUMBER' } },
              NewImage: {
                PK: { S: `PERSON#${person}` },
                SK: { S: 'MOBILE_NUMBER' },
                verified: { BOOL: true },
              },
              SequenceNumber: '100000000000000000001',
              SizeBytes: 120,
              StreamViewType: 'NEW_AND_OLD_IMAGES',
            },
          },
        ],
      },
    };
  }
  const sqsRecord = (body: unknown) => ({
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: randomBytes(32).toString('hex'),
        body: JSON.stringify(body),
        attributes: {},
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench',
        awsRegion: 'us-east-1',
      },
    ],
  });
  // Event types without subscriptions: fan-out queries the table and enqueues nothing (no SQS call).
  const quietType = EVENT_TYPES.find((type) => type !== 'PERSON_MOBILE_NUMBER_CREATED')!;
  if (target.name === 'fan-out-webhook-events')
    return {
      note: `EventBridge->SQS event of ${quietType}, no subscribers (queries, enqueues nothing)`,
      event: sqsRecord({ detail: sampleEnvelope(quietType) }),
    };
  if (target.name === 'deliver-webhook')
    return {
      note: 'delivery for a deleted subscription (reads, then drops it)',
      event: sqsRecord({
        subscription_id: randomBytes(16).toString('hex'),
        event: sampleEnvelope(quietType),
        attempt: 1,
        first_attempt_at: new Date().toISOString(),
      }),
    };

  const route = ROUTES.find((r) => r.operation === target.operation)!;
  const person = uniquePerson();
  const number = uniqueNumber();
  const key = new DeviceKey();
  const signature = key.sign('123456');
  const params: Record<string, string> = {
    person_id: person,
    device_id: randomUUID(),
    key_id: randomUUID(),
    challenge_id: randomUUID(),
    registration_id: randomUUID(),
    // Webhook and change-request ids: letters and digits; payment authorizations end in their type suffix.
    id: `${randomBytes(16).toString('hex')}${route.path.startsWith('/v1/payment_authorizations/') ? 'pauth' : ''}`,
  };
  let url = route.path.replace(/\{(\w+)\}/g, (_, name: string) => params[name]!);
  if (route.operation === 'list-devices') url += `?filter[person_id]=${person}`;
  else if (route.path.startsWith('/v1/mfa/devices/') && (route.method === 'GET' || route.method === 'DELETE'))
    url += `?person_id=${person}`;
  const bodies: Record<string, unknown> = {
    'set-my-phone': { phone: number },
    'resend-my-phone-verification': {},
    'verify-my-phone': { code: '123456' },
    'reset-second-factor': { reason: 'Bench', remove_mobile_number: true, revoke_devices: true },
    'connect-get-my-phone': {},
    'connect-set-my-phone': { phone: number },
    'connect-resend-my-phone-verification': {},
    'connect-verify-my-phone': { code: '123456' },
    'connect-remove-my-phone': {},
    'create-mobile-number': { number },
    'delete-mobile-number': { number },
    'authorize-mobile-number': { number },
    'confirm-mobile-number': { number, token: '123456' },
    'reauthorize-mobile-number': {
      authorization_text_key: 'sms.sepa.transaction',
      authorization_text_variables: { iban: 'DE02120300000000202051', amount: '12,50 EUR', tan: '{tan}' },
    },
    'put-language-settings': { language: 'de' },
    'authorize-change-request': { delivery_method: 'mobile_number', person_id: person },
    'confirm-change-request': { person_id: person, tan: '123456' },
    'create-webhook': { event_type: 'PERSON_MOBILE_NUMBER_CREATED', url: webhookUrl },
    'create-device': {
      person_id: person,
      key_type: 'ecdsa-p256',
      key: key.publicKeyHex,
      name: 'Bench phone',
    },
    'verify-signature-challenge': { signature },
    'add-device-key': {
      key: new DeviceKey().publicKeyHex,
      key_type: 'ecdsa-p256',
      key_purpose: 'restricted',
      device_signature: { signature_key_purpose: 'unrestricted', signature },
    },
    'create-device-challenge': { device_id: params.device_id },
    'verify-device-challenge': { signature },
    'create-payment-authorization': {
      amount: { value: 1250, currency: 'EUR' },
      payee: { name: 'Bench GmbH', iban: 'DE89370400440532013000' },
      method: 'sms',
    },
    'confirm-payment-authorization': { signature },
    'create-passkey-registration': { person_id: person, name: 'Bench passkey' },
    'create-passkey-registration-options': { tan: '123456' },
    // No such registration: the function reads it and answers 404, never reaching WebAuthn verification.
    'complete-passkey-registration': {
      credential: {
        id: 'AAAA',
        rawId: 'AAAA',
        type: 'public-key',
        response: { clientDataJSON: 'e30', attestationObject: 'oA' },
      },
    },
  };
  const auth: Auth =
    route.auth === 'user' ? { user: person } : route.auth === 'operator' ? 'operator' : 'partner';
  const { event } = apiEvent({
    method: route.method,
    url,
    body: bodies[route.operation],
    caller: await claims.caller(auth),
  });
  return { event };
}

/**
 * Cold init: for each function, 10 fresh Node processes, one at a time (no two timings overlap). The rounds go
 * over all functions in turn, so a slow spell of the machine spreads over every function instead of hitting one.
 */
export async function measureColdInit(files: Map<string, string>): Promise<ColdInit[]> {
  const tableName = 'bench-cold-init';
  const endpoint = await benchDynamo(tableName);
  const receiver = await startReceiver();
  // The receipt functions compose the KMS adapter at init; it reaches this loopback stand-in, never AWS.
  const kms = await startFakeKms();
  const claims = await ClaimSource.create();
  const payloadDir = join(PROJECT_ROOT, '.bench', 'payloads');
  mkdirSync(payloadDir, { recursive: true });
  const env = {
    PATH: process.env.PATH ?? '',
    ...serviceEnv(endpoint, tableName),
    AWS_ENDPOINT_URL_KMS: kms.endpoint,
    RECEIPT_KEY_ID: kms.keyId,
    RECEIPT_ISSUER: 'phone-security:bench',
    // Set by the Lambda runtime; a handler composes itself at module scope only where it is set.
    AWS_LAMBDA_FUNCTION_NAME: 'bench-cold-init',
  };
  const samples = new Map<
    string,
    Array<{
      importMs: number;
      initMs: number;
      sinceStartMs: number;
      dbWaitMs: number;
      dbRequests: number;
      outcome: string;
    }>
  >();
  const notes = new Map<string, string>();
  try {
    for (let round = 0; round < PROCESSES; round++) {
      for (const target of TARGETS) {
        const { event, note } = await firstInvocation(target, claims, receiver.url);
        if (note) notes.set(target.name, note);
        const payload = join(payloadDir, payloadName(target));
        writeFileSync(payload, JSON.stringify({ event, context: lambdaContext(target.name) }));
        const { stdout } = await run(process.execPath, [RUNNER, files.get(target.name)!, payload], {
          env,
          cwd: BUNDLE_DIR,
          maxBuffer: 1 << 20,
        });
        // The result is the runner's last line (a function with logging on writes lines before it).
        const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
          importMs: number;
          initMs: number;
          sinceStartMs: number;
          dbWaitMs: number;
          dbRequests: number;
          status?: number;
          failures?: number;
          error?: string;
        };
        const outcome =
          result.error !== undefined
            ? `error: ${result.error}`
            : result.status !== undefined
              ? String(result.status)
              : result.failures !== undefined
                ? `${result.failures} failed`
                : 'ok';
        const list = samples.get(target.name) ?? [];
        list.push({ ...result, outcome });
        samples.set(target.name, list);
      }
    }
  } finally {
    await kms.close();
    await receiver.close();
  }
  return TARGETS.map((target) => {
    const list = samples.get(target.name)!;
    return {
      name: target.name,
      bytes: deployedBytes(files.get(target.name)!),
      initBytes: initBytes(files.get(target.name)!),
      importMs: median(list.map((s) => s.importMs)),
      initMs: median(list.map((s) => s.initMs)),
      sinceStartMs: median(list.map((s) => s.sinceStartMs)),
      dbWaitMs: median(list.map((s) => s.dbWaitMs)),
      dbRequests: median(list.map((s) => s.dbRequests)),
      outcomes: list.map((s) => s.outcome),
      ...(notes.has(target.name) ? { note: notes.get(target.name)! } : {}),
    };
  });
}

/** Distinct outcomes with counts: `404 x10`, `201 x1, 409 x9`. */
const summarize = (outcomes: string[]) =>
  [...new Set(outcomes)].map((o) => `${o} x${outcomes.filter((x) => x === o).length}`).join(', ');

export function printColdInit(report: Report, results: ColdInit[], sizesOnly = false): void {
  report.heading('1. Bundle size and cold init per function');
  report.line(
    "Bundles: the stack's own bundling (bundleFunction in lib/service-function.ts): all functions in one esbuild run,",
  );
  report.line(
    `  minified ESM, index.mjs plus chunks shared between functions, ${BUNDLING.target} target, SDK bundled, source maps.`,
  );
  report.line(
    '  References are built in a second run with the functions, so they split the same way. KB = every .mjs file',
  );
  report.line(
    '  deployed (1000 bytes); init KB = of those, the files a cold start parses (index.mjs and its static imports).',
  );
  report.line(
    `Cold init: median of ${PROCESSES} fresh Node processes (no NODE_OPTIONS, as the stack sets) of`,
  );
  report.line(
    '  import = `await import(bundle)`; init = import + the first invocation answered (against DynamoDB Local);',
  );
  report.line('  from start = process start (performance time origin) to that answer.');
  report.line(
    '  db wait = of init, the time spent waiting for DynamoDB Local to answer (node:http timed in the child),',
  );
  report.line(
    "  over `db req` requests; own = init - db wait, the function's own work, compared with the floor's own.",
  );
  report.line(
    `Budgets: size <= ${SIZE_BUDGET_KB} KB; init <= floor + ${INIT_BUDGET_OVER_FLOOR_MS} ms where the first answer makes one DynamoDB request (others: no init budget, shown as "-"). A 5xx or error on the first invocation is flagged.`,
  );
  report.line(
    'The last rows are references, not functions: the floor, then the floor with the document client, zod and middy added in turn (bench/floor-layers/).',
  );
  report.line();
  const floor = results.find((r) => r.name === FLOOR);
  const floorMs = floor?.initMs ?? Number.NaN;
  const floorOwnMs = floor ? floor.initMs - floor.dbWaitMs : Number.NaN;
  const rows = results.map((r) => {
    const kb = r.bytes / 1000;
    const isFloor = r.name === FLOOR;
    const bad = r.outcomes.filter((o) => o.startsWith('error') || /^5\d\d$/.test(o));
    return [
      r.name,
      fixed(kb, 1),
      isReference(r) ? '' : passMiss(kb <= SIZE_BUDGET_KB),
      fixed(r.initBytes / 1000, 1),
      ...(sizesOnly
        ? []
        : [
            fixed(r.importMs, 1),
            fixed(r.initMs, 1),
            isFloor ? '' : `${r.initMs - floorMs >= 0 ? '+' : ''}${fixed(r.initMs - floorMs, 1)}`,
            isFloor ? '' : budgeted(r) ? passMiss(r.initMs <= floorMs + INIT_BUDGET_OVER_FLOOR_MS) : '-',
            fixed(r.dbWaitMs, 1),
            String(r.dbRequests),
            fixed(r.initMs - r.dbWaitMs, 1),
            isFloor
              ? ''
              : `${r.initMs - r.dbWaitMs - floorOwnMs >= 0 ? '+' : ''}${fixed(r.initMs - r.dbWaitMs - floorOwnMs, 1)}`,
            fixed(r.sinceStartMs, 1),
            `${summarize(r.outcomes)}${bad.length ? '  <-- 5xx/error' : ''}`,
          ]),
    ];
  });
  report.table(
    [
      'function',
      'KB',
      'size',
      'init KB',
      ...(sizesOnly
        ? []
        : [
            'import ms',
            'init ms',
            'vs floor',
            'init',
            'db wait',
            'db req',
            'own ms',
            'own vs floor',
            'from start',
            'first invocation',
          ]),
    ],
    rows,
  );
  report.line();
  if (!sizesOnly)
    report.line(
      `floor: ${fixed(floorMs, 1)} ms init; budget line ${fixed(floorMs + INIT_BUDGET_OVER_FLOOR_MS, 1)} ms`,
    );
  for (const r of results) if (r.note) report.line(`${r.name}: first invocation = ${r.note}`);
  const misses = results.filter((r) => !isReference(r) && r.bytes / 1000 > SIZE_BUDGET_KB).length;
  const slow = results.filter((r) => budgeted(r) && r.initMs > floorMs + INIT_BUDGET_OVER_FLOOR_MS).length;
  report.line(
    `size MISS: ${misses} of ${results.filter((r) => !isReference(r)).length}${sizesOnly ? '' : `; init MISS: ${slow} of ${results.filter(budgeted).length} budgeted`}`,
  );
}
