import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { ROUTES } from '../../shared/routes.ts';

const run = promisify(execFile);

it('synthesizes with the pinned CDK CLI, offline', async () => {
  const out = mkdtempSync(join(tmpdir(), 'cdk-out-'));
  try {
    await run('npx', ['cdk', 'synth', '--quiet', '--output', out], {
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
      timeout: 240_000,
    });
    const template = JSON.parse(readFileSync(join(out, 'PhoneSecurity.template.json'), 'utf8'));
    const functions = Object.values(template.Resources).filter(
      (resource) => (resource as { Type: string }).Type === 'AWS::Lambda::Function',
    );
    expect(functions.length).toBeGreaterThanOrEqual(ROUTES.length);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 300_000);
