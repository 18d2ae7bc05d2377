/**
 * `npm run bench`: prints figures, asserts nothing.
 * 1. Per function: the size of its production bundle (same esbuild settings as the stack) and the time Node takes
 *    to load it in a fresh process (the module-init part of a cold start; the Lambda runtime adds its own).
 * 2. Through the local server on DynamoDB Local: latency of create / authorize / confirm / get over N persons.
 *    DynamoDB Local is slower than DynamoDB, so these are upper bounds for the handler path, not AWS figures.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { startLocalService } from '../shared/local/local-service.ts';
import { handlerEntry, ROUTES } from '../shared/routes.ts';

process.env.LOG_SILENT = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const N = Number(process.env.BENCH_N ?? 200);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function bundles() {
  const out = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
  console.log('function bundle (minified ESM, SDK included) and module init in a fresh Node process:');
  try {
    for (const route of ROUTES) {
      const file = join(out, `${route.operation}.mjs`);
      await build({
        entryPoints: [handlerEntry(route)],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node22',
        minify: true,
        mainFields: ['module', 'main'],
        outfile: file,
        logLevel: 'silent',
        banner: {
          js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        },
      });
      const inits: number[] = [];
      for (let i = 0; i < 5; i++) {
        const script = `const t=performance.now();await import(${JSON.stringify(file)});console.log(performance.now()-t)`;
        inits.push(
          Number(
            execFileSync(process.execPath, ['--input-type=module', '-e', script], {
              env: { ...process.env, TABLE_NAME: 't', OTP_PEPPER_SECRET_ARN: 'none' },
            }).toString(),
          ),
        );
      }
      const kib = (statSync(file).size / 1024).toFixed(0);
      console.log(
        `  ${route.operation.padEnd(28)} ${kib.padStart(6)} KiB   init p50 ${percentile(inits, 50).toFixed(0)} ms`,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function latency() {
  const service = await startLocalService({});
  const authorization = `Bearer ${await service.issuer.mint({ kind: 'partner' }, { expiresIn: 3600 })}`;
  const timings: Record<string, number[]> = { create: [], authorize: [], confirm: [], get: [] };
  const call = async (name: string, method: string, path: string, body?: unknown) => {
    const started = performance.now();
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    await response.text();
    timings[name]!.push(performance.now() - started);
    if (response.status >= 300) throw new Error(`${name}: ${response.status}`);
  };
  try {
    for (let i = 0; i < 20; i++)
      await call('get', 'PUT', `/v1/persons/warm${i}/language_settings`, { language: 'en' });
    timings.get = [];
    for (let i = 0; i < N; i++) {
      const path = `/v1/persons/bench${i}/mobile_number`;
      const number = `+49151${String(3000000 + i).padStart(8, '0')}`;
      await call('create', 'POST', path, { number });
      await call('authorize', 'POST', `${path}/authorize`, { number });
      const otp = service.outbox.entries.at(-1)!.text.match(/\d{6}/)![0];
      await call('confirm', 'POST', `${path}/confirm`, { number, token: otp });
      await call('get', 'GET', path);
    }
  } finally {
    await service.close();
  }
  console.log(`\nlocal server on DynamoDB Local, ${N} persons, sequential (ms):`);
  for (const [name, values] of Object.entries(timings)) {
    console.log(
      `  ${name.padEnd(10)} p50 ${percentile(values, 50).toFixed(1).padStart(6)}   p95 ${percentile(values, 95).toFixed(1).padStart(6)}   max ${Math.max(
        ...values,
      )
        .toFixed(1)
        .padStart(6)}`,
    );
  }
}

await bundles();
await latency();
