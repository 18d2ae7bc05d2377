/**
 * Runs one measuring section in a process of its own and writes its result as JSON to a file:
 *   node --import tsx bench/section.ts <round-trips|cpu|throughput|idempotency> <result.json> [cpu budget seconds]
 * Each section gets a fresh heap with only the service's code in it (not the bench's CDK and esbuild imports, nor
 * the previous section's leftovers), so its figures are the same whether it runs alone or in the full run.
 */
import { writeFileSync } from 'node:fs';
import { measureCpu } from './cpu.ts';
import { applySafetyEnv, stopBenchDynamo } from './environment.ts';
import { measureIdempotency } from './idempotency.ts';
import { measureRoundTrips } from './round-trips.ts';
import { measureThroughput } from './throughput.ts';

applySafetyEnv();
const [name, file, budget] = process.argv.slice(2);
try {
  const result =
    name === 'round-trips'
      ? await measureRoundTrips()
      : name === 'cpu'
        ? await measureCpu(Number(budget ?? 'Infinity'))
        : name === 'throughput'
          ? await measureThroughput()
          : name === 'idempotency'
            ? await measureIdempotency()
            : undefined;
  if (result === undefined) throw new Error(`unknown section ${name}`);
  writeFileSync(file!, JSON.stringify(result));
} finally {
  await stopBenchDynamo();
}
process.exit(0);
