import {
  calculateJwkThumbprint,
  compactVerify,
  createLocalJWKSet,
  decodeProtectedHeader,
  jwtVerify,
} from 'jose';
import { describe, expect, it } from 'vitest';
import { localReceiptSigner } from '../../shared/receipts/local-receipt-signer.ts';

describe('local receipt signer', () => {
  it('signs an ES256 compact JWS that verifies against its own key set, kid = RFC 7638 thumbprint', async () => {
    const signer = await localReceiptSigner();
    const [jwk] = await signer.publicKeys();
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwk!.kid).toBe(await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk!.x, y: jwk!.y }));

    const jws = await signer.sign({ jti: 'abc', amount: 1250 });
    expect(jws.split('.')).toHaveLength(3);
    expect(decodeProtectedHeader(jws)).toEqual({ alg: 'ES256', typ: 'JWT', kid: jwk!.kid });
    const { payload } = await jwtVerify(jws, createLocalJWKSet({ keys: [jwk!] }), { algorithms: ['ES256'] });
    expect(payload).toEqual({ iss: 'phone-security:local', jti: 'abc', amount: 1250 });
  });

  it("does not verify under another run's key", async () => {
    const [one, two] = await Promise.all([localReceiptSigner(), localReceiptSigner()]);
    const jws = await one.sign({ jti: 'x' });
    const [otherKey] = await two.publicKeys();
    await expect(compactVerify(jws, createLocalJWKSet({ keys: [otherKey!] }))).rejects.toThrow();
  });

  it('asks the guard for the grant of each use', async () => {
    const asked: string[] = [];
    const signer = await localReceiptSigner({ guard: (grant) => asked.push(grant) });
    await signer.sign({});
    await signer.publicKeys();
    expect(asked).toEqual(['signsReceipts', 'readsReceiptKeys']);
  });
});
