/**
 * Passkeys as devices. A passkey is bound like any device (it is a DEVICE#, counts toward the person's five, is listed
 * and deleted with the others, and answers device challenges), but its key is a WebAuthn credential: the device's key
 * record names the credential (`webauthn:<credential id>`) and the credential's own item holds the COSE public key and
 * the sign counter. That key string never parses as a P-256 point, so an ECDSA signature can never stand in for a
 * passkey assertion, nor the other way round.
 */

export type { PasskeyFacts } from '../devices/device-records.ts';

/** The prefix of a passkey key's `publicKey`: what follows is the credential id (base64url). */
export const PASSKEY_KEY_PREFIX = 'webauthn:';

export const passkeyKeyRef = (credentialId: string) => `${PASSKEY_KEY_PREFIX}${credentialId}`;

/** The credential id a device key names, or undefined for an ECDSA key. */
export const credentialIdOf = (publicKey: string): string | undefined =>
  publicKey.startsWith(PASSKEY_KEY_PREFIX) ? publicKey.slice(PASSKEY_KEY_PREFIX.length) : undefined;

/** Enrollment: an SMS OTP first (the code is SCA), then a WebAuthn registration against the challenge it unlocked. */
export interface PasskeyRegistrationRecord {
  id: string;
  deviceId: string;
  personId: string;
  name: string;
  /** What the authenticator shows as the account. */
  userName: string;
  createdAt: string;
  expiresAtMs: number;
  /** Wrong OTPs so far. */
  attempts: number;
  /** The OTP's HMAC (never the code). */
  otpHash: string;
  /** The verified number record the OTP went to: the OTP checks only while it is still the person's. */
  sentTo?: string | undefined;
  /** Set when the right OTP arrived; only then is there a WebAuthn challenge to register against. */
  otpConfirmedAt?: string | undefined;
  /** base64url; the registration's `clientDataJSON.challenge` must equal it. */
  webauthnChallenge?: string | undefined;
  consumedAt?: string | undefined;
}

export interface PasskeyCredentialRecord {
  credentialId: string;
  deviceId: string;
  personId: string;
  keyId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  /** The last sign counter seen (0 for authenticators that keep none). */
  counter: number;
  createdAt: string;
}
