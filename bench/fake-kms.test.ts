import { KMSClient } from '@aws-sdk/client-kms';
import { compactVerify, createLocalJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmsReceiptSigner } from '../shared/aws/kms-receipt-signer.ts';
import { startFakeKms } from './fake-kms.ts';

let kms: Awaited<ReturnType<typeof startFakeKms>>;
beforeAll(async () => {
  kms = await startFakeKms();
});
afterAll(() => kms.close());

describe('the benchmark KMS stand-in', () => {
  it('answers the real KMS adapter so that its receipts verify against its key set', async () => {
    const client = new KMSClient({
      region: 'us-east-1',
      endpoint: kms.endpoint,
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    const signer = new KmsReceiptSigner(client, kms.keyId);
    const receipt = await signer.sign({ jti: 'a'.repeat(32), amount: 1250 });
    const keys = await signer.publicKeys();
    const { payload, protectedHeader } = await compactVerify(receipt, createLocalJWKSet({ keys }));
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: keys[0]!.kid });
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ jti: 'a'.repeat(32), amount: 1250 });
  });
});
