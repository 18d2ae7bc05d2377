import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox, webhookKeySource } from '../../shared/webhooks/secret-box.ts';
import { signBody } from '../../shared/webhooks/signature.ts';

const box = new SecretBox(webhookKeySource({ kind: 'value', value: 'k'.repeat(40) }, undefined));

describe('webhook secret sealing', () => {
  it('opens what it sealed for the same subscription, and stores no plaintext', async () => {
    const sealed = await box.seal('the-secret', 'sub-1');
    expect(sealed).not.toContain('the-secret');
    expect(await box.open(sealed, 'sub-1')).toBe('the-secret');
  });

  it('refuses a sealed secret moved to another subscription or tampered with', async () => {
    const sealed = await box.seal('the-secret', 'sub-1');
    await expect(box.open(sealed, 'sub-2')).rejects.toThrow();
    const [v, keyId, iv, data, tag] = sealed.split('.');
    expect([v, keyId]).toEqual(['v2', '0']);
    const flipped = Buffer.from(data!, 'base64url');
    flipped[0]! ^= 1;
    await expect(
      box.open([v, keyId, iv, flipped.toString('base64url'), tag].join('.'), 'sub-1'),
    ).rejects.toThrow();
  });

  it('opens secrets sealed before keys had versions (v1, under the plain-string key)', async () => {
    const [, , iv, data, tag] = (await box.seal('old-secret', 'sub-1')).split('.');
    expect(await box.open(['v1', iv, data, tag].join('.'), 'sub-1')).toBe('old-secret');
  });

  it('does not open under another key', async () => {
    const other = new SecretBox(webhookKeySource({ kind: 'value', value: 'x'.repeat(40) }, undefined));
    await expect(other.open(await box.seal('s', 'sub-1'), 'sub-1')).rejects.toThrow();
  });

  it('signs the body as sha256=<hex HMAC-SHA256>', () => {
    expect(signBody('secret', '{"a":1}')).toBe(
      `sha256=${createHmac('sha256', 'secret').update('{"a":1}').digest('hex')}`,
    );
  });
});
