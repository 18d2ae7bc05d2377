import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ROUTES, readsSandbox } from '../../shared/routes.ts';
import { signBody } from '../../shared/webhooks/signature.ts';
import { createIntegApp, INTEG_STACK } from '../aws/app.ts';
import { signedDelivery } from '../aws/run.ts';
import { stageTemplate } from './stage-template.ts';

// The real-account test (`npm run test:aws`) cannot run here; this keeps its app and its checks from rotting.
describe('real-account test app', () => {
  const { app, stack, receiver } = createIntegApp({ 'aws:cdk:bundling-stacks': [] });

  it('is a sandbox stage named apart from production, with a public receiver URL, clean under cdk-nag', () => {
    expect(stack.stackName).toBe(INTEG_STACK);
    const functions = Object.values(stageTemplate(stack).findResources('AWS::Lambda::Function')) as Array<{
      Properties: { Environment: { Variables: Record<string, string> } };
    }>;
    // Every function that reads the sandbox flag (the SMS senders and create-mobile-number) has it on.
    const readers = functions.filter(
      (fn) => fn.Properties.Environment.Variables.SANDBOX_ENABLED !== undefined,
    );
    expect(readers).toHaveLength(ROUTES.filter(readsSandbox).length);
    expect(readers.every((fn) => fn.Properties.Environment.Variables.SANDBOX_ENABLED === 'true')).toBe(true);
    Template.fromStack(receiver).hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
    stageTemplate(stack).hasOutput('TokenEndpoint', {});
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
    expect(() => app.synth()).not.toThrow();
  }, 120_000);

  it('accepts a delivery only with the subscription secret’s signature', () => {
    const event = { metadata: { type: 'PERSON_MOBILE_NUMBER_CREATED' }, data: { id: 'm1' } };
    const body = JSON.stringify(event);
    const check = { headers: { 'solaris-webhook-signature': signBody('s', body) }, body };
    const byId = (e: { data: Record<string, unknown> }) => e.data.id === 'm1';
    expect(signedDelivery([{ headers: {}, body: '' }, check], 's', byId)).toEqual({ verified: true });
    expect(signedDelivery([check], 'other', byId)).toEqual({ verified: false });
    expect(signedDelivery([check], 's', (e) => e.data.id === 'm2')).toBeUndefined();
  });
});
