import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { handlerEntry, ROUTES } from '../../shared/routes.ts';

const SNS = "import '#shared/aws/sns.ts';";
const SECRETS = "import '#shared/aws/secrets-manager.ts';";
const source = (file: string) => readFileSync(file, 'utf8');

// A handler that sends SMS without loading the SNS adapter fails at its first SMS; one that loads an adapter its
// route has no permission for bundles and initialises an SDK client for nothing. The route table decides both.
describe('AWS adapters follow the route table', () => {
  for (const route of ROUTES) {
    it(`${route.operation}: SNS ${route.sendsSms ? 'loaded' : 'not loaded'}, Secrets Manager ${
      route.usesPepper || route.usesWebhookKey ? 'loaded' : 'not loaded'
    }`, () => {
      const text = source(handlerEntry(route));
      expect(text.includes(SNS)).toBe(Boolean(route.sendsSms));
      expect(text.includes(SECRETS)).toBe(Boolean(route.usesPepper || route.usesWebhookKey));
    });
  }

  it('the webhook delivery function loads Secrets Manager for the webhook key; the relay and fan-out load neither', () => {
    expect(source('functions/deliver-webhook.ts')).toContain(SECRETS);
    for (const file of ['functions/relay-outbox-events.ts', 'functions/fan-out-webhook-events.ts']) {
      expect(source(file)).not.toContain(SECRETS);
      expect(source(file)).not.toContain(SNS);
    }
  });

  it('no shared module outside shared/aws imports the SNS or Secrets Manager client', () => {
    const offenders = ROUTES.map(handlerEntry).filter((file) =>
      /from '@aws-sdk\/client-(sns|secrets-manager)'/.test(source(file)),
    );
    expect(offenders).toEqual([]);
    for (const file of ['shared/runtime.ts', 'shared/storage/secret-source.ts']) {
      expect(source(file)).not.toMatch(/@aws-sdk\/client-(sns|secrets-manager)/);
    }
  });
});
