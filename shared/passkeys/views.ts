import { canonicalTerms, type PaymentTerms } from '../payments/canonical.ts';
import { spcRequestOf, webauthnChallengeFor } from './challenge.ts';
import { credentialIdOf } from './model.ts';

/**
 * What a client needs to answer with a passkey, added to the views of challenges and payment authorizations whose
 * key is a passkey: the challenge to pass to `navigator.credentials.get` (or SPC) and the credential to allow.
 */
export function passkeyChallengeView(publicKey: string | undefined, stringToSign: string) {
  const credentialId = publicKey && credentialIdOf(publicKey);
  return credentialId
    ? { webauthn: { challenge: webauthnChallengeFor(stringToSign), credential_id: credentialId } }
    : {};
}

/** For a payment: the SPC request data too (total and payee exactly as the assertion must name them). */
export function passkeyPaymentView(record: PaymentTerms & { id: string; publicKey?: string | undefined }) {
  const credentialId = record.publicKey && credentialIdOf(record.publicKey);
  return credentialId
    ? { webauthn: spcRequestOf(credentialId, canonicalTerms(record.id, record), record) }
    : {};
}
