import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { PublicJwk, ReceiptSigner } from './receipt-signer.ts';

/** The issuer of local mode's receipts (`npm start`, tests): no deployed stage has it. */
export const LOCAL_RECEIPT_ISSUER = 'phone-security:local';

/**
 * The receipt signer of local mode (`npm start`, tests): an ES256 (P-256) key pair generated when the service starts
 * and kept in memory only, so receipts of one run verify against that run's key set and no other. The key id is the
 * RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key, so a verifier can recompute it from the key itself.
 * Every receipt names its issuer in `iss` (LOCAL_RECEIPT_ISSUER unless told otherwise), so a local receipt can never
 * pass for a deployed stage's.
 */
export async function localReceiptSigner(
  options: { guard?: (grant: 'signsReceipts' | 'readsReceiptKeys') => void; issuer?: string } = {},
): Promise<ReceiptSigner> {
  const issuer = options.issuer ?? LOCAL_RECEIPT_ISSUER;
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const exported = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(exported, 'sha256');
  const jwk: PublicJwk = {
    kty: 'EC',
    crv: 'P-256',
    x: exported.x!,
    y: exported.y!,
    kid,
    alg: 'ES256',
    use: 'sig',
  };
  return {
    sign: async (claims) => {
      options.guard?.('signsReceipts');
      return new SignJWT({ iss: issuer, ...claims })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid })
        .sign(privateKey);
    },
    publicKeys: async () => {
      options.guard?.('readsReceiptKeys');
      return [{ ...jwk }];
    },
  };
}
