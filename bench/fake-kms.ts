/**
 * A stand-in for AWS KMS on 127.0.0.1, for the bundles the benchmark runs: no real KMS can run here, and the receipt
 * functions compose the real KMS adapter (shared/aws/kms-receipt-signer.ts) at init. It speaks the two calls that
 * adapter makes (AWS JSON 1.1, `X-Amz-Target: TrentService.GetPublicKey` and `TrentService.Sign`) with one P-256
 * key generated at start, answering what KMS documents: an SPKI public key, and a DER ECDSA signature over the raw
 * message.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_KMS_KEY_ID = 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-00000000bench';

export async function startFakeKms(): Promise<{ endpoint: string; keyId: string; close(): Promise<void> }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { Message?: string };
      const answer = (status: number, body: unknown) =>
        response
          .writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' })
          .end(JSON.stringify(body));
      if (target === 'TrentService.GetPublicKey') {
        answer(200, {
          KeyId: FAKE_KMS_KEY_ID,
          PublicKey: spki,
          KeySpec: 'ECC_NIST_P256',
          KeyUsage: 'SIGN_VERIFY',
          SigningAlgorithms: ['ECDSA_SHA_256'],
        });
      } else if (target === 'TrentService.Sign' && input.Message) {
        const signature = sign('sha256', Buffer.from(input.Message, 'base64'), privateKey);
        answer(200, {
          KeyId: FAKE_KMS_KEY_ID,
          Signature: signature.toString('base64'),
          SigningAlgorithm: 'ECDSA_SHA_256',
        });
      } else {
        answer(400, { __type: 'UnsupportedOperationException', message: `not served here: ${target}` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    keyId: FAKE_KMS_KEY_ID,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
