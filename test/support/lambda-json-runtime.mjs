// Runs built function bundles the way the Lambda Node.js runtime does under LoggingConfig.LogFormat = JSON, as far as
// logging goes: the console methods are replaced so that each call writes one line
//   {"timestamp", "level", "requestId", "message"}
// where `message` is the single argument as a JSON value (a string stays a string), or util.format of several
// arguments; console.log is INFO, console.warn WARN, console.error ERROR. This follows `formatJsonMessage` and
// `_patchConsoleWith` in aws-lambda-nodejs-runtime-interface-client (src/LogPatch.js), written here from that
// description. What a function writes to process.stdout itself (EMF documents) passes through as it is.
// Usage: node lambda-json-runtime.mjs <invocations.json>   ([{ bundle, event, requestId }], run in order)

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

let currentRequestId;
const write =
  (level) =>
  (message, ...params) => {
    const record = { timestamp: new Date().toISOString(), level, requestId: currentRequestId };
    if (params.length === 0) {
      record.message = message;
    } else {
      record.message = format(message, ...params);
    }
    let line;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ ...record, message: format(record.message) });
    }
    process.stdout.write(`${line.replace(/\n/g, '\r')}\n`);
  };
console.trace = write('TRACE');
console.debug = write('DEBUG');
console.info = write('INFO');
console.log = console.info;
console.warn = write('WARN');
console.error = write('ERROR');

const invocations = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = [];
for (const { bundle, event, requestId } of invocations) {
  const module = await import(pathToFileURL(bundle).href);
  currentRequestId = requestId;
  const started = Date.now();
  const context = {
    awsRequestId: requestId,
    functionName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, 10_000 - (Date.now() - started)),
  };
  const result = await module.handler(event, context);
  results.push(result?.statusCode ?? null);
}
process.stderr.write(`${JSON.stringify(results)}\n`);
