import type { KeyObject } from 'node:crypto';
import { badRequest, forbidden, notFound, unprocessable } from '../errors.ts';
import type { ChallengeView } from './device.schema.ts';
import type { AttemptRefusal, ChallengeRecord } from './device-store.ts';
import { parsePublicKeyHex, parseSignatureHex, verifyP256 } from './p256.ts';

/** Timestamps as the Solaris examples show them: seconds, UTC. */
export const isoSeconds = (date: Date | string) => new Date(date).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const challengeNotFound = () => notFound('No challenge with this id.');
export const deviceNotFound = () => notFound('No device with this id.');

export const invalidSignature = (detail = 'The signature does not verify.') =>
  forbidden('invalid_signature', 'Invalid Signature', detail);

/** A refused attempt, as the caller sees it. */
export function refusal(reason: AttemptRefusal) {
  switch (reason) {
    case 'not_found':
      return challengeNotFound();
    case 'used':
      return forbidden('challenge_used', 'Challenge Used', 'The challenge has already been answered.');
    case 'expired':
      return unprocessable(
        'challenge_expired',
        'Challenge Expired',
        'The challenge has expired; start a new one.',
      );
    case 'burnt':
      return forbidden(
        'challenge_failed',
        'Challenge Failed',
        'Too many wrong signatures for this challenge; start a new one.',
      );
    case 'factor_gone':
      return forbidden(
        'challenge_void',
        'Challenge Void',
        "The number the code was sent to is no longer the person's verified number; start a new binding.",
      );
  }
}

/** Why a challenge, as read at `now`, cannot be answered any more; undefined while it can. */
export function unanswerable(
  challenge: ChallengeRecord,
  now: Date,
  maxAttempts: number,
): AttemptRefusal | undefined {
  if (challenge.consumedAt) return 'used';
  if (challenge.expiresAtMs <= now.getTime()) return 'expired';
  if (challenge.attempts >= maxAttempts) return 'burnt';
  return undefined;
}

export function challengeView(challenge: ChallengeRecord, now: Date, maxAttempts: number): ChallengeView {
  let status: ChallengeView['status'] = 'pending';
  if (challenge.consumedAt) status = 'completed';
  else if (challenge.expiresAtMs <= now.getTime()) status = 'expired';
  else if (challenge.attempts >= maxAttempts) status = 'failed';
  return {
    id: challenge.id,
    type: challenge.type,
    created_at: isoSeconds(challenge.createdAt),
    expires_at: isoSeconds(new Date(challenge.expiresAtMs)),
    status,
    ...(challenge.type === 'device' ? { string_to_sign: challenge.stringToSign } : {}),
  };
}

/** A public key from a request body, or a 400 naming the field. */
export function publicKeyFrom(hex: string, field: string): KeyObject {
  const parsed = parsePublicKeyHex(hex);
  if (!parsed.ok) throw badRequest(`${field} ${parsed.reason}.`, { field, message: parsed.reason });
  return parsed.value;
}

/** A signature from a request body in r||s form, or a 400 naming the field. Nothing is charged for a malformed one. */
export function signatureFrom(hex: string, field: string): Buffer {
  const parsed = parseSignatureHex(hex);
  if (!parsed.ok) throw badRequest(`${field} ${parsed.reason}.`, { field, message: parsed.reason });
  return parsed.value;
}

/** Verifies a signature by a stored key (hex of a point that was checked when it was stored). */
export function signedBy(publicKeyHex: string, message: string, signature: Buffer): boolean {
  const key = parsePublicKeyHex(publicKeyHex);
  return key.ok && verifyP256(key.value, message, signature);
}
