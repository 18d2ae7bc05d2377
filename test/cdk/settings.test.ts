import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../lib/app.ts';
import { PROJECT_ROOT } from '../../lib/service-function.ts';
import { CONTEXT_SETTINGS, SettingsError, withSettingsTable } from '../../lib/settings.ts';
import { ENV_SETTINGS } from '../../shared/settings.ts';

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

describe('context settings', () => {
  it('refuses a misspelled key, naming the key it resembles and every known key', () => {
    let error: unknown;
    try {
      createApp({ context: { ...NO_BUNDLING, smsSenderID: 'MyBank' } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const message = (error as Error).message;
    expect(message).toContain('Unknown context key smsSenderID (did you mean smsSenderId?)');
    for (const key of Object.keys(CONTEXT_SETTINGS)) expect(message).toContain(key);
  });

  it('refuses an unknown key that resembles none', () => {
    expect(() => createApp({ context: { ...NO_BUNDLING, colour: 'blue' } })).toThrow(
      /^Unknown context key colour\. Known keys: stackName, sandbox/,
    );
  });

  it('accepts the CDK’s own keys (feature flags, CLI keys, cached lookups) and the declared ones', () => {
    const { stack } = createApp({
      context: {
        ...NO_BUNDLING,
        '@aws-cdk/core:validateAgainstDefaultRules': true,
        'cli-telemetry': false,
        'availability-zones:account=111111111111:region=eu-central-1': ['eu-central-1a'],
        stackName: 'PhoneSecurityTest',
        sandbox: 'true',
        'alarm.functionErrors': '3',
      },
    });
    expect(stack.stackName).toBe('PhoneSecurityTest');
    expect(stack.observability.thresholds.functionErrors).toBe(3);
  });

  it('refuses a value of the wrong type, naming the key', () => {
    expect(() => createApp({ context: { ...NO_BUNDLING, sandbox: 'yes' } })).toThrow(
      /Context sandbox=yes is not true or false/,
    );
    expect(() => createApp({ context: { ...NO_BUNDLING, 'alarm.functionErrors': 'many' } })).toThrow(
      /alarm\.functionErrors=many is not a number/,
    );
  });

  it('stops `cdk synth` with one line and a non-zero exit code', async () => {
    const run = promisify(execFile);
    const failure = await run('npx', ['tsx', 'bin/app.ts'], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ stackname: 'X' }),
        CDK_OUTDIR: '/tmp/never-written',
      },
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Unknown context key stackname \(did you mean stackName\?\)\. Known keys: /),
    ]);
  }, 60_000);

  it('has its reference table in docs/configuration.md as `npm run docs:settings` writes it', () => {
    const docs = readFileSync(join(PROJECT_ROOT, 'docs', 'configuration.md'), 'utf8');
    // On a difference: run `npm run docs:settings` and commit docs/configuration.md.
    expect(docs).toBe(withSettingsTable(docs));
    for (const key of Object.keys(CONTEXT_SETTINGS)) expect(docs).toContain(`| \`${key}\` |`);
  });

  it('has the environment table in docs/configuration.md as `npm run docs:settings` writes it', () => {
    const docs = readFileSync(join(PROJECT_ROOT, 'docs', 'configuration.md'), 'utf8');
    const environment = docs.slice(docs.indexOf('<!-- env-settings:begin -->'));
    for (const name of Object.keys(ENV_SETTINGS)) expect(environment).toContain(`| \`${name}\` |`);
    // A stale row is a difference too: the generated file changes when a declaration does.
    const stale = docs.replace(
      '| `OTP_TTL_SECONDS` | integer: 30 to 3600 |',
      '| `OTP_TTL_SECONDS` | integer: 30 to 600 |',
    );
    expect(stale).not.toBe(docs);
    expect(withSettingsTable(stale)).toBe(docs);
  });
});
