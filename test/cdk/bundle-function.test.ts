import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
