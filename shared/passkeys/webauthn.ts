import { createHash } from 'node:crypto';
import {
  type AuthenticationResponseJSON,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { PasskeySettings } from '../config.ts';
import type { PaymentTerms } from '../payments/canonical.ts';
import { minorUnits, webauthnChallengeFor } from './challenge.ts';

/**
 * WebAuthn through @simplewebauthn/server: no CBOR or COSE is parsed here. What this module adds is the binding of
 * an assertion to one of this service's challenges, and the Secure Payment Confirmation checks.
 */

/** How long the browser lets the person answer (the service's own challenge lifetime still decides). */
const CEREMONY_TIMEOUT_MS = 120_000;

/**
 * ES256 and RS256: what platform authenticators and security keys offer. The library's default would also offer
 * ML-DSA-44 where the runtime has it (Node 24), and Chromium then refuses the whole list for SPC-enabled credentials.
 */
const ALGORITHMS = [-7, -257];

/** A stable, opaque user handle per person: the authenticator keeps one passkey per person and RP, not the id. */
const userHandle = (personId: string) =>
  new Uint8Array(createHash('sha256').update(`passkey-user\0${personId}`).digest());

export function registrationOptions(
  settings: PasskeySettings,
  input: {
    personId: string;
    userName: string;
    challenge: string;
    exclude: readonly string[];
    /** Usable for Secure Payment Confirmation: browsers then require a platform authenticator. */
    paymentConfirmation: boolean;
  },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: settings.rpName,
    rpID: settings.rpId,
    userID: userHandle(input.personId),
    userName: input.userName,
    challenge: Buffer.from(input.challenge, 'base64url'),
    timeout: CEREMONY_TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: input.exclude.map((id) => ({ id })),
    supportedAlgorithmIDs: ALGORITHMS,
    authenticatorSelection: {
      residentKey: 'required',
      userVerification: 'required',
      // Chromium: "A platform authenticator is required for 'payment' extension."
      ...(input.paymentConfirmation ? { authenticatorAttachment: 'platform' as const } : {}),
    },
    // Lets browsers that implement Secure Payment Confirmation use the passkey for payments.
    ...(input.paymentConfirmation
      ? { extensions: { payment: { isPayment: true } } as Record<string, unknown> }
      : {}),
  });
}

export interface RegisteredPasskey {
  credentialId: string;
  publicKey: string;
  counter: number;
  aaguid: string;
  backupEligible: boolean;
  backupState: boolean;
  transports: string[];
}

/** Verifies a registration against its challenge, the RP ID and origins, with user verification required. */
export async function verifyRegistration(
  settings: PasskeySettings,
  response: RegistrationResponseJSON,
  challenge: string,
): Promise<RegisteredPasskey | undefined> {
  try {
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: [...settings.origins],
      expectedRPID: settings.rpId,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    });
    if (!result.verified) return undefined;
    const info = result.registrationInfo;
    return {
      credentialId: info.credential.id,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      aaguid: info.aaguid,
      backupEligible: info.credentialDeviceType === 'multiDevice',
      backupState: info.credentialBackedUp,
      transports: (response.response.transports ?? []).slice(0, 8),
    };
  } catch {
    return undefined;
  }
}

export type AssertionCheck = { ok: false; reason: string } | { ok: true; counter: number; spc: boolean };

/**
 * Verifies an assertion by a stored credential over `message`'s challenge: origin, RP ID, user presence and
 * verification, signature. The counter is only read here (the caller compares it with the stored one, so that a
 * counter going backwards is told apart from a bad assertion). For a payment, a `payment.get` assertion (Secure
 * Payment Confirmation) must also name exactly the authorization's amount, currency and payee, as the browser showed
 * them; a plain `webauthn.get` one is bound to them through the challenge alone, as a device signature is.
 */
export async function verifyAssertion(
  settings: PasskeySettings,
  input: {
    response: AuthenticationResponseJSON;
    credential: { id: string; publicKey: string };
    message: string;
    payment?: PaymentTerms | undefined;
  },
): Promise<AssertionCheck> {
  try {
    const result = await verifyAuthenticationResponse({
      response: input.response,
      expectedChallenge: webauthnChallengeFor(input.message),
      expectedOrigin: [...settings.origins],
      expectedRPID: settings.rpId,
      expectedType: input.payment ? ['webauthn.get', 'payment.get'] : 'webauthn.get',
      // The stored counter is compared by the caller; 0 here keeps the library from refusing on it.
      credential: {
        id: input.credential.id,
        publicKey: Buffer.from(input.credential.publicKey, 'base64url'),
        counter: 0,
      },
      requireUserVerification: true,
    });
    if (!result.verified) return { ok: false, reason: 'signature' };
    const clientData = JSON.parse(
      Buffer.from(input.response.response.clientDataJSON, 'base64url').toString('utf8'),
    );
    const spc = clientData.type === 'payment.get';
    if (spc) {
      const mismatch = paymentMismatch(clientData.payment, input.payment!, settings.rpId);
      if (mismatch) return { ok: false, reason: mismatch };
    }
    return { ok: true, counter: result.authenticationInfo.newCounter, spc };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/** SPC `payment.get` client data: what the browser showed must be exactly the authorization's terms. */
function paymentMismatch(payment: unknown, terms: PaymentTerms, rpId: string): string | undefined {
  if (!payment || typeof payment !== 'object') return 'payment.get without payment data';
  const shown = payment as {
    rpId?: unknown;
    payeeName?: unknown;
    total?: { value?: unknown; currency?: unknown };
  };
  if (shown.rpId !== rpId) return 'payment data for another RP ID';
  if (shown.total?.currency !== terms.amount.currency) return 'payment data for another currency';
  if (minorUnits(shown.total?.value, terms.amount.currency) !== terms.amount.value) {
    return 'payment data for another amount';
  }
  if (shown.payeeName !== terms.payee.name) return 'payment data for another payee';
  return undefined;
}
