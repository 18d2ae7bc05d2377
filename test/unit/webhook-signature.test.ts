import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  signStandardWebhook,
  standardWebhookHeaders,
  standardWebhooksSecret,
} from '../../shared/webhooks/signature.ts';

/** Our Standard Webhooks signing against the reference implementation (the `standardwebhooks` package). */
describe('Standard Webhooks signature', () => {
  const secret = 'a7074df4'.repeat(8);
  const body = '{"metadata":{"id":"e1"},"data":{"person_id":"p1","note":"ü."}}';

  it('matches the reference implementation keyed with the whsec_ form of our secret', () => {
    const reference = new Webhook(standardWebhooksSecret(secret));
    for (const at of [new Date('2026-11-22T10:00:00.999Z'), new Date(0), new Date('2031-01-01T00:00:00Z')]) {
      const seconds = Math.floor(at.getTime() / 1000);
      expect(signStandardWebhook(secret, 'e1', seconds, body)).toBe(reference.sign('e1', at, body));
    }
  });

  it('writes the key as whsec_ and the base64 of the secret bytes, and signs whole seconds', () => {
    expect(standardWebhooksSecret(secret)).toBe(`whsec_${Buffer.from(secret).toString('base64')}`);
    const headers = standardWebhookHeaders(secret, 'e1', new Date('2026-11-22T10:00:00.999Z'), body);
    expect(headers).toEqual({
      'webhook-id': 'e1',
      'webhook-timestamp': String(Date.parse('2026-11-22T10:00:00Z') / 1000),
      'webhook-signature': signStandardWebhook(secret, 'e1', Date.parse('2026-11-22T10:00:00Z') / 1000, body),
    });
  });

  it('changes with the id, the timestamp and the body', () => {
    const base = signStandardWebhook(secret, 'e1', 1000, body);
    expect(signStandardWebhook(secret, 'e2', 1000, body)).not.toBe(base);
    expect(signStandardWebhook(secret, 'e1', 1001, body)).not.toBe(base);
    expect(signStandardWebhook(secret, 'e1', 1000, `${body} `)).not.toBe(base);
  });
});
