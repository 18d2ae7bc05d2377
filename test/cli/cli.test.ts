import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Every command-line tool: --help exits 0 with its usage; a user error is one line on stderr and exit code 2. */
const run = (script: string, args: string[]) =>
  spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', script, ...args], {
    encoding: 'utf8',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    timeout: 60_000,
  });

const tools: Array<[string, string[]]> = [
  ['bin/token.ts', ['--expires-in', 'soon', '--partner']],
  ['bin/device.ts', ['sign', '--device', 'no-such-device']],
  ['bin/ops.ts', ['replay', '--from', 'yesterday']],
  ['bin/openapi.ts', ['--pretty']],
  ['bin/local.ts', ['--persits']],
  ['scripts/rotate-secret.ts', ['--now']],
];

describe.each(tools)('%s', (script, wrong) => {
  it('prints its usage on --help and exits 0', () => {
    const result = run(script, ['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^usage: /);
  });

  it('answers a user error with one line and exit code 2, without a stack trace', () => {
    const result = run(script, wrong);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

it('names an unknown option and points at --help', () => {
  const result = run('bin/token.ts', ['--bogus']);
  expect(result.stderr.trim()).toBe("Unknown option '--bogus' (--help for usage)");
});
