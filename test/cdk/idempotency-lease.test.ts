import { App, type CfnElement } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { PhoneSecurityStack } from '../../lib/phone-security-stack.ts';
import { idempotencySection } from '../../shared/config.ts';
import { leaseSecondsFor } from '../../shared/idempotency/idempotency.ts';
import { authOf, ROUTES } from '../../shared/routes.ts';
import { stageTemplate } from './stage-template.ts';

// Bundling is skipped: this is about the functions' settings, not the bundle.
const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new PhoneSecurityStack(app, 'IdempotencyLeaseTest');
const resources = stageTemplate(stack).toJSON().Resources;
const fnOf = (operation: string) =>
  resources[stack.getLogicalId(stack.functions.get(operation)!.node.defaultChild as CfnElement)].Properties;

const writes = ROUTES.filter((route) => authOf(route) === 'partner' && route.method !== 'GET');

describe('the Idempotency-Key lease of each partner write route', () => {
  it.each(
    writes.map((route) => route.operation),
  )('%s: outlives the deployed timeout, read through config', (operation) => {
    const fn = fnOf(operation);
    const env = fn.Environment.Variables;
    // The function reads the timeout the stack deployed it with, not a second copy of the number.
    const { functionTimeoutSeconds } = idempotencySection(env);
    expect(functionTimeoutSeconds).toBe(fn.Timeout);
    expect(leaseSecondsFor(functionTimeoutSeconds)).toBeGreaterThan(fn.Timeout);
  });

  it('is not configured on routes that take no Idempotency-Key', () => {
    const others = ROUTES.filter((route) => !writes.includes(route));
    expect(others.length).toBeGreaterThan(0);
    for (const route of others)
      expect(fnOf(route.operation).Environment.Variables).not.toHaveProperty('FUNCTION_TIMEOUT_SECONDS');
  });
});
