// One cold start, in a fresh Node process: import a bundle, answer one invocation, print the times as JSON.
// Usage: node cold-init-runner.mjs <bundle.mjs> <payload.json>   (payload: { event, context })

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import { pathToFileURL } from 'node:url';

// Time spent waiting for DynamoDB Local (request sent to response read), so the report can tell the function's own
// first-invocation work from the database's answer times. The SDK's HTTP handler calls node:http's request.
let dbWaitMs = 0;
let dbRequests = 0;
const request = http.request;
http.request = function timedRequest(...args) {
  const sent = performance.now();
  dbRequests++;
  const outgoing = request.apply(this, args);
  outgoing.once('response', (response) => response.once('end', () => (dbWaitMs += performance.now() - sent)));
  return outgoing;
};
syncBuiltinESMExports();

const [bundle, payloadFile] = process.argv.slice(2);
// Read before the clock starts: the Lambda runtime hands the event over, it is not part of the function's init.
const { event, context } = JSON.parse(readFileSync(payloadFile, 'utf8'));
const started = Date.now();
context.getRemainingTimeInMillis = () => Math.max(0, 10_000 - (Date.now() - started));

const t0 = performance.now();
const module = await import(pathToFileURL(bundle).href);
const t1 = performance.now();
let outcome;
try {
  const result = await module.handler(event, context);
  outcome = {
    status: typeof result?.statusCode === 'number' ? result.statusCode : undefined,
    failures: Array.isArray(result?.batchItemFailures) ? result.batchItemFailures.length : undefined,
  };
} catch (error) {
  outcome = { error: String(error?.message ?? error) };
}
const t2 = performance.now();
// performance.now() counts from the process's time origin (its start), so t2 is also "process start to answer".
process.stdout.write(
  JSON.stringify({ importMs: t1 - t0, initMs: t2 - t0, sinceStartMs: t2, dbWaitMs, dbRequests, ...outcome }),
  () => process.exit(0),
);
