/**
 * Built functions run in a child process the way the Lambda Node.js runtime runs them under the JSON log format
 * (lambda-json-runtime.mjs beside this file), against DynamoDB Local, with no NODE_OPTIONS.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../lib/service-function.ts';

const run = promisify(execFile);
const RUNNER = join(PROJECT_ROOT, 'test', 'support', 'lambda-json-runtime.mjs');

export interface Invocation {
  /** The function's entry file (`index.mjs` of its build). */
  bundle: string;
  event: unknown;
  requestId: string;
}

// biome-ignore lint/suspicious/noExplicitAny: parsed log lines
export type LogLine = Record<string, any>;

/**
 * Runs the invocations in order in one process, in `dir`, with the environment Lambda gives every function
 * (function name, region, credentials, JSON log format) plus `env`. Returns every line written to stdout, parsed,
 * and the status of each answer.
 */
export async function runLikeLambda(
  dir: string,
  invocations: Invocation[],
  env: Record<string, string>,
): Promise<{ lines: LogLine[]; statuses: number[] }> {
  const file = join(dir, 'invocations.json');
  writeFileSync(file, JSON.stringify(invocations));
  const { stdout, stderr } = await run(process.execPath, [RUNNER, file], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      AWS_LAMBDA_LOG_FORMAT: 'JSON',
      // Set by the Lambda runtime; a handler composes itself at module scope only there (lambdaEntry).
      AWS_LAMBDA_FUNCTION_NAME: 'test-function',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
  });
  return {
    statuses: JSON.parse(stderr.trim().split('\n').at(-1)!) as number[],
    lines: stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LogLine),
  };
}
