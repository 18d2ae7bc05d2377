import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { conceptOf } from '../../lib/api-concepts.ts';
import { createApp } from '../../lib/app.ts';
import { PhoneSecurityStack } from '../../lib/phone-security-stack.ts';
import { ROUTES, type RouteDefinition } from '../../shared/routes.ts';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
type Json = any;

/**
 * CloudFormation's per-stack limits (docs: "CloudFormation quotas"): 500 resources, 200 outputs, 200 parameters, a
 * template body of 1 MB through S3. Nested stacks count separately. Each template stays within 60 % of each, so the
 * stage can grow by half again before a limit is near; 600 KB leaves room below the 1 MB body limit.
 */
const LIMITS = { resources: 300, outputs: 120, parameters: 120, bytes: 600_000 };

const scratch = mkdtempSync(join(tmpdir(), 'limits-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Every template of an app as `cdk synth` writes it (nested stacks included), with its counts and size. */
function templatesOf(app: App, outdir: string) {
  app.synth();
  return readdirSync(outdir)
    .filter((name) => name.endsWith('.template.json'))
    .map((name) => {
      const template: Json = JSON.parse(readFileSync(join(outdir, name), 'utf8'));
      return {
        name,
        resources: Object.keys(template.Resources ?? {}).length,
        outputs: Object.keys(template.Outputs ?? {}).length,
        parameters: Object.keys(template.Parameters ?? {}).length,
        bytes: statSync(join(outdir, name)).size,
      };
    });
}

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

describe('CloudFormation limits', () => {
  it.each([
    ['the default stage', {}],
    [
      'a sandbox stage with every option',
      {
        sandbox: 'true',
        stackName: 'PhoneSecurityTest',
        alarmEmail: 'ops@example.com',
        smsSenderId: 'MyBank',
        retiredReceiptKeyArns:
          'arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      },
    ],
    ['a stage with an external issuer', { authIssuer: 'https://issuer.example', authAudiences: 'a,b' }],
  ])(
    'keeps every template of %s within 60 percent of each per-stack limit',
    (_, context) => {
      const outdir = mkdtempSync(join(scratch, 'out-'));
      const { app } = createApp({ outdir, context: { ...NO_BUNDLING, ...context } });
      const templates = templatesOf(app, outdir);
      // The top-level stack and its nested stacks: 6 API concepts, events, observability.
      expect(templates.length).toBe(9);
      for (const template of templates) {
        expect({ name: template.name, resources: template.resources <= LIMITS.resources }).toEqual({
          name: template.name,
          resources: true,
        });
        expect({ name: template.name, outputs: template.outputs <= LIMITS.outputs }).toEqual({
          name: template.name,
          outputs: true,
        });
        expect({ name: template.name, parameters: template.parameters <= LIMITS.parameters }).toEqual({
          name: template.name,
          parameters: true,
        });
        expect({ name: template.name, bytes: template.bytes <= LIMITS.bytes }).toEqual({
          name: template.name,
          bytes: true,
        });
      }
      // Nothing is lost in the split: every route is a function somewhere.
      expect(templates.reduce((sum, t) => sum + t.resources, 0)).toBeGreaterThan(ROUTES.length * 8);
    },
    120_000,
  );

  it('fails a template that is over a limit (the check can fail)', () => {
    const outdir = mkdtempSync(join(scratch, 'out-'));
    // Every route three times over in one concept's stack: 3 × 12 device routes × 9 resources.
    const devices = ROUTES.filter((route) => conceptOf(route) === 'devices');
    const many: RouteDefinition[] = [0, 1, 2].flatMap((copy) =>
      devices.map((route) => ({
        ...route,
        operation: `${route.operation}-${copy}`,
        path: `${route.path}/copy${copy}`,
      })),
    );
    const app = new App({ outdir, context: NO_BUNDLING });
    new PhoneSecurityStack(app, 'Crowded', { routes: many });
    const crowded = templatesOf(app, outdir).find((template) => template.name.includes('DevicesApi'))!;
    expect(crowded.resources).toBeGreaterThan(LIMITS.resources);
  }, 120_000);
});

describe('a route added to the table', () => {
  const route = (path: string): RouteDefinition => ({
    operation: 'get-mobile-number',
    method: 'GET',
    path,
    summary: 'test only',
    table: ['GetItem'],
  });

  it.each([
    ['/v1/mfa/passkeys/registrations', 'devices'],
    ['/v1/mfa/devices/{device_id}/passkeys', 'devices'],
    ['/v1/payment_authorizations/{id}/passkey_assertions', 'payments'],
    ['/v1/persons/{person_id}/payment_authorizations/{id}/spc', 'payments'],
    ['/v1/operator/fraud_guard/prefixes', 'operator'],
    ['/v1/operator/persons/{person_id}/fraud_guard', 'operator'],
    ['/v1/persons/{person_id}/mobile_number/history', 'numbers'],
    ['/auth/v1/users/me/passkeys', 'end-user'],
    ['/v1/change_requests/{id}/cancel', 'change-requests'],
    ['/v1/webhooks/{id}/rotate', 'webhooks'],
  ])('%s lands in the %s stack by its path, without an edit in lib/', (path, concept) => {
    expect(conceptOf(route(path))).toBe(concept);
  });

  it('with a path no stack knows, stops the synth and names the stacks', () => {
    expect(() => conceptOf(route('/v2/unknown'))).toThrow(
      /belongs to no API stack\. Paths by stack: end-user .*devices .*numbers /,
    );
  });

  it('is deployed in that nested stack', () => {
    const app = new App({ context: NO_BUNDLING });
    const stack = new PhoneSecurityStack(app, 'Grown', {
      routes: [
        ...ROUTES,
        { ...route('/v1/mfa/devices/{device_id}/passkeys'), operation: 'list-device-passkeys' },
      ],
    });
    const fn = stack.functions.get('list-device-passkeys')!;
    expect(fn.stack.node.id).toBe('DevicesApi');
    expect(fn.stack.nestedStackParent).toBe(stack);
  });

  it('puts every route of the table in a stack', () => {
    expect(() => ROUTES.map(conceptOf)).not.toThrow();
  });
});
