import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

/** Six digits, uniform over 000000-999999 (randomInt is a CSPRNG without modulo bias). */
export function generateOtp(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, '0');
}

/**
 * The stored form of an OTP: HMAC-SHA256 under a secret pepper, bound to the OTP record's id so that equal codes
 * never produce equal stored values. Without the pepper a leaked table reveals nothing about the codes.
 */
export function hashOtp(pepper: Buffer, otpId: string, code: string): string {
  return createHmac('sha256', pepper).update(otpId).update('\0').update(code).digest('hex');
}

/** Constant-time comparison of a submitted code with the stored HMAC. */
export function otpMatches(pepper: Buffer, otpId: string, code: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = Buffer.from(hashOtp(pepper, otpId, code), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
