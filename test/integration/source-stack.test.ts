import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiEvent, ClaimSource } from '../../bench/events.ts';
import { buildFunction } from '../../bench/function-build.ts';
import { DEV_ISSUER } from '../../shared/auth/dev-issuer.ts';
import { loggableStack, sourceMappedStack } from '../../shared/source-stack.ts';
import { uniquePerson, uniqueTable } from '../support/harness.ts';
import { runLikeLambda } from '../support/lambda-runtime.ts';

const run = promisify(execFile);
let dir: string;
let fixture: string;
let getMobileNumber: string;

const FIXTURE = `export class Vault {
  open(code: string): string {
    return checkCode(code);
  }
}

function checkCode(code: string): string {
  if (code.length !== 6) throw new Error('bad code');
  return code;
}
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'source-stack-'));
  writeFileSync(join(dir, 'vault.ts'), FIXTURE);
  writeFileSync(
    join(dir, 'entry.ts'),
    "import { Vault } from './vault.ts';\nexport const handler = () => new Vault().open('123');\n",
  );
  fixture = await buildFunction(join(dir, 'entry.ts'), join(dir, 'fixture'));
  getMobileNumber = await buildFunction('functions/get-mobile-number.ts', join(dir, 'get-mobile-number'));
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The stack of the error the fixture bundle throws, as a process without NODE_OPTIONS sees it. */
async function fixtureStack(): Promise<string> {
  const script =
    'import(process.argv[1]).then((m) => { try { m.handler(); } catch (e) { process.stdout.write(e.stack); } })';
  const { stdout } = await run(process.execPath, ['-e', script, fixture], {
    env: { PATH: process.env.PATH ?? '' },
  });
  return stdout;
}

describe('sourceMappedStack', () => {
  it('maps the frames of a minified bundle to the sources, lines and names, from the map beside it', async () => {
    const raw = await fixtureStack();
    expect(raw).toContain('fixture/index.mjs:');
    expect(raw).not.toContain('vault.ts');
    const mapped = sourceMappedStack(raw, join(dir, 'fixture'));
    expect(mapped.split('\n')[0]).toBe('Error: bad code');
    // The throw is on line 8 of vault.ts, the call to checkCode on line 3; the names come from the callers.
    expect(mapped).toMatch(/at checkCode \(.*vault\.ts:8:\d+\)/);
    expect(mapped).toMatch(/at .*\.open \(.*vault\.ts:3:\d+\)/);
    expect(mapped).toMatch(/entry\.ts:2:\d+/);
    expect(mapped).not.toMatch(/fixture\/[\w-]+\.mjs:/);
  });

  it('leaves frames it has no map for as they are', () => {
    const stack = [
      'Error: nope',
      '    at check (/work/project/shared/codes/one-time-code.ts:12:3)',
      '    at file:///nowhere/without-map.mjs:1:200',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:105:5)',
    ].join('\n');
    expect(sourceMappedStack(stack)).toBe(stack);
  });

  it("maps no file outside the function's own directory, whatever a line of the stack names", async () => {
    const raw = await fixtureStack();
    // The same frames, but the function's directory is elsewhere: an error message could hold such lines.
    expect(sourceMappedStack(raw, join(dir, 'elsewhere'))).toBe(raw);
    expect(sourceMappedStack(raw, dir)).not.toBe(raw);
  });

  it('resolves `..` in a frame before it compares the file with the function directory', async () => {
    const raw = await fixtureStack();
    // `<dir>/other/../fixture/index.mjs` starts with `<dir>/other/` as text, but the file is outside `<dir>/other`.
    // (A file URL has its `..` resolved when it is parsed; a frame can also name a plain path, which has not.)
    const climbing = raw.replaceAll(`file://${join(dir, 'fixture')}`, `${join(dir, 'other')}/../fixture`);
    expect(climbing).not.toBe(raw);
    expect(sourceMappedStack(climbing, join(dir, 'other'))).toBe(climbing);
    // Under the directory it resolves to, the same frames are mapped.
    expect(sourceMappedStack(climbing, join(dir, 'fixture'))).toMatch(/vault\.ts:8:\d+/);
  });

  it('leaves a frame whose file URL names no file as it is, and never throws', () => {
    const stack = ['Error: nope', `    at run (file://${dir}/fixture%2Findex.mjs:1:20)`].join('\n');
    expect(sourceMappedStack(stack, dir)).toBe(stack);
  });
});

describe('loggableStack', () => {
  it('gives the stack of an Error, and undefined for anything else', () => {
    expect(loggableStack(new Error('boom'))).toMatch(/^Error: boom\n\s+at /);
    expect(loggableStack('boom')).toBeUndefined();
    expect(loggableStack({ stack: 'Error: boom' })).toBeUndefined();
  });

  it('logs a stack it cannot read as it is', () => {
    const error = new Error('odd');
    error.stack = [
      'Error: odd',
      '    at file:///var/task/a%2Fb.mjs:1:1',
      '    at file:///var/task/../../tmp/x.mjs:1:1',
    ].join('\n');
    expect(loggableStack(error)).toBe(error.stack);
  });
});

describe('an unexpected error in a deployed function', () => {
  it('is answered 500 and logged with its stack in source terms', async () => {
    const claims = await ClaimSource.create();
    const { event } = apiEvent({
      method: 'GET',
      url: `/v1/persons/${uniquePerson()}/mobile_number`,
      caller: await claims.caller('partner'),
    });
    const { lines, statuses } = await runLikeLambda(
      dir,
      [{ bundle: getMobileNumber, event, requestId: 'lambda-0' }],
      {
        // A table that does not exist: DynamoDB Local answers ResourceNotFoundException, which nothing expects.
        TABLE_NAME: uniqueTable(),
        DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
        AUTH_ISSUER: DEV_ISSUER,
        METRICS_DISABLED: 'true',
      },
    );
    expect(statuses).toEqual([500]);
    const logged = lines.find((line) => line.message?.msg === 'unhandled error');
    const stack: string = logged?.message.stack ?? '';
    expect(stack).toMatch(/^ResourceNotFoundException/);
    expect(stack).toMatch(/at .*\(node_modules\/@aws-sdk\/core\/.*\.js:\d+:\d+\)/);
    expect(stack).toMatch(
      /at async .*\.get \(.*shared\/mobile-number\/dynamo-mobile-number-store\.ts:\d+:\d+\)/,
    );
    expect(stack).not.toMatch(/get-mobile-number\/[\w-]+\.mjs:/);
  }, 60_000);
});
