import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleFunction, FUNCTION_ENTRY_FILE } from '../../lib/service-function.ts';

/** Every file of a built function with a digest of its content, by name. */
function files(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => [
        name,
        createHash('sha256')
          .update(readFileSync(join(dir, name)))
          .digest('hex'),
      ]),
  );
}

const scratch = mkdtempSync(join(tmpdir(), 'bundle-function-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('bundleFunction', () => {
  it('gives the same files wherever the output directory is, so an unchanged function keeps its asset hash', () => {
    const near = join(scratch, 'near');
    const deep = join(scratch, 'a', 'b', 'c', 'd', 'deep');
    mkdirSync(deep, { recursive: true });
    bundleFunction('functions/get-mobile-number.ts', near);
    bundleFunction('functions/get-mobile-number.ts', deep);
    const built = files(near);
    expect(Object.keys(built)).toContain(FUNCTION_ENTRY_FILE);
    expect(Object.keys(built)).toContain(`${FUNCTION_ENTRY_FILE}.map`);
    expect(Object.keys(built).some((name) => /^chunk-\w+\.mjs$/.test(name))).toBe(true);
    expect(files(deep)).toEqual(built);
    // The maps still name the sources (shared/source-stack.ts shows them without the leading `../`).
    const map = JSON.parse(readFileSync(join(near, `${FUNCTION_ENTRY_FILE}.map`), 'utf8'));
    expect(map.sources.some((source: string) => source.endsWith('functions/get-mobile-number.ts'))).toBe(
      true,
    );
  }, 60_000);
});

describe('a function built in the one esbuild run of all functions', () => {
  it('holds every file it loads: its asset alone imports and exports the handler', async () => {
    const dir = join(scratch, 'alone');
    bundleFunction('functions/confirm-mobile-number.ts', dir);
    const names = readdirSync(dir);
    expect(names.filter((name) => name.endsWith('.mjs')).length).toBeGreaterThan(1);
    // In a fresh process, with nothing but the asset on disk beside it (the SDK is bundled).
    const run = promisify(execFile);
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(join(dir, FUNCTION_ENTRY_FILE))}); console.log(typeof m.handler);`,
      ],
      {
        cwd: dir,
        env: {
          ...process.env,
          TABLE_NAME: 't',
          AWS_REGION: 'eu-central-1',
          OTP_PEPPER: 'p'.repeat(32),
          METRICS_DISABLED: 'true',
        },
      },
    );
    expect(stdout.trim()).toBe('function');
  }, 60_000);

  it('copies only what the function loads: another function’s entry is not in its asset', () => {
    const a = join(scratch, 'a-only');
    const b = join(scratch, 'b-only');
    bundleFunction('functions/get-mobile-number.ts', a);
    bundleFunction('functions/create-device.ts', b);
    expect(readFileSync(join(a, FUNCTION_ENTRY_FILE), 'utf8')).not.toEqual(
      readFileSync(join(b, FUNCTION_ENTRY_FILE), 'utf8'),
    );
    expect(readdirSync(a).sort()).not.toEqual(readdirSync(b).sort());
  }, 60_000);
});
