import { createHash } from 'node:crypto';
import { minorDigits, type PaymentTerms } from '../payments/canonical.ts';

/*
 * The parts of WebAuthn a challenge's view needs, kept apart from @simplewebauthn/server so that functions which only
 * show a challenge never load the library.
 */

/**
 * The WebAuthn challenge for a string a device would sign (`string_to_sign`, or a payment's canonical terms):
 * base64url of SHA-256 over its UTF-8 bytes. Distinct strings give distinct challenges, so an assertion made for one
 * challenge or payment never verifies for another.
 */
export const webauthnChallengeFor = (message: string): string =>
  createHash('sha256').update(message, 'utf8').digest('base64url');

/** The amount as SPC carries it (`"12.50"`) in the currency's minor units, or undefined when it is not one. */
export function minorUnits(value: unknown, currency: string): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,15}(\.\d{1,6})?$/.test(value)) return undefined;
  const digits = minorDigits(currency);
  const [whole, fraction = ''] = value.split('.');
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > digits) return undefined;
  return Number(whole) * 10 ** digits + Number(significant.padEnd(digits, '0') || '0');
}

/** What a client needs to ask for an SPC assertion over a payment: challenge, credential, total and payee. */
export function spcRequestOf(
  credentialId: string,
  message: string,
  terms: PaymentTerms,
): {
  challenge: string;
  credential_id: string;
  payee_name: string;
  total: { currency: string; value: string };
} {
  const digits = minorDigits(terms.amount.currency);
  const whole = Math.floor(terms.amount.value / 10 ** digits);
  const fraction = String(terms.amount.value % 10 ** digits).padStart(digits, '0');
  return {
    challenge: webauthnChallengeFor(message),
    credential_id: credentialId,
    payee_name: terms.payee.name,
    total: { currency: terms.amount.currency, value: digits > 0 ? `${whole}.${fraction}` : `${whole}` },
  };
}
