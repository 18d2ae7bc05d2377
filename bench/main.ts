/**
 * `npm run bench`: the service's benchmark suite. Prints figures and PASS/MISS against the budgets; asserts nothing
 * (it fails only on real errors). Sections (bench/):
 *   bundles      1. bundle size and cold init per function, against a floor
 *   round-trips  2. DynamoDB round trips per request, the scenario over every route
 *   cpu          3. handler CPU per request, DynamoDB replayed in-process
 *   throughput   4. the verification flow against the local server at concurrency 1, 8, 32
 *   cost         5. AWS cost of a verification and a device binding (from the round trips)
 *   observability 6. what logging and metrics cost in bundle size and cold init (own modules vs Powertools)
 *   idempotency  7. what Idempotency-Key costs on authorize; own layer vs Powertools Idempotency (round trips, cold init)
 *   fraud        8. SMS pumping against the fraud guard at each protection level, on a simulated clock; its cost
 * Options: --only=cpu (or a comma list) runs some sections; --docs writes docs/benchmarks/cold-init.svg and
 * docs/benchmarks/last-run.txt instead of .bench/cold-init.svg.
 * All traffic stays on 127.0.0.1: DynamoDB Local, the local server, a local webhook receiver.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../lib/service-function.ts';
import { buildBundles, type ColdInit, measureColdInit, printColdInit } from './bundles.ts';
import { coldInitSvg } from './chart.ts';
import { printCost } from './cost.ts';
import type { CpuRun } from './cpu.ts';
import { printCpu } from './cpu.ts';
import {
  applySafetyEnv,
  DYNAMODB_ENDPOINT_VARIABLE,
  dynamoEndpoint,
  stopBenchDynamo,
} from './environment.ts';
import { type FraudRun, measureFraud, printFraud } from './fraud.ts';
import {
  type IdempotencyRun,
  type LayerColdInit,
  measureIdempotencyColdInit,
  printIdempotency,
} from './idempotency.ts';
import { measureObservability, type ObservabilityCost, printObservability } from './observability.ts';
import { machine, Report } from './report.ts';
import { printRoundTrips, type RoundTripRun } from './round-trips.ts';
import { printThroughput, type ThroughputLevel } from './throughput.ts';

// Before anything creates an AWS SDK client; children inherit it.
applySafetyEnv();

const SECTIONS = [
  'bundles',
  'round-trips',
  'cpu',
  'throughput',
  'cost',
  'observability',
  'idempotency',
  'fraud',
] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: { only: { type: 'string' }, docs: { type: 'boolean', default: false } },
});
const only = values.only?.split(',').map((s) => s.trim()) ?? [...SECTIONS];
for (const name of only) {
  if (!SECTIONS.includes(name as Section)) {
    console.error(`unknown section ${name}; sections: ${SECTIONS.join(', ')}`);
    process.exit(2);
  }
}
const wanted = (section: Section) => only.includes(section);

/**
 * The whole run must stay under 5 minutes. The CPU section runs last and replays for as long as this leaves; run
 * alone (--only=cpu) it replays everything.
 */
const RUN_BUDGET_S = 280;

const started = performance.now();
const elapsed = () => (performance.now() - started) / 1000;
const progress = (text: string) => process.stderr.write(`[bench ${elapsed().toFixed(0)} s] ${text}\n`);
const timings: string[] = [];
async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  progress(`${name}...`);
  const t0 = performance.now();
  try {
    return await work();
  } finally {
    timings.push(`${name} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}

/** Runs a measuring section in its own process (bench/section.ts) and reads its JSON result. */
async function inChild<T>(section: string, ...args: string[]): Promise<T> {
  const dir = join(PROJECT_ROOT, '.bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${section}.json`);
  const env = { ...process.env, [DYNAMODB_ENDPOINT_VARIABLE]: await dynamoEndpoint() };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'bench', 'section.ts'), section, file, ...args],
    { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`the ${section} section failed (exit code ${code})`);
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

const report = new Report();
report.line(`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`);
report.line(`started ${new Date().toISOString()}`);
for (const line of machine()) report.line(line);

let coldInit: ColdInit[] | undefined;
let roundTrips: RoundTripRun | undefined;
let cpu: CpuRun | undefined;
let throughput: ThroughputLevel[] | undefined;
let observability: ObservabilityCost[] | undefined;
let idempotency: IdempotencyRun | undefined;
let idempotencyColdInit: LayerColdInit[] | undefined;
let fraud: FraudRun | undefined;
try {
  if (wanted('bundles')) {
    const files = await timed('bundles', buildBundles);
    coldInit = await timed('cold init', () => measureColdInit(files));
  }
  if (wanted('observability')) observability = await timed('observability', measureObservability);
  if (wanted('idempotency')) {
    idempotencyColdInit = await timed('idempotency cold init', measureIdempotencyColdInit);
    idempotency = await timed('idempotency', () => inChild<IdempotencyRun>('idempotency'));
  }
  if (wanted('round-trips') || wanted('cost'))
    roundTrips = await timed('round trips', () => inChild<RoundTripRun>('round-trips'));
  if (wanted('throughput'))
    throughput = await timed('throughput', () => inChild<ThroughputLevel[]>('throughput'));
  if (wanted('fraud')) fraud = await timed('fraud', () => measureFraud(progress));
  if (wanted('cpu')) {
    // What is left of the run's budget, less a few seconds for the child's start and the report.
    const budget = only.length === 1 ? 'Infinity' : String(Math.max(30, RUN_BUDGET_S - elapsed() - 8));
    cpu = await timed('cpu', () => inChild<CpuRun>('cpu', budget));
  }
} finally {
  await stopBenchDynamo();
}

// The report, in section order.
if (coldInit) {
  printColdInit(report, coldInit);
  const svg = coldInitSvg(
    coldInit,
    `median of 10 fresh processes, node ${process.version}, ${machine()[0]!.slice(9)}`,
  );
  const svgPath = values.docs
    ? join(PROJECT_ROOT, 'docs', 'benchmarks', 'cold-init.svg')
    : join(PROJECT_ROOT, '.bench', 'cold-init.svg');
  mkdirSync(join(svgPath, '..'), { recursive: true });
  writeFileSync(svgPath, svg);
  report.line(`chart: ${svgPath.slice(PROJECT_ROOT.length + 1)}`);
}
if (roundTrips && wanted('round-trips')) printRoundTrips(report, roundTrips);
if (cpu) printCpu(report, cpu);
if (throughput) printThroughput(report, throughput);
if (roundTrips && wanted('cost')) printCost(report, roundTrips);
if (observability) printObservability(report, observability);
if (idempotency || idempotencyColdInit) printIdempotency(report, idempotency, idempotencyColdInit);
if (fraud) printFraud(report, fraud);
report.line();
report.line(`sections: ${timings.join(', ')}; whole run ${elapsed().toFixed(1)} s`);
if (values.docs) {
  const path = join(PROJECT_ROOT, 'docs', 'benchmarks', 'last-run.txt');
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, report.text());
  console.log('report: docs/benchmarks/last-run.txt');
}
