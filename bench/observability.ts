/**
 * 6. What logging and metrics cost: the floor handler bundled alone and with each way of logging and emitting
 * metrics, each with the stack's esbuild settings, then cold-started like section 1 (fresh processes, median),
 * with logging and metrics on (they write to the child's stdout; the runner's result is its last line).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../lib/service-function.ts';
import { benchDynamo, serviceEnv } from './environment.ts';
import { lambdaContext } from './events.ts';
import { buildFunction, deployedBytes } from './function-build.ts';
import { fixed, median, type Report } from './report.ts';

const run = promisify(execFile);
const DIR = join(PROJECT_ROOT, '.bench', 'observability');
const RUNNER = join(PROJECT_ROOT, 'bench', 'cold-init-runner.mjs');
const PROCESSES = 15;

export const VARIANTS = [
  { name: 'floor (no logging, no metrics)', entry: 'bench/floor-handler.ts' },
  { name: 'floor + shared/logging.ts + shared/metrics.ts', entry: 'bench/observability/own.ts' },
  { name: 'floor + Powertools Logger 2.35.0', entry: 'bench/observability/powertools-logger.ts' },
  { name: 'floor + Powertools Metrics 2.35.0', entry: 'bench/observability/powertools-metrics.ts' },
  { name: 'floor + Powertools Logger + Metrics', entry: 'bench/observability/powertools-both.ts' },
] as const;

export interface ObservabilityCost {
  name: string;
  bytes: number;
  initMs: number;
  importMs: number;
}

export async function measureObservability(): Promise<ObservabilityCost[]> {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const files: string[] = [];
  for (const [i, variant] of VARIANTS.entries()) {
    files.push(await buildFunction(variant.entry, join(DIR, `variant-${i}`)));
  }
  const tableName = 'bench-observability';
  const endpoint = await benchDynamo(tableName);
  const env = {
    PATH: process.env.PATH ?? '',
    ...serviceEnv(endpoint, tableName),
    LOG_SILENT: 'false',
    METRICS_DISABLED: 'false',
    POWERTOOLS_DEV: 'false',
  };
  const payload = join(DIR, 'payload.json');
  const samples = VARIANTS.map(() => [] as Array<{ initMs: number; importMs: number }>);
  for (let round = 0; round < PROCESSES; round++) {
    for (const [i] of VARIANTS.entries()) {
      writeFileSync(
        payload,
        JSON.stringify({ event: {}, context: { ...lambdaContext('bench'), awsRequestId: randomUUID() } }),
      );
      const { stdout } = await run(process.execPath, [RUNNER, files[i]!, payload], {
        env,
        cwd: DIR,
        maxBuffer: 1 << 20,
      });
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
        initMs: number;
        importMs: number;
        error?: string;
      };
      if (result.error) throw new Error(`${VARIANTS[i]!.name}: ${result.error}`);
      samples[i]!.push(result);
    }
  }
  return VARIANTS.map((variant, i) => ({
    name: variant.name,
    bytes: deployedBytes(files[i]!),
    initMs: median(samples[i]!.map((s) => s.initMs)),
    importMs: median(samples[i]!.map((s) => s.importMs)),
  }));
}

export function printObservability(report: Report, results: ObservabilityCost[]): void {
  report.heading('6. Cost of logging and metrics (bundle size and cold init over the floor)');
  report.line(
    `Median of ${PROCESSES} fresh processes each; logging and metrics on, written to the child's stdout.`,
  );
  report.line();
  const floor = results[0]!;
  report.table(
    ['variant', 'KB', '+KB', 'import ms', 'init ms', 'init vs floor'],
    results.map((r, i) => [
      r.name,
      fixed(r.bytes / 1000, 1),
      i === 0 ? '' : `+${fixed((r.bytes - floor.bytes) / 1000, 1)}`,
      fixed(r.importMs, 1),
      fixed(r.initMs, 1),
      i === 0 ? '' : `${r.initMs - floor.initMs >= 0 ? '+' : ''}${fixed(r.initMs - floor.initMs, 1)}`,
    ]),
  );
}
