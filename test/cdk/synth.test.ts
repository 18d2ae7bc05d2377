import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { ROUTES } from '../../shared/routes.ts';

const run = promisify(execFile);
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
type Json = any;

it('synthesizes with the pinned CDK CLI, offline', async () => {
  const out = mkdtempSync(join(tmpdir(), 'cdk-out-'));
  try {
    await run('npx', ['cdk', 'synth', '--quiet', '--output', out], {
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
      timeout: 240_000,
    });
    // The stage's top-level template and its nested stacks' templates.
    const templates = readdirSync(out)
      .filter((name) => name.endsWith('.template.json'))
      .map((name) => JSON.parse(readFileSync(join(out, name), 'utf8')));
    expect(templates.length).toBe(9);
    const functions = templates
      .flatMap((template) => Object.values(template.Resources))
      .filter((resource) => (resource as { Type: string }).Type === 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(ROUTES.length);
    // One asset per entry file: index.mjs with the chunks it loads and their source maps (the routes, the relay, the
    // fan-out, the delivery and the secret rotation, which both secrets share). CDK's own provider functions bring an
    // index.js.
    const assets = new Set(
      functions.map((resource) =>
        String((resource as { Properties: Json }).Properties.Code.S3Key).replace(/\.zip$/, ''),
      ),
    );
    const built = [...assets].filter((asset) =>
      readdirSync(join(out, `asset.${asset}`)).includes('index.mjs'),
    );
    expect(built.length).toBe(ROUTES.length + 4);
    for (const asset of built) {
      const files = readdirSync(join(out, `asset.${asset}`));
      expect(files).toContain('index.mjs.map');
      expect(files.some((name) => /^chunk-\w+\.mjs$/.test(name))).toBe(true);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 300_000);
