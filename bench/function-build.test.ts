import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunction, deployedBytes, initBytes, initFiles } from './function-build.ts';

let dir: string;
let entry: string;
let authorize: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'function-build-'));
  entry = await buildFunction('bench/floor-handler.ts', join(dir, 'floor'));
  authorize = await buildFunction('functions/authorize-mobile-number.ts', join(dir, 'authorize'));
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a function built like the stack builds it', () => {
  it('is an index.mjs with chunks, each with its source map', () => {
    const files = readdirSync(join(dir, 'floor'));
    expect(basename(entry)).toBe('index.mjs');
    const modules = files.filter((name) => name.endsWith('.mjs'));
    expect(modules.some((name) => name.startsWith('chunk-'))).toBe(true);
    for (const name of modules) expect(files).toContain(`${name}.map`);
  });

  it('parses at cold start only the files index.mjs imports statically; the rest are imported on demand', () => {
    const atInit = new Set(initFiles(entry).map((file) => basename(file)));
    expect(atInit.has('index.mjs')).toBe(true);
    const onDemand = readdirSync(join(dir, 'floor')).filter(
      (name) => name.endsWith('.mjs') && !atInit.has(name),
    );
    // The SDK's credential providers for SSO, profiles and web identity are imported dynamically.
    expect(onDemand.length).toBeGreaterThan(0);
    // They are reached through dynamic import()s.
    const sources = readdirSync(join(dir, 'floor'))
      .filter((name) => name.endsWith('.mjs'))
      .map((name) => readFileSync(join(dir, 'floor', name), 'utf8'));
    const dynamicallyImported = new Set(
      sources.flatMap((source) => [...source.matchAll(/import\("\.\/([^"]+\.mjs)"\)/g)].map((m) => m[1]!)),
    );
    expect(onDemand.some((name) => dynamicallyImported.has(name))).toBe(true);
    expect(initBytes(entry)).toBeLessThan(deployedBytes(entry));
  });

  it('loads the SNS and Secrets Manager clients of a function that sends SMS on first use, not at cold start', () => {
    const text = (files: string[]) => files.map((file) => readFileSync(file, 'utf8')).join('\n');
    const atInit = text(initFiles(authorize));
    const deployed = text(
      readdirSync(join(dir, 'authorize'))
        .filter((name) => name.endsWith('.mjs'))
        .map((name) => join(dir, 'authorize', name)),
    );
    // Each client's code names its service's Smithy namespace.
    for (const service of ['com.amazonaws.sns', 'com.amazonaws.secretsmanager']) {
      expect(deployed.includes(service)).toBe(true);
      expect(atInit.includes(service)).toBe(false);
    }
    expect(atInit.includes('com.amazonaws.dynamodb')).toBe(true);
  });
});
